import { ParseUUIDPipe } from '@nestjs/common';

import { ValidationFailed } from '../errors/api-error';

/**
 * Path ids are version 4 UUIDs (the tables' `gen_random_uuid()`): anything else is refused before any
 * database work, where PostgreSQL would answer a cast error (a 500). The JSON API answers 400 in its
 * `invalid_request` field format; a page passes `invalid`, e.g. a 404 page, since to a person a malformed
 * id is simply a page that does not exist.
 */
export class UuidParamPipe extends ParseUUIDPipe {
  constructor(
    invalid: () => Error = () => new ValidationFailed([{ field: 'id', messages: ['must be a UUID'] }]),
  ) {
    super({ version: '4', exceptionFactory: invalid });
  }
}
