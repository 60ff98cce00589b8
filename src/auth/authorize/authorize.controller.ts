import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../../platform/auth/decorators';
import { TokenEndpoint } from '../../tokens/token/token-endpoint.service';
import { InteractiveParams } from '../interactive-params';
import { AuthorizeFlow } from './authorize.flow';

/** The published doc's curl example POSTs the code exchange (a token request) to this endpoint. */
function isTokenRequest(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'grant_type' in body;
}

/** RFC 6749 §3.1 authorization endpoint (GET, and POST as OIDC Core §3.1.2.1 allows). */
@Controller('oauth2/authorize')
export class AuthorizeController {
  constructor(
    private readonly flow: AuthorizeFlow,
    private readonly tokenEndpoint: TokenEndpoint,
  ) {}

  @Get()
  @Public() // The browser arrives here before anyone has signed in.
  authorize(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query(InteractiveParams) params: Record<string, string>,
  ): Promise<FastifyReply> {
    return this.flow.respond(req, reply, params);
  }

  @Post()
  @Public() // As GET; a token request sent here authenticates its client at the token endpoint.
  async authorizePost(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: unknown,
  ): Promise<FastifyReply> {
    // Handed to the token endpoint untouched: its own parameter rules and JSON errors apply (RFC 6749 §5.2).
    if (isTokenRequest(body)) {
      const tokens = await this.tokenEndpoint.handle(req, reply);
      return reply.status(200).send(tokens);
    }
    return this.flow.respond(req, reply, InteractiveParams.transform(body));
  }
}
