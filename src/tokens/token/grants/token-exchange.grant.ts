import { Injectable } from '@nestjs/common';

import { ApiKeysService } from '../../../api-keys/api-keys.service';
import { type ClientView, TOKEN_EXCHANGE } from '../../../clients/clients.service';
import {
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  InvalidTarget,
  UnauthorizedClient,
} from '../../../platform/errors/oauth-errors';
import { ResourcesService } from '../../../resources/resources.service';
import { AccessTokensService, type VerifiedAccessToken } from '../../jwt/access-tokens.service';
import { API_KEY_ACTOR_PREFIX } from '../../jwt/jwt.strategy';
import { RevocationService } from '../../revocation/revocation.service';
import { parseScope } from '../../scopes';
import { TokenIssuer } from '../token-issuer.service';
import type { ClientlessTokenRequest, GrantTypeHandler, TokenRequest, TokenResponse } from './grant-type';

/** RFC 8693 §3: the token type URI of an OAuth access token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** RFC 8693 §3 lets a server define its own token type URIs: an iiniit API key (`iik_...`). */
export const API_KEY_TOKEN_TYPE = 'urn:iiniit:params:oauth:token-type:api-key';

/** Seconds a token minted from an API key lives at most: short, so a leaked one is worth little. */
export const API_KEY_TOKEN_TTL = 900;

/**
 * RFC 8693 token exchange, for a resource server calling the product API on a user's behalf: a resource
 * server (an MCP server) holding a user's access token issued for it exchanges it, authenticated as its
 * own client, for a token whose audience is the target resource. Tokens are never passed through: the
 * new token has the target's audience, the user's subject, the same grant (revoking it revokes both), and
 * at most the original scopes that the target accepts. No refresh token (RFC 8693 §2.2.1).
 */
@Injectable()
export class TokenExchangeGrant implements GrantTypeHandler {
  readonly grantType = TOKEN_EXCHANGE;

  constructor(
    private readonly accessTokens: AccessTokensService,
    private readonly revocation: RevocationService,
    private readonly resources: ResourcesService,
    private readonly issuer: TokenIssuer,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /** An API key may be exchanged by itself: the key is the credential, no client is involved. */
  acceptsNoClient(params: Record<string, string>): boolean {
    return params.subject_token_type === API_KEY_TOKEN_TYPE;
  }

  handleWithoutClient(request: ClientlessTokenRequest): Promise<TokenResponse> {
    return this.exchangeApiKey(request, undefined);
  }

  async handle(request: TokenRequest): Promise<TokenResponse> {
    const { params, client } = request;
    if (params.subject_token_type === API_KEY_TOKEN_TYPE) return this.exchangeApiKey(request, client);
    if (client.type !== 'confidential') throw new UnauthorizedClient('public clients cannot exchange tokens');
    if (!params.subject_token) throw new InvalidRequest('subject_token is required');
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
      throw new InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE} or ${API_KEY_TOKEN_TYPE}`);
    }
    this.checkCommon(params);
    const subject = await this.delegatedSubject(params.subject_token, client);
    if (subject.kind !== 'user' || this.revocation.isRevoked(subject.jti, subject.grantId)) {
      throw new InvalidGrant('the subject token is invalid, expired, revoked or not issued for this client');
    }

    // RFC 8693 §2.1: a narrower scope may be asked for, never a wider one.
    const requested = parseScope(params.scope);
    if (requested === undefined) throw new InvalidScope('scope is malformed');
    const wider = requested.filter((s) => !subject.scopes.has(s));
    if (wider.length) throw new InvalidScope(`scope exceeds the subject token: ${wider.join(' ')}`);
    const target = await this.resources.targetForClient(this.target(params), requested, [...subject.scopes]);
    const response = await this.issuer.issue({
      grantType: this.grantType,
      meta: request.meta,
      userId: subject.sub,
      subject: subject.sub,
      clientId: client.clientId,
      scopes: target.scopes,
      audience: target.resource.uri,
      grantId: subject.grantId,
      // RFC 8693 §4.1: the exchanging client acts for the user (delegation, not impersonation).
      actor: client.clientId,
      dpopJkt: request.dpopJkt,
    });
    // RFC 8693 §2.2.1: issued_token_type is required in the response.
    return { ...response, issued_token_type: ACCESS_TOKEN_TYPE };
  }

  /**
   * The user's token the client may delegate: one issued to the client itself for the product API, or
   * one issued for a registered resource this client serves (a resource server calling on).
   */
  private async delegatedSubject(token: string, client: ClientView): Promise<VerifiedAccessToken> {
    const own = await this.accessTokens.verify(token).catch(() => undefined);
    if (own && own.clientId === client.clientId) return own;
    const owned = (await this.resources.list()).filter((r) => r.clientId === client.clientId);
    if (owned.length === 0 && !own) throw new UnauthorizedClient('this client serves no registered resource');
    for (const resource of owned) {
      const subject = await this.accessTokens.verify(token, resource.uri).catch(() => undefined);
      if (subject) return subject;
    }
    throw new InvalidGrant('the subject token is invalid, expired, revoked or not issued for this client');
  }

  /**
   * API key → short-lived JWT for the key's owner, within the key's scopes. The token's `act` (and, when no
   * client asked, its `client_id`) say it came from the key; its `grant_id` is the key's id, so revoking,
   * rolling or disabling the key denies it on every instance.
   */
  private async exchangeApiKey(
    request: ClientlessTokenRequest,
    client: ClientView | undefined,
  ): Promise<TokenResponse> {
    const { params } = request;
    if (!params.subject_token) throw new InvalidRequest('subject_token is required');
    this.checkCommon(params);
    const key = await this.apiKeys.verify(params.subject_token);
    if (!key || this.apiKeys.mintedTokensDenied(key.id)) {
      throw new InvalidGrant('the API key is invalid, expired or revoked');
    }
    const requested = parseScope(params.scope);
    if (requested === undefined) throw new InvalidScope('scope is malformed');
    const wider = requested.filter((s) => !key.scopes.includes(s));
    if (wider.length) throw new InvalidScope(`scope exceeds the API key's: ${wider.join(' ')}`);
    const target = await this.resources.targetForClient(this.target(params), requested, [...key.scopes]);
    const actor = `${API_KEY_ACTOR_PREFIX}${key.id}`;
    const response = await this.issuer.issue({
      grantType: this.grantType,
      meta: request.meta,
      userId: key.userId,
      subject: key.userId,
      clientId: client?.clientId ?? actor,
      scopes: target.scopes,
      audience: target.resource.uri,
      grantId: key.id,
      actor,
      ttl: API_KEY_TOKEN_TTL,
      dpopJkt: request.dpopJkt,
    });
    return { ...response, issued_token_type: ACCESS_TOKEN_TYPE };
  }

  private checkCommon(params: Record<string, string>): void {
    if (params.actor_token !== undefined) throw new InvalidRequest('actor_token is not supported');
    if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
      throw new InvalidRequest('only access tokens can be requested');
    }
  }

  /** RFC 8693 §2.1: `resource` (RFC 8707) or `audience`; we know audiences only as registered resource URIs. */
  private target(params: Record<string, string>): string | undefined {
    const { resource, audience } = params;
    if (resource !== undefined && audience !== undefined && resource !== audience) {
      throw new InvalidTarget('resource and audience name different targets');
    }
    return resource ?? audience;
  }
}
