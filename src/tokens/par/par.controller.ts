import { Controller, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AuthorizationPageError, InvalidAuthorizationRequest } from '../../auth/auth.errors';
import {
  type AuthorizationCheckEnv,
  type AuthorizationContext,
  pickAuthorizationParams,
} from '../../auth/authorize/authorization-request';
import { ALL_AUTHORIZATION_CHECKS } from '../../auth/authorize/checks';
import { ClientStrategy } from '../../clients/client.strategy';
import { ClientsService } from '../../clients/clients.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Public } from '../../platform/auth/decorators';
import { ApiError } from '../../platform/errors/api-error';
import { InvalidRequest } from '../../platform/errors/oauth-errors';
import { ApiClientAuth, ApiFormBody, ApiOAuthErrors } from '../../platform/http/api-docs';
import { oauthParams } from '../../platform/http/oauth-params';
import { ClientRateLimits } from '../../platform/rate-limit/client-limits';
import { ResourcesService } from '../../resources/resources.service';
import { PAR_FIELDS } from '../oauth-params.docs';
import { noStore } from '../token/token-endpoint.service';
import { PushedAuthorizationRequestsService } from './pushed-authorization-requests.service';

/**
 * RFC 9126 pushed authorization requests: the client authenticates as at the token endpoint, the request
 * is validated as the authorization endpoint would, and the answer is a one-time `request_uri`.
 */
@ApiTags('oauth2')
@Controller('oauth2')
@Public() // Client authentication is the endpoint's own (RFC 9126 §2), not the resource guard's.
export class ParController {
  private readonly env: AuthorizationCheckEnv;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    clients: ClientsService,
    resources: ResourcesService,
    private readonly clientStrategy: ClientStrategy,
    private readonly limits: ClientRateLimits,
    private readonly pushed: PushedAuthorizationRequestsService,
  ) {
    this.env = { clients, config, resources };
  }

  @Post('par')
  @HttpCode(201)
  @ApiOperation({
    summary: 'Pushed authorization request (RFC 9126)',
    description:
      'The client authenticates as at the token endpoint and pushes the authorization request; the ' +
      'answer is a one-time request_uri to send to /oauth2/authorize with client_id. Errors are JSON (§2.3).',
  })
  @ApiFormBody(PAR_FIELDS)
  @ApiClientAuth()
  @ApiCreatedResponse({
    description: 'RFC 9126 §2.2',
    schema: {
      type: 'object',
      required: ['request_uri', 'expires_in'],
      properties: {
        request_uri: {
          type: 'string',
          example: 'urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c',
        },
        expires_in: { type: 'integer', example: 60 },
      },
    },
  })
  @ApiOAuthErrors('invalid_request', 'unauthorized_client', 'invalid_scope', 'invalid_target')
  async push(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<{ request_uri: string; expires_in: number }> {
    noStore(reply);
    const params = oauthParams(request.body);
    await this.limits.admit(request, reply, params);
    // RFC 9126 §2.1: request_uri must not be pushed.
    if (params.request_uri !== undefined) throw new InvalidRequest('request_uri must not be sent here');
    const { client } = await this.limits.authenticate(request, params, () =>
      this.clientStrategy.authenticateClient(request, params),
    );
    // Being pushed is what a PAR-required client must do (RFC 9126 §6).
    const ctx: AuthorizationContext = { params: pickAuthorizationParams(params), pushed: true };
    try {
      for (const check of ALL_AUTHORIZATION_CHECKS) await check(ctx, this.env);
    } catch (error) {
      // RFC 9126 §2.3: errors are token-endpoint style JSON, never a redirect.
      if (error instanceof InvalidAuthorizationRequest) {
        throw new ApiError(400, error.code, error.description);
      }
      if (error instanceof AuthorizationPageError) throw new ApiError(400, error.code, error.description);
      throw error;
    }
    // RFC 9126 §2.1: the client_id in the request is the authenticated client's.
    if (ctx.client!.clientId !== client.clientId) {
      throw new InvalidRequest('client_id does not match the authenticated client');
    }
    const { requestUri, expiresIn } = await this.pushed.push(client.clientId, ctx.params);
    return { request_uri: requestUri, expires_in: expiresIn };
  }
}
