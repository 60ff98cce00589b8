import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Public } from '../../platform/auth/decorators';
import { HiddenFromApiDocs } from '../../platform/http/api-docs';
import { sendPage } from '../../platform/web/html';
import { SessionsService } from '../../sessions/sessions.service';
import { carriesAuthorizationRequest } from '../authorize/authorization-params.dto';
import { AuthorizeFlow } from '../authorize/authorize.flow';
import { FormDtoPipe, type SubmittedForm } from '../forms';
import { InteractiveParams } from '../interactive-params';
import { ENROL_PATH } from '../mfa/mfa.controller';
import { PendingSignIn } from '../mfa/pending-sign-in';
import { SecondFactors } from '../mfa/second-factors.service';
import { loginPage, type LoginView, waitText } from '../pages';
import { locationHeader, safeReturnTo } from '../return-to';
import { LoginFormDto, LoginQueryDto } from './login.dto';
import { LoginService } from './login.service';

/**
 * Sign-in and sign-out pages. Public: they are how a browser gets a session. Every form carries a CSRF
 * token bound to the pre-session cookie (signed out) or the session (signed in).
 */
@HiddenFromApiDocs() // Browser pages, not API: kept out of the OpenAPI reference.
@Controller('auth')
export class LoginController {
  constructor(
    private readonly login: LoginService,
    private readonly sessions: SessionsService,
    private readonly flow: AuthorizeFlow,
    private readonly pending: PendingSignIn,
    private readonly factors: SecondFactors,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('login')
  @Public()
  async loginPage(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query(InteractiveParams, new FormDtoPipe(LoginQueryDto)) { form }: SubmittedForm<LoginQueryDto>,
  ): Promise<FastifyReply> {
    // The published doc sends users to /auth/login with the authorization request itself.
    if (carriesAuthorizationRequest(form)) return this.flow.respond(req, reply, form);
    const returnTo = safeReturnTo(form.return_to);
    // Already signed in: nothing to do here.
    if (await this.sessions.current(req)) {
      return reply.status(303).header('Location', locationHeader(returnTo)).send();
    }
    return this.page(req, reply, { returnTo });
  }

  @Post('login')
  @Public()
  async signIn(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body(InteractiveParams, new FormDtoPipe(LoginFormDto)) { form, errors }: SubmittedForm<LoginFormDto>,
  ): Promise<FastifyReply> {
    if (form.email === undefined && carriesAuthorizationRequest(form)) {
      return this.flow.respond(req, reply, form);
    }
    const returnTo = safeReturnTo(form.return_to);
    const invalid = Object.values(errors)[0];
    if (invalid !== undefined) return this.page(req, reply, { returnTo, error: invalid }, 400);
    const result = await this.login.signIn(
      {
        email: form.email ?? '',
        password: form.password ?? '',
        csrfValid: this.sessions.verifyCsrf(req, null, form.csrf_token),
        meta: { ip: req.ip, userAgent: req.headers['user-agent'] },
      },
      async (userId) => {
        await this.sessions.start(reply, req, userId);
      },
    );
    switch (result.outcome) {
      case 'second_factor':
        this.pending.begin(reply, result.userId);
        return reply
          .status(303)
          .header('Location', `/auth/mfa?return_to=${encodeURIComponent(returnTo)}`)
          .header('Cache-Control', 'no-store')
          .send();
      case 'signed_in':
        // REQUIRE_MFA: a user without a second factor sets one up before going anywhere else.
        if (this.config.requireMfa && !(await this.factors.hasSecondFactor(result.userId))) {
          return reply
            .status(303)
            .header('Location', `${ENROL_PATH}?required=1`)
            .header('Cache-Control', 'no-store')
            .send();
        }
        return reply
          .status(303)
          .header('Location', locationHeader(returnTo))
          .header('Cache-Control', 'no-store')
          .send();
      case 'rate_limited':
        return this.page(
          req,
          reply.headers(result.headers),
          {
            returnTo,
            email: form.email,
            error: `Too many sign-in attempts. Please wait ${waitText(result.decision.retryAfterSeconds)} and try again.`,
          },
          429,
        );
      case 'csrf_failed':
        return this.csrfFailed(req, reply, returnTo);
      case 'refused':
        // One message for unknown email, wrong password and a locked account: no account enumeration.
        return this.page(
          req,
          reply,
          { returnTo, email: form.email, error: 'Email or password is incorrect.' },
          401,
        );
    }
  }

  @Post('logout')
  @Public() // Signing out when already signed out still lands on the login page.
  async logout(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body(InteractiveParams) form: Record<string, string>,
  ): Promise<FastifyReply> {
    // A signed-in browser proves the request came from our page (CSRF): a forged logout is a nuisance attack.
    const session = await this.sessions.current(req);
    if (session && !this.sessions.verifyCsrf(req, session, form.csrf_token ?? req.headers['x-csrf-token'])) {
      return this.csrfFailed(req, reply, '/auth/login');
    }
    await this.sessions.end(req, reply);
    return reply.status(303).header('Location', '/auth/login').send();
  }

  private csrfFailed(req: FastifyRequest, reply: FastifyReply, returnTo: string): FastifyReply {
    const error = 'This form expired or did not come from this site. Please try again.';
    return this.page(req, reply, { returnTo, error }, 403);
  }

  private page(
    req: FastifyRequest,
    reply: FastifyReply,
    view: Omit<LoginView, 'csrf'>,
    status = 200,
  ): FastifyReply {
    return sendPage(reply, loginPage({ csrf: this.sessions.csrfFor(req, reply, null), ...view }), status);
  }
}
