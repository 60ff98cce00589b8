import { Conflict, NotFound, ValidationFailed } from '../platform/errors/api-error';

/** Unknown id, another user's key, or a revoked key: one answer, so ids reveal nothing (404, not 403). */
export class ApiKeyNotFound extends NotFound {
  constructor() {
    super('API key');
  }
}

/** An expired key cannot be rolled: its replacement would be born expired. Create a new key instead. */
export class ApiKeyExpired extends Conflict {
  constructor() {
    super('the API key has expired; create a new key instead of rolling it');
  }
}

export class InvalidApiKeyField extends ValidationFailed {
  constructor(field: string, message: string) {
    super([{ field, messages: [message] }]);
  }
}
