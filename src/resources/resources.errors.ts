import { ValidationFailed } from '../platform/errors/api-error';

/** A resource registration refused field by field. */
export class InvalidResource extends ValidationFailed {
  constructor(field: string, message: string) {
    super([{ field, messages: [message] }]);
  }
}
