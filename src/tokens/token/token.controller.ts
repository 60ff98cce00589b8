import { Controller, HttpCode, Post, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../platform/auth/decorators';
import type { TokenResponse } from './grants/grant-type';
import { TokenEndpoint } from './token-endpoint.service';

@Controller('oauth2')
@Public() // Client authentication is the token endpoint's own (RFC 6749 §2.3), not the resource guard's.
export class TokenController {
  constructor(private readonly endpoint: TokenEndpoint) {}

  @Post('token')
  @HttpCode(200)
  token(
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponse> {
    return this.endpoint.handle(request, reply);
  }
}
