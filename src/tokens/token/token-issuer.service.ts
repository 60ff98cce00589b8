import { Injectable } from '@nestjs/common';
import { AuditService } from '../../audit/audit.service';
import type { GrantType } from '../../clients/clients.service';
import type { RequestMeta } from '../../platform/http/request-meta';
import { formatScope } from '../scopes';
import type { TokenResponse } from './grants/grant-type';
import { AccessTokensService } from '../jwt/access-tokens.service';
import { RefreshTokensService } from '../refresh-tokens/refresh-tokens.service';
import type { SigningAlg } from '../keys/key-crypto';
import type { AuthContext } from '../oidc/auth-context';
import { IdTokenService } from '../oidc/id-token.service';

/** Mints the token response shared by every user-facing grant: a JWT access token and, optionally, a refresh token. */
@Injectable()
export class TokenIssuer {
  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly refreshTokens: RefreshTokensService,
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
    /** Refresh tokens belong to a user's grant; client_credentials never gets one (RFC 6749 §4.4.3). */
    refresh?: { userId: string; grantId: string; scopes: string[]; auth?: AuthContext };
    /** OIDC Core §3.1.3.3: an id_token for the user, when `openid` was granted. */
    idToken?: { alg: SigningAlg; nonce?: string; auth?: AuthContext };
  }): Promise<TokenResponse> {
    const [access, refreshToken] = await Promise.all([
      this.accessTokens.issue({
        subject: input.subject,
        clientId: input.clientId,
        scopes: input.scopes,
        grantId: input.grantId,
      }),
      input.refresh ? this.refreshTokens.issue({ ...input.refresh, clientId: input.clientId }) : undefined,
    ]);
    const idToken = input.idToken
      ? await this.idTokens.issue({
          ...input.idToken,
          subject: input.subject,
          clientId: input.clientId,
          accessToken: access.token,
        })
      : undefined;
    // Grant type and client only: never token material in the audit log.
    this.audit.recordSoon({
      type: 'token.issued',
      userId: input.userId,
      clientId: input.clientId,
      ...input.meta,
      details: {
        grant_type: input.grantType,
        scope: formatScope(input.scopes),
        refresh_token: !!refreshToken,
        ...(idToken ? { id_token: true } : {}),
      },
    });
    return {
      access_token: access.token,
      token_type: 'bearer',
      expires_in: access.expiresIn,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      scope: formatScope(input.scopes),
      ...(idToken ? { id_token: idToken } : {}),
    };
  }
}
