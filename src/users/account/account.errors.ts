import { ValidationFailed } from '../../platform/errors/api-error';

/** Re-authentication failed: the current password is wrong (a field error, the form shows it in place). */
export class WrongPassword extends ValidationFailed {
  constructor(field = 'current_password') {
    super([{ field, messages: ['is not your current password'] }]);
  }
}

/** The new email is the account's email already. */
export class SameEmail extends ValidationFailed {
  constructor() {
    super([{ field: 'email', messages: ['is already your email address'] }]);
  }
}
