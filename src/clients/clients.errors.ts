import { ValidationFailed } from '../platform/errors/api-error';

export class InvalidClientMetadata extends ValidationFailed {
  constructor(field: string, message: string) {
    super([{ field, messages: [message] }]);
  }
}
