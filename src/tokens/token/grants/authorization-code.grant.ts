import { Injectable } from '@nestjs/common';

import { InvalidGrant, InvalidRequest } from '../../../platform/errors/oauth-errors';
import { ResourcesService } from '../../../resources/resources.service';
import { AuthorizationsService } from '../../authorizations/authorizations.service';
import { AuthorizationCodesService } from '../../codes/authorization-codes.service';
import { verifyS256 } from '../../codes/pkce';
import { authContextOf } from '../../oidc/auth-context';
import { idTokenFor, mayReceiveRefreshToken } from '../../oidc/offline-access';
import { RefreshTokensService } from '../../refresh-tokens/refresh-tokens.service';
import { TokenIssuer } from '../token-issuer.service';
import type { GrantTypeHandler, TokenRequest, TokenResponse } from './grant-type';

/** RFC 6749 §4.1.3 + RFC 7636 §4.5: exchange an authorization code (and its PKCE verifier) for tokens. */
@Injectable()
export class AuthorizationCodeGrant implements GrantTypeHandler {
  readonly grantType = 'authorization_code' as const;

  constructor(
    private readonly codes: AuthorizationCodesService,
    private readonly authorizations: AuthorizationsService,
    private readonly refreshTokens: RefreshTokensService,
    private readonly issuer: TokenIssuer,
    private readonly resources: ResourcesService,
  ) {}

  async handle({ params, client, meta, dpopJkt }: TokenRequest): Promise<TokenResponse> {
    if (!params.code) throw new InvalidRequest('code is required');
    const code = await this.codes.find(params.code);
    if (!code) throw new InvalidGrant('the authorization code is invalid or expired');
    // A code presented twice: it may have leaked. Revoke everything issued from it (RFC 6749 §4.1.2).
    if (code.consumedAt) {
      await this.authorizations.revoke(code.grantId, 'authorization_code.reuse_detected', meta);
      throw new InvalidGrant('the authorization code was already used; tokens issued from it are revoked');
    }
    if (code.clientId !== client.clientId) {
      throw new InvalidGrant('the authorization code was issued to another client');
    }
    if (code.expiresAt.getTime() <= Date.now()) {
      throw new InvalidGrant('the authorization code is invalid or expired');
    }
    // RFC 6749 §4.1.3: redirect_uri must be identical when the authorization request included it.
    if (code.redirectUriSent || params.redirect_uri !== undefined) {
      if (params.redirect_uri !== code.redirectUri) {
        throw new InvalidGrant('redirect_uri does not match the authorization request');
      }
    }
    if (code.codeChallenge) {
      if (!params.code_verifier) throw new InvalidGrant('code_verifier is required (PKCE)');
      if (!verifyS256(params.code_verifier, code.codeChallenge)) {
        throw new InvalidGrant('code_verifier does not match the code_challenge');
      }
    } else if (params.code_verifier !== undefined) {
      // RFC 9700 §2.1.1: a verifier for a code issued without a challenge signals a PKCE downgrade attack.
      throw new InvalidGrant('code_verifier sent for an authorization request without code_challenge');
    }
    // RFC 8707 §2.2: settled before redeeming, so a bad `resource` leaves the code usable for a retry.
    const target = await this.resources.targetFromGrant(params.resource, code.resources, code.scopes);
    // Checked before redeeming (read with the code), so a revoked authorization's code stores no dead
    // refresh token.
    if (!code.grantActive) throw new InvalidGrant('the authorization was revoked');
    // Public clients only with offline_access (see mayReceiveRefreshToken).
    // RFC 9449 §5: a public client's refresh token is bound to its DPoP key (a confidential client's is
    // already bound to its credentials).
    const refresh = mayReceiveRefreshToken(client, code.scopes)
      ? this.refreshTokens.mint(client.type === 'public' ? dpopJkt : undefined)
      : null;
    if (!(await this.codes.redeem(code, refresh))) {
      await this.authorizations.revoke(code.grantId, 'authorization_code.reuse_detected', meta);
      throw new InvalidGrant('the authorization code was already used; tokens issued from it are revoked');
    }
    return this.issuer.issue({
      grantType: this.grantType,
      meta,
      dpopJkt,
      userId: code.userId,
      subject: code.userId,
      clientId: client.clientId,
      scopes: target.scopes,
      audience: target.resource.uri,
      grantId: code.grantId,
      refreshToken: refresh?.token,
      idToken: idTokenFor(client, code.scopes, { nonce: code.nonce ?? undefined, auth: authContextOf(code) }),
      auth: authContextOf(code),
    });
  }
}
