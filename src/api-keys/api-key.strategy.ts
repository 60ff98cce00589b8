import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import type { StrategyCreatedStatic } from 'passport';
import { HeaderAPIKeyStrategy } from 'passport-headerapikey';
import type { CredentialStrategy } from '../platform/auth/credential-strategy';
import type { Principal } from '../platform/auth/principal';
import { InvalidRequest, InvalidToken } from '../platform/errors/oauth-errors';
import { ApiKeysService } from './api-keys.service';

/** The request as passport-headerapikey declares it (Express's type; it reads `headers` only). */
type HeaderRequest = Parameters<HeaderAPIKeyStrategy['authenticate']>[0];

/** The only place an API key is read from. */
export const API_KEY_HEADER = 'x-api-key';

/**
 * The API-key credential: `X-API-Key: iik_...`. Keys are accepted in this header only. A key in a URL
 * ends up in access logs, proxy logs, browser history and Referer headers (the reason RFC 6750 §2.3
 * discourages the access_token query parameter), so a `?api_key=` parameter is not a credential at all
 * and such a request is simply unauthenticated.
 *
 * passport-headerapikey reads the header; the request is not passed to `validate` because
 * @nestjs/passport takes the last argument of the verify callback as `done`, and this strategy passes the
 * request after it.
 */
@Injectable()
export class ApiKeyStrategy
  extends PassportStrategy(HeaderAPIKeyStrategy, 'api_key')
  implements CredentialStrategy
{
  constructor(private readonly keys: ApiKeysService) {
    super({ header: API_KEY_HEADER, prefix: '' }, false);
  }

  present(request: FastifyRequest): boolean {
    return request.headers[API_KEY_HEADER] !== undefined;
  }

  override authenticate(request: HeaderRequest, options?: object): void {
    // Passport runs this on a per-attempt object that carries the attempt's outcomes.
    const attempt = this as unknown as StrategyCreatedStatic;
    // RFC 6750 §2: a client must not send its credential by more than one method in one request. The
    // guard refuses two credentials it recognises; this also covers any Authorization scheme (so the
    // rule holds whichever strategies a route accepts).
    if (request.headers.authorization !== undefined) {
      attempt.error(new InvalidRequest('send exactly one credential, not several'));
      return;
    }
    // A repeated header arrives as a list, which the header strategy cannot read: a bad key like any other.
    if (typeof request.headers[API_KEY_HEADER] !== 'string') {
      attempt.fail();
      return;
    }
    super.authenticate(request, options);
  }

  async validate(raw: string): Promise<Principal> {
    // Unknown, malformed, revoked and expired keys share one error (RFC 6750 §3.1 invalid_token), so
    // a caller cannot tell which keys exist.
    const key = await this.keys.verify(raw);
    if (!key) throw new InvalidToken();
    return {
      kind: 'api_key',
      subject: key.id,
      userId: key.userId,
      scopes: new Set(key.scopes),
      via: 'api_key',
    };
  }
}
