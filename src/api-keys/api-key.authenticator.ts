import { Injectable, OnModuleInit } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AuthenticatorRegistry, type Authenticator } from '../platform/auth/authenticators';
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
 */
@Injectable()
export class ApiKeyAuthenticator implements Authenticator, OnModuleInit {
  readonly kind = 'api_key' as const;

  constructor(
    private readonly keys: ApiKeysService,
    private readonly registry: AuthenticatorRegistry,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  present(request: FastifyRequest): boolean {
    return request.headers[API_KEY_HEADER] !== undefined;
  }

  async authenticate(request: FastifyRequest): Promise<Principal> {
    // RFC 6750 §2: a client must not send its credential by more than one method in one request. The
    // guard refuses two credentials it recognises; this also covers any Authorization scheme (so the
    // rule holds whichever authenticators are registered).
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
