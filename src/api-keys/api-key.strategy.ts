import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy as CustomStrategy } from 'passport-custom';

import type { CredentialStrategy } from '../platform/auth/credential-strategy';
import type { Principal } from '../platform/auth/principal';
import { InvalidRequest, InvalidToken } from '../platform/errors/oauth-errors';
import { ApiKeysService } from './api-keys.service';

/** The only place an API key is read from. */
export const API_KEY_HEADER = 'x-api-key';

/**
 * The API-key credential: `X-API-Key: iik_...`. Keys are accepted in this header only. A key in a URL
 * ends up in access logs, proxy logs, browser history and Referer headers (the reason RFC 6750 §2.3
 * discourages the access_token query parameter), so a `?api_key=` parameter is not a credential at all
 * and such a request is simply unauthenticated.
 *
 * passport-custom rather than passport-headerapikey: the latter hands the request to its verify callback
 * after `done`, which @nestjs/passport's `validate` wrapper cannot take, and it costs about 1 µs per
 * request more (lodash and a RegExp built per call) for reading one header.
 */
@Injectable()
export class ApiKeyStrategy
  extends PassportStrategy(CustomStrategy, 'api_key')
  implements CredentialStrategy
{
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  present(request: FastifyRequest): boolean {
    return request.headers[API_KEY_HEADER] !== undefined;
  }

  async validate(request: FastifyRequest): Promise<Principal> {
    // RFC 6750 §2: a client must not send its credential by more than one method in one request. The
    // guard refuses two credentials it recognises; this also covers any Authorization scheme (so the
    // rule holds whichever strategies a route accepts).
    if (request.headers.authorization !== undefined) {
      throw new InvalidRequest('send exactly one credential, not several');
    }
    const raw = request.headers[API_KEY_HEADER];
    // Unknown, malformed, revoked and expired keys share one error (RFC 6750 §3.1 invalid_token), so
    // a caller cannot tell which keys exist.
    const key = typeof raw === 'string' ? await this.keys.verify(raw) : null;
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
