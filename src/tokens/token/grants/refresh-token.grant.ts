import { Injectable } from '@nestjs/common';

import {
  InvalidDpopProof,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
} from '../../../platform/errors/oauth-errors';
import type { RequestMeta } from '../../../platform/http/request-meta';
import { ResourcesService } from '../../../resources/resources.service';
import { AuthorizationsService } from '../../authorizations/authorizations.service';
import { authContextOf } from '../../oidc/auth-context';
import { idTokenFor } from '../../oidc/offline-access';
import type { RefreshToken } from '../../refresh-tokens/refresh-token.entity';
import { RefreshTokensService } from '../../refresh-tokens/refresh-tokens.service';
import { parseScope } from '../../scopes';
import { TokenIssuer } from '../token-issuer.service';
import type { GrantTypeHandler, TokenRequest, TokenResponse } from './grant-type';

/**
 * RFC 6749 §6 with rotation (RFC 9700 §4.14.2): every use returns a new refresh token; presenting a
 * rotated one again means it was stolen or replayed, so the whole grant family is revoked.
 *
 * One exception, for lost responses (a dropped connection, an instance killed mid-request): within
 * REFRESH_RETRY_GRACE of a rotation, the same client presenting the rotated token once more, while its
 * successor is still unused, gets a fresh pair and the successor it never received is revoked. Only once,
 * never for a duplicate that raced the rotation itself, and never once the successor was used: there is
 * at most one live refresh token per chain at any time.
 *
 * A duplicate that arrives while this instance is still rotating the same token is such a race even when
 * the database would order it after the rotation (the embedded database serialises statements): it waits
 * for the rotation to finish and is then treated as reuse, never as a retry.
 */
@Injectable()
export class RefreshTokenGrant implements GrantTypeHandler {
  readonly grantType = 'refresh_token' as const;

  constructor(
    private readonly refreshTokens: RefreshTokensService,
    private readonly authorizations: AuthorizationsService,
    private readonly issuer: TokenIssuer,
    private readonly resources: ResourcesService,
  ) {}

  /** Refresh tokens being exchanged on this instance right now, with the exchange's settling promise. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  async handle(request: TokenRequest): Promise<TokenResponse> {
    const presented = request.params.refresh_token;
    if (!presented) throw new InvalidRequest('refresh_token is required');
    const running = this.inFlight.get(presented);
    if (running) return this.duplicate(running, presented, request);
    const exchange = this.exchange(presented, request);
    const settled = exchange.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.set(presented, settled);
    try {
      return await exchange;
    } finally {
      this.inFlight.delete(presented);
    }
  }

  private async duplicate(
    running: Promise<unknown>,
    presented: string,
    { client, meta }: TokenRequest,
  ): Promise<never> {
    await running;
    const token = await this.refreshTokens.find(presented);
    if (!token || token.clientId !== client.clientId) throw new InvalidGrant('the refresh token is invalid');
    return this.reuse(token, meta);
  }

  private async exchange(
    presented: string,
    { params, client, meta, dpopJkt }: TokenRequest,
  ): Promise<TokenResponse> {
    const token = await this.refreshTokens.find(presented);
    if (!token || token.clientId !== client.clientId) throw new InvalidGrant('the refresh token is invalid');
    // RFC 9449 §5: a bound refresh token is used only with a proof by its key (checked before anything is spent).
    if (token.dpopJkt) {
      if (!dpopJkt) {
        throw new InvalidDpopProof('this refresh token is DPoP-bound: send a DPoP proof by its key');
      }
      if (dpopJkt !== token.dpopJkt) {
        throw new InvalidGrant('the DPoP proof is not by the refresh token’s key');
      }
    }
    // A successor that a retry replaced was never received, so whoever presents it did not lose it.
    if (token.revokedAt) return this.reuse(token, meta);
    const retry = token.rotatedAt !== null;
    if (retry && !this.refreshTokens.retryable(token)) return this.reuse(token, meta);
    if (token.expiresAt.getTime() <= Date.now()) throw new InvalidGrant('the refresh token has expired');
    if (!token.grantActive) throw new InvalidGrant('the authorization was revoked');

    // RFC 6749 §6: the new scope may narrow the original grant, never widen it.
    const requested = parseScope(params.scope);
    if (requested === undefined) throw new InvalidScope('scope is malformed');
    const wider = requested.filter((s) => !token.scopes.includes(s));
    if (wider.length) throw new InvalidScope(`scope exceeds the original grant: ${wider.join(' ')}`);
    // RFC 8707 §2.2: `resource` may narrow to one of the granted resources; scopes follow that resource.
    const target = await this.resources.targetFromGrant(
      params.resource,
      token.resources,
      requested.length ? requested : token.scopes,
    );
    const scopes = target.scopes;

    // One statement each: the presented token is never spent without its successor stored.
    const successor = retry ? await this.refreshTokens.retry(token) : await this.refreshTokens.rotate(token);
    if (!successor) return this.reuse(token, meta);
    return this.issuer.issue({
      grantType: this.grantType,
      meta,
      dpopJkt,
      userId: token.userId,
      subject: token.userId,
      clientId: client.clientId,
      scopes,
      audience: target.resource.uri,
      grantId: token.grantId,
      // The new refresh token keeps the grant's full scope; only this access token is narrowed.
      refreshToken: successor,
      retry,
      // OIDC Core §12.2: same sub and the original auth_time; no nonce (there was no new request).
      idToken: idTokenFor(client, scopes, { auth: authContextOf(token) }),
      auth: authContextOf(token),
    });
  }

  private async reuse(token: RefreshToken, meta: RequestMeta): Promise<never> {
    await this.authorizations.revoke(token.grantId, 'refresh_token.reuse_detected', meta);
    throw new InvalidGrant('the refresh token was already used; the authorization is revoked');
  }
}
