import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ClientAuthenticator } from '../../clients/client-authenticator';
import { Public } from '../../platform/auth/decorators';
import { InvalidClient, InvalidRequest } from '../../platform/errors/oauth-errors';
import { oauthParams } from '../../platform/http/oauth-params';
import { ClientRateLimits } from '../../platform/rate-limit/client-limits';
import { IntrospectionService, type IntrospectionResponse } from './introspection.service';
import { noStore } from '../token/token-endpoint.service';

@Controller('oauth2')
@Public() // Client authentication is these endpoints' own.
export class IntrospectionController {
  constructor(
    private readonly clientAuthenticator: ClientAuthenticator,
    private readonly introspection: IntrospectionService,
    private readonly limits: ClientRateLimits,
  ) {}

  /** Issue 7: per-client_id limits; a failed client authentication counts harder. */
  private async authenticate(req: FastifyRequest, reply: FastifyReply, params: Record<string, string>) {
    await this.limits.admit(req, reply, params);
    return this.limits.authenticate(req, params, () => this.clientAuthenticator.authenticate(req, params));
  }

  /** RFC 7662: the caller must authenticate as a confidential client. */
  @Post('introspect')
  @HttpCode(200)
  async introspect(
    @Req() req: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<IntrospectionResponse> {
    noStore(reply);
    const params = oauthParams(req.body);
    const caller = await this.authenticate(req, reply, params);
    if (caller.method === 'none') throw new InvalidClient('introspection requires client authentication');
    if (!params.token) throw new InvalidRequest('token is required');
    return this.introspection.introspect(params.token, caller);
  }
}
