/**
 * The product's error family. Every error a client can see is one of these: the global filter writes
 * `{ error, error_description }` (RFC 6749 §5.2 shape, used for the whole API) with the status and headers.
 * Descriptions are public text: never put secrets, SQL or stack traces in them.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
    readonly extra: Record<string, unknown> = {},
  ) {
    super(description);
  }

  toJSON(): Record<string, unknown> {
    return { error: this.code, error_description: this.description, ...this.extra };
  }
}

interface FieldError {
  field: string;
  messages: string[];
}

export class ValidationFailed extends ApiError {
  constructor(readonly fields: FieldError[]) {
    super(400, 'invalid_request', `invalid fields: ${fields.map((f) => f.field).join(', ')}`, {}, { fields });
  }
}

export class NotFound extends ApiError {
  constructor(what = 'resource') {
    super(404, 'not_found', `${what} not found`);
  }
}

export class Conflict extends ApiError {
  constructor(description: string) {
    super(409, 'conflict', description);
  }
}

export class Forbidden extends ApiError {
  constructor(description: string) {
    super(403, 'forbidden', description);
  }
}

export class ServerError extends ApiError {
  constructor() {
    super(500, 'server_error', 'the server encountered an unexpected error');
  }
}

/**
 * A rate limit was hit. `headers` carry Retry-After (RFC 9110 §10.2.3) and the IETF draft's
 * RateLimit-Limit / -Remaining / -Reset. The body is RFC 6749-shaped on the OAuth endpoints too (RFC 6749
 * defines no code for it; `too_many_requests` is the HTTP status's name).
 */
export class TooManyRequests extends ApiError {
  constructor(
    headers: Record<string, string>,
    description = 'too many requests: retry after the time in Retry-After',
  ) {
    super(429, 'too_many_requests', description, headers);
  }
}
