import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Public } from '../../platform/auth/decorators';
import { ApiBrowserEndpoint, ApiFormBody, ApiQueryParams } from '../../platform/http/api-docs';
import { AUTHORIZATION_FIELDS } from '../../tokens/oauth-params.docs';
import { TokenEndpoint } from '../../tokens/token/token-endpoint.service';
import { InteractiveParams } from '../interactive-params';
import { AuthorizeFlow } from './authorize.flow';

/** The published doc's curl example POSTs the code exchange (a token request) to this endpoint. */
function isTokenRequest(body: unknown): boolean {
  return typeof body === 'object' && body !== null && 'grant_type' in body;
}

/** RFC 6749 §3.1 authorization endpoint (GET, and POST as OIDC Core §3.1.2.1 allows). */
/** What the browser is sent to: a page, the client's redirect_uri (RFC 6749 §4.1.2), or an error page. */
const REDIRECT =
  'to the sign-in or consent page, or to redirect_uri with code, state and iss (RFC 6749 §4.1.2, RFC 9207) ' +
  'or with error, error_description, state and iss (§4.1.2.1)';
const PAGE_ERRORS =
  'HTML error page: an unknown client_id or a redirect_uri not registered for it (§4.1.2.1 forbids ' +
  'redirecting those)';

@ApiTags('oauth2')
@Controller('oauth2/authorize')
export class AuthorizeController {
  constructor(
    private readonly flow: AuthorizeFlow,
    private readonly tokenEndpoint: TokenEndpoint,
  ) {}

  @Get()
  @Public() // The browser arrives here before anyone has signed in.
  @ApiOperation({
    summary: 'Authorization endpoint (RFC 6749 §3.1, OIDC Core §3.1.2)',
    description:
      'Open in a browser, not from a script: the user signs in and consents, then the browser returns to ' +
      'redirect_uri. Only response_type=code; public clients must send a PKCE S256 code_challenge.',
  })
  @ApiQueryParams(AUTHORIZATION_FIELDS)
  @ApiBrowserEndpoint({ redirectStatus: 302, redirect: REDIRECT, pageErrors: PAGE_ERRORS })
  authorize(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query(InteractiveParams) params: Record<string, string>,
  ): Promise<FastifyReply> {
    return this.flow.respond(req, reply, params);
  }

  @Post()
  @Public() // As GET; a token request sent here authenticates its client at the token endpoint.
  @ApiOperation({
    summary: 'Authorization endpoint, form post (OIDC Core §3.1.2.1)',
    description:
      'As GET, with the parameters form-encoded. A body with grant_type is a token request and is ' +
      'answered as POST /oauth2/token would (JSON, RFC 6749 §5).',
  })
  @ApiFormBody(AUTHORIZATION_FIELDS)
  @ApiBrowserEndpoint({
    redirectStatus: 303,
    redirect: REDIRECT,
    pageErrors: PAGE_ERRORS,
    jsonErrors: 'a token request posted here fails as at POST /oauth2/token (RFC 6749 §5.2)',
  })
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
