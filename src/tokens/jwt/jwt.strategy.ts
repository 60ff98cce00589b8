import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy as CustomStrategy } from 'passport-custom';
import { ClientsService } from '../../clients/clients.service';
import type { CredentialStrategy } from '../../platform/auth/credential-strategy';
import type { Principal } from '../../platform/auth/principal';
import { InvalidToken } from '../../platform/errors/oauth-errors';
import { RevocationService } from '../revocation/revocation.service';
import { AccessTokensService } from './access-tokens.service';

/** RFC 7235 §2.1: the auth-scheme is a case-insensitive token, followed by whitespace (or nothing). */
const BEARER_SCHEME = /^bearer(?:$|[ \t])/i;

/** RFC 6750 §2.1: `Bearer` 1*SP b64token, b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=". */
const BEARER_CREDENTIALS = /^bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

function authorizationHeader(request: FastifyRequest): string | undefined {
  const value = request.headers.authorization;
  return typeof value === 'string' ? value : undefined;
}

/**
 * The token in `Authorization: Bearer <token>`, or undefined when the header is malformed (no token, two
 * spaces, characters outside b64token, trailing data).
 */
export function bearerToken(header: string): string | undefined {
  return BEARER_CREDENTIALS.exec(header)?.[1];
}

/**
 * RFC 6750 bearer tokens (JWT access tokens, RFC 9068) in the Authorization header — the only place we take
 * them: §2.2 form bodies and §2.3 query strings leak into logs and are not supported. That is why this is a
 * passport-custom strategy and not passport-http-bearer, which also reads `access_token` from the body and
 * the query string and splits the header on single spaces instead of parsing b64token.
 *
 * A malformed Authorization header with the Bearer scheme is answered with 401 invalid_token, not 400
 * invalid_request: RFC 6750 §3.1 defines invalid_token as "expired, revoked, malformed, or invalid for other
 * reasons", and a client's one sensible reaction to either — get a new token — is what 401 tells it.
 */
export const API_KEY_AS_BEARER = 'this is an API key: send it in the X-API-Key header, not as a Bearer token';

@Injectable()
export class JwtStrategy extends PassportStrategy(CustomStrategy, 'bearer') implements CredentialStrategy {
  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly revocation: RevocationService,
    private readonly clients: ClientsService,
  ) {
    super();
  }

  present(request: FastifyRequest): boolean {
    const header = authorizationHeader(request);
    return header !== undefined && BEARER_SCHEME.test(header);
  }

  async validate(request: FastifyRequest): Promise<Principal> {
    const header = authorizationHeader(request);
    const token = header === undefined ? undefined : bearerToken(header);
    if (!token) throw new InvalidToken();
    // An API key in the bearer slot is a common first mistake: say where it goes (RFC 6750 §3 lets the
    // error_description be any human-readable hint).
    if (token.startsWith('iik_')) throw new InvalidToken(API_KEY_AS_BEARER);
    const verified = await this.accessTokens.verify(token);
    // Checked on every request, also for tokens the verifier had cached: revocation must win at once.
    if (this.revocation.isRevoked(verified.jti, verified.grantId)) throw new InvalidToken();
    // A deleted client's tokens die with it (RFC 7009 §2.1 spirit: revoking the client revokes what it
    // holds). findActive is served from the clients read cache, invalidated on delete across instances.
    if (!(await this.clients.findActive(verified.clientId))) throw new InvalidToken();
    if (verified.kind === 'client') {
      // A client_credentials token is a service: it never carries a userId, so it never acts as a user.
      return {
        kind: 'client',
        subject: verified.clientId,
        clientId: verified.clientId,
        scopes: verified.scopes,
        via: 'bearer',
        jti: verified.jti,
      };
    }
    return {
      kind: 'user',
      subject: verified.sub,
      userId: verified.sub,
      clientId: verified.clientId,
      scopes: verified.scopes,
      via: 'bearer',
      jti: verified.jti,
      ...(verified.grantId !== undefined ? { grantId: verified.grantId } : {}),
    };
  }
}
