import { Injectable } from '@nestjs/common';
import { TOKEN_EXCHANGE } from '../../../clients/clients.service';
import {
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  UnauthorizedClient,
} from '../../../platform/errors/oauth-errors';
import { ResourcesService } from '../../../resources/resources.service';
import { AccessTokensService, type VerifiedAccessToken } from '../../jwt/access-tokens.service';
import { RevocationService } from '../../revocation/revocation.service';
import { parseScope } from '../../scopes';
import { TokenIssuer } from '../token-issuer.service';
import type { GrantTypeHandler, TokenRequest, TokenResponse } from './grant-type';

/** RFC 8693 §3: the token type URI of an OAuth access token. */
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

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
  ) {}

  async handle({ params, client, meta }: TokenRequest): Promise<TokenResponse> {
    if (client.type !== 'confidential') throw new UnauthorizedClient('public clients cannot exchange tokens');
    if (!params.subject_token) throw new InvalidRequest('subject_token is required');
    if (params.subject_token_type !== ACCESS_TOKEN_TYPE) {
      throw new InvalidRequest(`subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
    }
    if (params.actor_token !== undefined) throw new InvalidRequest('actor_token is not supported');
    if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE) {
      throw new InvalidRequest('only access tokens can be requested');
    }

    // The exchanging client must be the server of the resource the subject token was issued for.
    const owned = (await this.resources.list()).filter((r) => r.clientId === client.clientId);
    if (owned.length === 0) throw new UnauthorizedClient('this client serves no registered resource');
    let subject: VerifiedAccessToken | undefined;
    for (const resource of owned) {
      subject = await this.accessTokens.verify(params.subject_token, resource.uri).catch(() => undefined);
      if (subject) break;
    }
    if (!subject || subject.kind !== 'user' || this.revocation.isRevoked(subject.jti, subject.grantId)) {
      throw new InvalidGrant('the subject token is invalid, expired, revoked or not issued for this client');
    }

    const requested = parseScope(params.scope);
    if (requested === undefined) throw new InvalidScope('scope is malformed');
    const wider = requested.filter((s) => !subject.scopes.has(s));
    if (wider.length) throw new InvalidScope(`scope exceeds the subject token: ${wider.join(' ')}`);
    const target = await this.resources.targetForClient(params.resource, requested, [...subject.scopes]);
    const response = await this.issuer.issue({
      grantType: this.grantType,
      meta,
      userId: subject.sub,
      subject: subject.sub,
      clientId: client.clientId,
      scopes: target.scopes,
      audience: target.resource.uri,
      grantId: subject.grantId,
    });
    // RFC 8693 §2.2.1: issued_token_type is required in the response.
    return { ...response, issued_token_type: ACCESS_TOKEN_TYPE } as TokenResponse;
  }
}
