import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Public } from '../../platform/auth/decorators';
import { ApiClientAuth, ApiFormBody, ApiOAuthErrors } from '../../platform/http/api-docs';
import { TOKEN_REQUEST_FIELDS } from '../oauth-params.docs';
import type { TokenResponse } from './grants/grant-type';
import { TokenEndpoint } from './token-endpoint.service';

@ApiTags('oauth2')
@Controller('oauth2')
@Public() // Client authentication is the token endpoint's own (RFC 6749 §2.3), not the resource guard's.
export class TokenController {
  constructor(private readonly endpoint: TokenEndpoint) {}

  @Post('token')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Token endpoint (RFC 6749 §3.2)',
    description:
      'Exchanges a grant for tokens: authorization_code (+ PKCE code_verifier), refresh_token (rotated), ' +
      'client_credentials (confidential clients), or RFC 8693 token exchange. Authenticate the client with ' +
      'HTTP Basic or client_id + client_secret in the form; a public client sends client_id alone.',
  })
  @ApiFormBody(TOKEN_REQUEST_FIELDS)
  @ApiClientAuth()
  @ApiOkResponse({
    description: 'RFC 6749 §5.1 token response (Cache-Control: no-store)',
    schema: {
      type: 'object',
      required: ['access_token', 'token_type', 'expires_in'],
      properties: {
        access_token: { type: 'string', description: 'RFC 9068 JWT access token' },
        token_type: { type: 'string', example: 'Bearer' },
        expires_in: { type: 'integer', example: 900 },
        refresh_token: { type: 'string' },
        id_token: { type: 'string', description: 'OpenID Connect (scope openid)' },
        scope: { type: 'string' },
        issued_token_type: { type: 'string', description: 'token exchange only (RFC 8693 §2.2.1)' },
      },
    },
  })
  @ApiOAuthErrors(
    'invalid_request',
    'invalid_grant',
    'unauthorized_client',
    'unsupported_grant_type',
    'invalid_scope',
    'invalid_target',
    'authorization_pending',
    'slow_down',
    'access_denied',
    'expired_token',
  )
  token(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    return this.endpoint.handle(request, reply);
  }
}
