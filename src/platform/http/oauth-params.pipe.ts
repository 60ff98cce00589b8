import type { PipeTransform } from '@nestjs/common';

import { ApiError } from '../errors/api-error';
import { oauthParams, type OAuthParamsOptions } from './oauth-params';

export interface OAuthParamsPipeOptions extends OAuthParamsOptions {
  /**
   * The error a refused request answers with. Default: the refusal itself (JSON `invalid_request`);
   * interactive pages answer with an HTML page instead.
   */
  error?: (refusal: ApiError) => Error;
}

/**
 * RFC 6749 §3.1 as a pipe for `@Query()` and `@Body()`: one string value per parameter (a repeated
 * parameter is `invalid_request`), parameters sent without a value are treated as omitted. The handler
 * receives a plain `Record<string, string>`; declare the parameter with that type (not a DTO class) so
 * the global validation pipe leaves the raw input to this one.
 */
export class OAuthParamsPipe implements PipeTransform<unknown, Record<string, string>> {
  constructor(private readonly options: OAuthParamsPipeOptions = {}) {}

  transform(value: unknown): Record<string, string> {
    try {
      return oauthParams(value, this.options);
    } catch (error) {
      if (this.options.error && error instanceof ApiError) throw this.options.error(error);
      throw error;
    }
  }
}
