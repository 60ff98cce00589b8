import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy as CustomStrategy } from 'passport-custom';

import { ClientsService } from '../../clients/clients.service';
import type { CredentialStrategy } from '../../platform/auth/credential-strategy';
import type { Principal } from '../../platform/auth/principal';
import { DpopChallenge, InvalidToken } from '../../platform/errors/oauth-errors';
import { DpopService } from '../dpop/dpop.service';
import { RevocationService } from '../revocation/revocation.service';
import { AccessTokensService, type VerifiedAccessToken } from './access-tokens.service';

/** RFC 7235 §2.1: the auth-scheme is a case-insensitive token, followed by whitespace (or nothing). */
const BEARER_SCHEME = /^bearer(?:$|[ \t])/i;

/** RFC 9449 §7.1: the DPoP scheme, tested only when the header is not Bearer (the hot path stays one regex). */
const DPOP_SCHEME = /^dpop(?:$|[ \t])/i;

/** RFC 9449 §7.1: `DPoP` 1*SP token68, the same b64token syntax as Bearer. */
const DPOP_CREDENTIALS = /^dpop ([A-Za-z0-9\-._~+/]+=*)$/i;

/** `act.sub` of tokens minted from an API key by the key alone (RFC 8693 token exchange). */
export const API_KEY_ACTOR_PREFIX = 'api_key:';

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
    private readonly dpop: DpopService,
  ) {
    super();
  }

  present(request: FastifyRequest): boolean {
    const header = authorizationHeader(request);
    return header !== undefined && (BEARER_SCHEME.test(header) || DPOP_SCHEME.test(header));
  }

  async validate(request: FastifyRequest): Promise<Principal> {
    const header = authorizationHeader(request);
    if (header !== undefined && !BEARER_SCHEME.test(header)) return this.validateDpop(request, header);
    const token = header === undefined ? undefined : bearerToken(header);
    if (!token) throw new InvalidToken();
    // An API key in the bearer slot is a common first mistake: say where it goes (RFC 6750 §3 lets the
    // error_description be any human-readable hint).
    if (token.startsWith('iik_')) throw new InvalidToken(API_KEY_AS_BEARER);
    const verified = await this.accessTokens.verify(token);
    // RFC 9449 §7.1: a DPoP-bound token is useless without a proof by its key, so never as a bearer token.
    if (verified.jkt !== undefined) {
      throw new DpopChallenge(
        'invalid_token',
        'this token is DPoP-bound: send it with the DPoP scheme and a proof',
      );
    }
    return this.principal(verified, () => new InvalidToken());
  }

  /** RFC 9449 §7: `Authorization: DPoP <token>` with a `DPoP` proof by the token's key, carrying its `ath`. */
  private async validateDpop(request: FastifyRequest, header: string): Promise<Principal> {
    const invalid = () => new DpopChallenge('invalid_token', 'the credential is invalid, expired or revoked');
    const token = DPOP_CREDENTIALS.exec(header)?.[1];
    if (!token) throw invalid();
    const proof = this.dpop.proofOf(request, 'resource');
    if (proof === undefined) throw new DpopChallenge('invalid_dpop_proof', 'a DPoP proof is required');
    const verified = await this.accessTokens.verify(token).catch(() => {
      throw invalid();
    });
    if (verified.jkt === undefined) throw invalid();
    const { jkt } = await this.dpop.verify(request, proof, 'resource', token);
    if (jkt !== verified.jkt) {
      throw new DpopChallenge('invalid_dpop_proof', "the DPoP proof is not by the token's key");
    }
    return this.principal(verified, invalid);
  }

  private async principal(verified: VerifiedAccessToken, invalid: () => Error): Promise<Principal> {
    // Checked on every request, also for tokens the verifier had cached: revocation must win at once.
    if (this.revocation.isRevoked(verified.jti, verified.grantId)) throw invalid();
    // A deleted client's tokens die with it (RFC 7009 §2.1 spirit: revoking the client revokes what it
    // holds). findActive is served from the clients read cache, invalidated on delete across instances.
    // A token an API key minted by itself has no client: the key's revocation (grant_id) governs it.
    const keyAlone =
      verified.clientId === verified.actor && verified.clientId.startsWith(API_KEY_ACTOR_PREFIX);
    if (!keyAlone && !(await this.clients.findActive(verified.clientId))) throw invalid();
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
