import { NotFound, ValidationFailed } from '../platform/errors/api-error';

/** Unknown id or another owner's project: the same 404, so ids reveal nothing about other users. */
export class ProjectNotFound extends NotFound {
  constructor() {
    super('project');
  }
}

export class InvalidProjectField extends ValidationFailed {
  constructor(field: string, message: string) {
    super([{ field, messages: [message] }]);
  }
}
