import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendPage } from '../../platform/web/html';
import { SessionsService } from '../../sessions/sessions.service';
import { UsersService } from '../../users/users.service';
import type { AuthorizationRedirect } from '../auth.errors';
import { consentPage, loginPage } from '../pages';
import type { AuthorizationParams } from './authorization-request';
import { AuthorizationRequestService } from './authorization-request.service';

export function sendRedirect(reply: FastifyReply, redirect: AuthorizationRedirect): FastifyReply {
  return reply.status(redirect.status).headers(redirect.headers).send();
}

/**
 * The HTTP side of an authorization request, shared by the routes that receive one: /oauth2/authorize,
 * /auth/login (the published doc sends users there with the request) and GET /auth/consent. A signed-out
 * visitor gets the login page, a signed-in one the consent page, or, when consent is remembered, the
 * redirect with a code. The routes are public: the browser may not be signed in yet.
 */
@Injectable()
export class AuthorizeFlow {
  constructor(
    private readonly requests: AuthorizationRequestService,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
  ) {}

  async respond(
    req: FastifyRequest,
    reply: FastifyReply,
    params: AuthorizationParams,
  ): Promise<FastifyReply> {
    const method = req.method === 'GET' ? 'GET' : 'POST';
    const request = await this.requests.validate(params, method);
    const session = await this.sessions.current(req);
    if (!session) return this.showLogin(req, reply, this.requests.returnPath(request), request.client.name);
    if (await this.requests.needsConsent(request, session.userId)) {
      const user = await this.users.findById(session.userId);
      const page = consentPage({
        csrf: this.sessions.csrfFor(req, reply, session),
        client: request.client,
        scopes: request.scopes,
        userEmail: user?.email ?? '',
        request: request.params,
        redirectUri: request.redirectUri,
      });
      return sendPage(reply, page);
    }
    return sendRedirect(reply, await this.requests.approve(request, session.userId, method));
  }

  /** The login page for an authorization request: back to it after sign-in, naming the app. */
  showLogin(req: FastifyRequest, reply: FastifyReply, returnTo: string, appName: string): FastifyReply {
    return sendPage(reply, loginPage({ csrf: this.sessions.csrfFor(req, reply, null), returnTo, appName }));
  }
}
