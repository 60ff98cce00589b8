import { Injectable } from '@nestjs/common';

import { InvalidScope, UnauthorizedClient } from '../../../platform/errors/oauth-errors';
import { ResourcesService } from '../../../resources/resources.service';
import { parseScope } from '../../scopes';
import { TokenIssuer } from '../token-issuer.service';
import type { GrantTypeHandler, TokenRequest, TokenResponse } from './grant-type';

/**
 * RFC 6749 §4.4: a confidential client acting for itself. The token's `sub` is the client
 * (RFC 9068 §2.2), so the resource API treats it as a service, never as a user; no refresh token.
 */
@Injectable()
export class ClientCredentialsGrant implements GrantTypeHandler {
  readonly grantType = 'client_credentials' as const;

  constructor(
    private readonly issuer: TokenIssuer,
    private readonly resources: ResourcesService,
  ) {}

  async handle({ params, client, meta, dpopJkt }: TokenRequest): Promise<TokenResponse> {
    if (client.type !== 'confidential') {
      throw new UnauthorizedClient('public clients cannot use client_credentials');
    }
    const requested = parseScope(params.scope);
    if (requested === undefined) throw new InvalidScope('scope is malformed');
    const beyond = requested.filter((s) => !client.scopes.includes(s));
    if (beyond.length) throw new InvalidScope(`scope not allowed for this client: ${beyond.join(' ')}`);
    // No scope requested → the client's registered set (RFC 6749 §3.3 lets the server pick a default),
    // limited to what the resource accepts (RFC 8707 §2.2).
    const { resource, scopes } = await this.resources.targetForClient(
      params.resource,
      requested,
      client.scopes,
    );
    return this.issuer.issue({
      dpopJkt,
      grantType: this.grantType,
      meta,
      subject: client.clientId,
      clientId: client.clientId,
      scopes,
      audience: resource.uri,
    });
  }
}
