import { Controller, Get, HttpCode, Options, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ClientsService, type ClientView } from '../../clients/clients.service';
import { Accepts, CurrentPrincipal, Public, Scopes } from '../../platform/auth/decorators';
import type { Principal } from '../../platform/auth/principal';
import { InvalidToken } from '../../platform/errors/oauth-errors';
import { HiddenFromApiDocs } from '../../platform/http/api-docs';
import { UsersService, type UserView } from '../../users/users.service';
import { OPENID_SCOPE } from '../scopes';

/** OIDC Core §5.3.2: the claims of the user, by granted scope (§5.4). */
export interface UserinfoResponse {
  sub: string;
  name?: string;
  updated_at?: number;
  email?: string;
  email_verified?: boolean;
}

/**
 * §5.1 email_verified: true only when the account record says the address was verified; accounts have no
 * such record yet, so it is false (an RP must not treat the address as proven).
 */
function emailVerified(user: UserView): boolean {
  return (user as UserView & { emailVerified?: unknown }).emailVerified === true;
}

export function userinfoClaims(user: UserView, scopes: ReadonlySet<string>): UserinfoResponse {
  return {
    sub: user.id,
    ...(scopes.has('profile')
      ? { name: user.displayName, updated_at: Math.floor(user.updatedAt.getTime() / 1000) }
      : {}),
    ...(scopes.has('email') ? { email: user.email, email_verified: emailVerified(user) } : {}),
  };
}

/** scheme://host[:port] of each redirect URI: where the client's browser code runs. */
function originsOf(client: ClientView): Set<string> {
  const origins = new Set<string>();
  for (const uri of client.redirectUris) {
    try {
      const url = new URL(uri);
      if (url.protocol === 'https:' || url.protocol === 'http:') origins.add(url.origin);
    } catch {
      // Registered URIs are validated; a private-use scheme has no web origin.
    }
  }
  return origins;
}

const CORS_METHODS = 'GET, POST';
const CORS_HEADERS = 'Authorization, Content-Type';

/**
 * OIDC Core §5.3 UserInfo endpoint. The bearer access token must carry `openid` (RFC 6750 errors from the
 * global guard: 401 invalid_token, 403 insufficient_scope with WWW-Authenticate). Browser apps may call it
 * cross-origin, but only from an origin of the token's own client (its registered redirect URIs):
 * preflights are answered for origins some client registered, the response itself only for its client.
 */
/** OIDC Core §5.1 standard claims, as far as the granted scopes release them (§5.4). */
const USERINFO_SCHEMA = {
  type: 'object',
  required: ['sub'],
  properties: {
    sub: { type: 'string' },
    name: { type: 'string', description: 'scope profile' },
    updated_at: { type: 'integer', description: 'scope profile' },
    email: { type: 'string', description: 'scope email' },
    email_verified: { type: 'boolean', description: 'scope email' },
  },
};

@ApiTags('oauth2')
@Controller('oauth2')
@Accepts('bearer')
export class UserinfoController {
  constructor(
    private readonly users: UsersService,
    private readonly clients: ClientsService,
  ) {}

  @Get('userinfo')
  @ApiOperation({
    summary: 'UserInfo endpoint (OIDC Core §5.3)',
    description: "The signed-in user's claims; needs an access token with the openid scope (header only).",
  })
  @ApiOkResponse({ description: 'claims released by the token’s scopes', schema: USERINFO_SCHEMA })
  @Scopes(OPENID_SCOPE)
  get(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserinfoResponse> {
    return this.userinfo(principal, request, reply);
  }

  /** §5.3.1: the RP may use POST as well. */
  @Post('userinfo')
  @ApiOperation({ summary: 'UserInfo endpoint, POST (OIDC Core §5.3.1)', description: 'As GET.' })
  @ApiOkResponse({ description: 'claims released by the token’s scopes', schema: USERINFO_SCHEMA })
  @HttpCode(200)
  @Scopes(OPENID_SCOPE)
  post(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserinfoResponse> {
    return this.userinfo(principal, request, reply);
  }

  /** CORS preflight: no credential is sent with it, so any registered client origin may ask. */
  @Options('userinfo')
  @HiddenFromApiDocs() // A CORS preflight (Fetch §3.2.2): browsers send it, nobody calls it.
  @Public()
  async preflight(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const origin = request.headers.origin;
    reply.header('Vary', 'Origin');
    if (typeof origin !== 'string' || !(await this.clients.isRegisteredOrigin(origin))) {
      return reply.status(403).header('Cache-Control', 'no-store').send({
        error: 'forbidden',
        error_description: 'this origin is not registered by any app',
      });
    }
    return reply
      .status(204)
      .header('Access-Control-Allow-Origin', origin)
      .header('Access-Control-Allow-Methods', CORS_METHODS)
      .header('Access-Control-Allow-Headers', CORS_HEADERS)
      .header('Access-Control-Max-Age', '600')
      .send();
  }

  private async userinfo(
    principal: Principal,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<UserinfoResponse> {
    // A client_credentials token names a service, not a person: it has no userinfo.
    if (principal.kind !== 'user' || !principal.userId || !principal.clientId) {
      throw new InvalidToken('the access token does not act for a user');
    }
    const [user, client] = await Promise.all([
      this.users.findById(principal.userId),
      this.clients.findActive(principal.clientId),
    ]);
    if (!user || !client) throw new InvalidToken();
    reply.header('Cache-Control', 'no-store').header('Pragma', 'no-cache');
    const origin = request.headers.origin;
    if (typeof origin === 'string') {
      reply.header('Vary', 'Origin');
      if (originsOf(client).has(origin)) {
        reply
          .header('Access-Control-Allow-Origin', origin)
          .header('Access-Control-Expose-Headers', 'WWW-Authenticate');
      }
    }
    return userinfoClaims(user, principal.scopes);
  }
}
