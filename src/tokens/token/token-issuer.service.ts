import { Injectable } from '@nestjs/common';

import { AuditService } from '../../audit/audit.service';
import type { GrantType } from '../../clients/clients.service';
import type { RequestMeta } from '../../platform/http/request-meta';
import { AccessTokensService } from '../jwt/access-tokens.service';
import type { SigningAlg } from '../keys/key-crypto';
import type { AuthContext } from '../oidc/auth-context';
import { IdTokenService } from '../oidc/id-token.service';
import { formatScope } from '../scopes';
import type { TokenResponse } from './grants/grant-type';

/** Mints the token response shared by every user-facing grant: a JWT access token and, optionally, a refresh token. */
@Injectable()
export class TokenIssuer {
  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly audit: AuditService,
    private readonly idTokens: IdTokenService,
  ) {}

  async issue(input: {
    grantType: GrantType;
    meta: RequestMeta;
    /** The user the tokens act for (absent for client_credentials). */
    userId?: string;
    subject: string;
    clientId: string;
    scopes: string[];
    grantId?: string;
    /** RFC 8707: the token's audience (a registered resource); default the product API. */
    audience?: string;
    /**
     * A refresh token the grant already stored, in the same statement that spent what was presented (a
     * code, a rotated refresh token). client_credentials never gets one (RFC 6749 §4.4.3).
     */
    refreshToken?: string;
    /** Audit detail: this pair answers the retry of a rotation whose response was lost. */
    retry?: boolean;
    /** OIDC Core §3.1.3.3: an id_token for the user, when `openid` was granted. */
    idToken?: { alg: SigningAlg; nonce?: string; auth?: AuthContext };
    /** RFC 9449 §5: bind the access token to this DPoP key (`cnf.jkt`, token_type DPoP). */
    dpopJkt?: string;
    /** RFC 8693 §4.1 `act.sub`. */
    actor?: string;
    /** Seconds, when shorter than ACCESS_TOKEN_TTL. */
    ttl?: number;
    /** The user's sign-in behind this grant (auth_time, acr, amr), stated in the access token too. */
    auth?: AuthContext;
  }): Promise<TokenResponse> {
    const refreshToken = input.refreshToken;
    const access = await this.accessTokens.issue({
      subject: input.subject,
      clientId: input.clientId,
      scopes: input.scopes,
      grantId: input.grantId,
      audience: input.audience,
      jkt: input.dpopJkt,
      actor: input.actor,
      ttl: input.ttl,
      auth: input.auth,
    });
    const idToken = input.idToken
      ? await this.idTokens.issue({
          ...input.idToken,
          subject: input.subject,
          clientId: input.clientId,
          accessToken: access.token,
        })
      : undefined;
    // Grant type and client only: never token material in the audit log. Awaited: the response is sent
    // only once its event is durable (committed with concurrent ones, or spooled during an outage).
    await this.audit.recordDurable({
      type: 'token.issued',
      userId: input.userId,
      clientId: input.clientId,
      ...input.meta,
      details: {
        grant_type: input.grantType,
        scope: formatScope(input.scopes),
        ...(input.audience ? { resource: input.audience } : {}),
        refresh_token: !!refreshToken,
        ...(input.retry ? { retry: true } : {}),
        ...(idToken ? { id_token: true } : {}),
        ...(input.dpopJkt ? { dpop: true } : {}),
        ...(input.actor ? { actor: input.actor } : {}),
      },
    });
    return {
      access_token: access.token,
      token_type: input.dpopJkt ? 'DPoP' : 'bearer',
      expires_in: access.expiresIn,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      scope: formatScope(input.scopes),
      ...(idToken ? { id_token: idToken } : {}),
    };
  }
}
