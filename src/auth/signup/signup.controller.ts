import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Public } from '../../platform/auth/decorators';
import { HiddenFromApiDocs } from '../../platform/http/api-docs';
import { sendPage } from '../../platform/web/html';
import { SessionsService } from '../../sessions/sessions.service';
import { FormDtoPipe, serviceFieldErrors, type SubmittedForm } from '../forms';
import { InteractiveParams } from '../interactive-params';
import { loginPage, signupPage, type SignupView, waitText } from '../pages';
import { locationHeader, safeReturnTo } from '../return-to';
import { SignupFormDto, SignupQueryDto } from './signup.dto';
import { SignupService } from './signup.service';

/** Self-service sign-up. Public: it is how a visitor gets an account (and a session). */
@HiddenFromApiDocs() // Browser pages, not API: kept out of the OpenAPI reference.
@Controller('auth/signup')
export class SignupController {
  constructor(
    private readonly signup: SignupService,
    private readonly sessions: SessionsService,
  ) {}

  @Get()
  @Public()
  signupPage(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query(InteractiveParams, new FormDtoPipe(SignupQueryDto)) { form }: SubmittedForm<SignupQueryDto>,
  ): FastifyReply {
    return this.page(req, reply, { returnTo: safeReturnTo(form.return_to) });
  }

  @Post()
  @Public()
  async signUp(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body(InteractiveParams, new FormDtoPipe(SignupFormDto)) { form, errors }: SubmittedForm<SignupFormDto>,
  ): Promise<FastifyReply> {
    const returnTo = safeReturnTo(form.return_to);
    const entered = { returnTo, email: form.email, name: form.name };
    if (Object.keys(errors).length > 0) return this.page(req, reply, { ...entered, errors }, 400);
    const result = await this.signup.signUp(
      {
        name: form.name,
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
      case 'signed_up':
        return reply.status(303).header('Location', locationHeader(returnTo)).send();
      case 'rate_limited': {
        const error = `Too many accounts were created from your network. Try again in ${waitText(result.decision.retryAfterSeconds)}.`;
        return this.page(req, reply.headers(result.headers), { ...entered, error }, 429);
      }
      case 'csrf_failed': {
        // The login page, as for a failed sign-in form: the visitor starts again from a fresh form.
        const error = 'This form expired or did not come from this site. Please try again.';
        const page = loginPage({ csrf: this.sessions.csrfFor(req, reply, null), returnTo, error });
        return sendPage(reply, page, 403);
      }
      case 'invalid':
        return this.page(
          req,
          reply,
          { ...entered, errors: serviceFieldErrors(result.error) },
          result.error.status,
        );
      case 'refused': {
        const error = 'An account with this email already exists. Sign in instead?';
        return this.page(req, reply, { ...entered, error }, result.status);
      }
    }
  }

  private page(
    req: FastifyRequest,
    reply: FastifyReply,
    view: Omit<SignupView, 'csrf'>,
    status = 200,
  ): FastifyReply {
    return sendPage(reply, signupPage({ csrf: this.sessions.csrfFor(req, reply, null), ...view }), status);
  }
}
