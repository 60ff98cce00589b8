import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ClientStrategy } from '../../clients/client.strategy';
import { Public } from '../../platform/auth/decorators';
import { InvalidRequest, OAuthError } from '../../platform/errors/oauth-errors';
import { ApiClientAuth, ApiFormBody, ApiOAuthErrors } from '../../platform/http/api-docs';
import { oauthParams } from '../../platform/http/oauth-params';
import { ClientRateLimits } from '../../platform/rate-limit/client-limits';
import { AuthorizationsService } from '../authorizations/authorizations.service';
import { IntrospectionService } from '../introspection/introspection.service';
import { REVOCATION_FIELDS } from '../oauth-params.docs';
import { noStore } from '../token/token-endpoint.service';
import { RevocationService } from './revocation.service';

class TokenNotYours extends OAuthError {
  constructor() {
    super(400, 'unauthorized_client', 'the token was not issued to this client');
  }
}

@ApiTags('oauth2')
@Controller('oauth2')
@Public() // Client authentication is this endpoint's own.
export class RevocationController {
  constructor(
    private readonly clientStrategy: ClientStrategy,
    private readonly introspection: IntrospectionService,
    private readonly revocation: RevocationService,
    private readonly authorizations: AuthorizationsService,
    private readonly limits: ClientRateLimits,
  ) {}

  /** Per-client_id limits; a failed client authentication counts harder. */
  private async authenticate(req: FastifyRequest, reply: FastifyReply, params: Record<string, string>) {
    await this.limits.admit(req, reply, params);
    return this.limits.authenticate(req, params, () => this.clientStrategy.authenticateClient(req, params));
  }

  /**
   * RFC 7009: a client revokes its own tokens. A refresh token takes its whole authorization with it
   * (and so the access tokens issued from it); an access token is revoked by its jti. Unknown → 200.
   */
  @Post('revoke')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Token revocation (RFC 7009)',
    description:
      'A client revokes one of its own tokens. A refresh token ends its whole authorization (and the ' +
      'access tokens issued from it); an access token only itself. Unknown tokens also answer 200 (§2.2).',
  })
  @ApiFormBody(REVOCATION_FIELDS)
  @ApiClientAuth()
  @ApiOkResponse({ description: 'revoked, or unknown (RFC 7009 §2.2): empty body' })
  @ApiOAuthErrors('invalid_request', 'unauthorized_client')
  async revoke(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    noStore(reply);
    const params = oauthParams(req.body);
    const caller = await this.authenticate(req, reply, params);
    if (!params.token) throw new InvalidRequest('token is required');
    const found = await this.introspection.find(params.token);
    if (!found) return;
    if (found.type === 'access_token') {
      if (found.token.clientId !== caller.client.clientId) throw new TokenNotYours();
      // Only this token: the app keeps its refresh token (RFC 7009 §2.1 leaves that to the server).
      await this.revocation.revokeAccessToken(found.token.jti, new Date(found.token.exp * 1000));
      return;
    }
    if (found.token.clientId !== caller.client.clientId) throw new TokenNotYours();
    await this.authorizations.revoke(found.token.grantId);
  }
}
