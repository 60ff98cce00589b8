import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ClientStrategy } from '../../clients/client.strategy';
import { Public } from '../../platform/auth/decorators';
import { InvalidClient, InvalidRequest } from '../../platform/errors/oauth-errors';
import { ApiClientAuth, ApiFormBody, ApiOAuthErrors } from '../../platform/http/api-docs';
import { oauthParams } from '../../platform/http/oauth-params';
import { ClientRateLimits } from '../../platform/rate-limit/client-limits';
import { INTROSPECTION_FIELDS } from '../oauth-params.docs';
import { noStore } from '../token/token-endpoint.service';
import { type IntrospectionResponse, IntrospectionService } from './introspection.service';

@ApiTags('oauth2')
@Controller('oauth2')
@Public() // Client authentication is these endpoints' own.
export class IntrospectionController {
  constructor(
    private readonly clientStrategy: ClientStrategy,
    private readonly introspection: IntrospectionService,
    private readonly limits: ClientRateLimits,
  ) {}

  /** Per-client_id limits; a failed client authentication counts harder. */
  private async authenticate(req: FastifyRequest, reply: FastifyReply, params: Record<string, string>) {
    await this.limits.admit(req, reply, params);
    return this.limits.authenticate(req, params, () => this.clientStrategy.authenticateClient(req, params));
  }

  /** RFC 7662: the caller must authenticate as a confidential client. */
  @Post('introspect')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Token introspection (RFC 7662)',
    description:
      'Whether a token is active, and its claims. Only confidential clients (HTTP Basic or ' +
      'client_secret_post); a public client gets invalid_client. Inactive or unknown tokens: `{"active":false}`.',
  })
  @ApiFormBody(INTROSPECTION_FIELDS)
  @ApiClientAuth()
  @ApiOkResponse({
    description: 'RFC 7662 §2.2 introspection response',
    schema: {
      type: 'object',
      required: ['active'],
      properties: {
        active: { type: 'boolean' },
        scope: { type: 'string' },
        client_id: { type: 'string' },
        sub: { type: 'string' },
        aud: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
        iss: { type: 'string' },
        exp: { type: 'integer' },
        iat: { type: 'integer' },
        jti: { type: 'string' },
        token_type: { type: 'string' },
      },
      additionalProperties: true,
    },
  })
  @ApiOAuthErrors('invalid_request')
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
