import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { sendPage } from '../../platform/web/html';
import { SessionsService } from '../../sessions/sessions.service';
import { isMultiFactor } from '../../tokens/oidc/auth-context';
import { UsersService } from '../../users/users.service';
import type { AuthorizationRedirect } from '../auth.errors';
import { SecondFactors } from '../mfa/second-factors.service';
import { consentPage, loginPage } from '../pages';
import type { AuthorizationParams } from './authorization-request';
import { AuthorizationRequestService } from './authorization-request.service';
import { authContextOfSession, OidcInteraction } from './oidc-interaction';

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
    private readonly oidc: OidcInteraction,
    private readonly factors: SecondFactors,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async respond(
    req: FastifyRequest,
    reply: FastifyReply,
    params: AuthorizationParams,
  ): Promise<FastifyReply> {
    const method = req.method === 'GET' ? 'GET' : 'POST';
    const request = await this.requests.validate(params, method);
    const session = await this.sessions.current(req);
    // OIDC Core §3.1.2.1: prompt, max_age and id_token_hint decide between login, consent and a code.
    const next = await this.oidc.next({
      params: request.params,
      oidc: request.oidc,
      clientId: request.client.clientId,
      session,
      signedInForRequestSince: request.interactionStartedAt,
      needsConsent: (userId) => this.requests.needsConsent(request, userId),
      hasSecondFactor: (userId) => this.factors.hasSecondFactor(userId),
    });
    if (next.step === 'error') {
      return sendRedirect(reply, this.requests.fail(request, method, next.error, next.description));
    }
    if (next.step === 'login' || !session) {
      const params = next.step === 'login' ? next.params : request.params;
      const returnTo = this.requests.returnPath({ ...request, params });
      const hint = next.step === 'login' ? next.loginHint : undefined;
      return this.showLogin(req, reply, returnTo, request.client.name, hint);
    }
    // Step-up (acr_values), or REQUIRE_MFA for a session that proved one factor: the second-factor page,
    // then back to this same request (it enrols first when the user has no factor yet).
    const mfaRequired = this.config.requireMfa && !isMultiFactor(session.amr);
    if (mfaRequired && request.oidc.prompt.has('none')) {
      return sendRedirect(
        reply,
        this.requests.fail(request, method, 'interaction_required', 'the user must confirm a second factor'),
      );
    }
    if (next.step === 'second_factor' || mfaRequired) {
      const returnTo = this.requests.returnPath(request);
      return reply
        .status(303)
        .header('Location', `/auth/mfa?return_to=${encodeURIComponent(returnTo)}`)
        .header('Cache-Control', 'no-store')
        .send();
    }
    if (next.step === 'consent') {
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
    const approved = await this.requests.approve(
      request,
      session.userId,
      method,
      authContextOfSession(session),
    );
    return sendRedirect(reply, approved);
  }

  /** The login page for an authorization request: back to it after sign-in, naming the app. */
  showLogin(
    req: FastifyRequest,
    reply: FastifyReply,
    returnTo: string,
    appName: string,
    /** OIDC Core §3.1.2.1 login_hint: pre-fills the email. */
    email?: string,
  ): FastifyReply {
    const csrf = this.sessions.csrfFor(req, reply, null);
    return sendPage(reply, loginPage({ csrf, returnTo, appName, email }));
  }
}
