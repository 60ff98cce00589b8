import { Conflict, ValidationFailed } from '../platform/errors/api-error';

export class EmailTaken extends Conflict {
  constructor() {
    super('an account with this email already exists');
  }
}

export class WeakPassword extends ValidationFailed {
  constructor(reason: string) {
    super([{ field: 'password', messages: [reason] }]);
  }
}

export class InvalidEmail extends ValidationFailed {
  constructor() {
    super([{ field: 'email', messages: ['must be a valid email address'] }]);
  }
}

export class InvalidDisplayName extends ValidationFailed {
  constructor() {
    super([{ field: 'name', messages: ['must be 1 to 100 characters'] }]);
  }
}
