import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Public } from '../../platform/auth/decorators';
import { HiddenFromApiDocs } from '../../platform/http/api-docs';
import { requestMeta } from '../../platform/http/request-meta';
import { sendPage } from '../../platform/web/html';
import { SessionsService } from '../../sessions/sessions.service';
import { PasswordReset } from '../../users/account/password-reset.service';
import { FormDtoPipe, type SubmittedForm } from '../forms';
import { waitText } from '../pages';
import { ForgotPasswordFormDto, ResetPasswordFormDto, ResetPasswordQueryDto } from './password.dto';
import {
  forgotPasswordPage,
  linkSpentPage,
  passwordResetDonePage,
  resetLinkSentPage,
  resetPasswordPage,
} from './password.pages';

const FORM_EXPIRED = 'This form expired or did not come from this site. Please try again.';

/**
 * Password recovery pages. Public: the visitor cannot sign in. Forms carry a CSRF token bound to the
 * pre-session cookie (or the session, when someone signed in asks anyway).
 */
@HiddenFromApiDocs() // Browser pages, not API: kept out of the OpenAPI reference.
@Controller('auth/password')
export class PasswordController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly reset: PasswordReset,
    private readonly sessions: SessionsService,
  ) {}

  @Get('forgot')
  @Public()
  async forgotForm(@Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<FastifyReply> {
    return sendPage(reply, forgotPasswordPage({ csrf: await this.csrf(req, reply) }));
  }

  @Post('forgot')
  @Public()
  async forgot(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body(new FormDtoPipe(ForgotPasswordFormDto)) { form }: SubmittedForm<ForgotPasswordFormDto>,
  ): Promise<FastifyReply> {
    const email = (form.email ?? '').trim();
    if (!(await this.csrfValid(req, form.csrf_token))) {
      return sendPage(
        reply,
        forgotPasswordPage({ csrf: await this.csrf(req, reply), email, error: FORM_EXPIRED }),
        403,
      );
    }
    if (!email) {
      const page = forgotPasswordPage({
        csrf: await this.csrf(req, reply),
        error: 'Enter your email address.',
      });
      return sendPage(reply, page, 400);
    }
    const result = await this.reset.request(email, { ...requestMeta(req), ip: req.ip });
    if (result.outcome === 'rate_limited') {
      const error = `Too many reset requests. Please wait ${waitText(result.decision.retryAfterSeconds)} and try again.`;
      const page = forgotPasswordPage({ csrf: await this.csrf(req, reply), email, error });
      return sendPage(reply.headers(result.headers), page, 429);
    }
    return sendPage(reply, resetLinkSentPage(this.config.mail.devOutbox && !this.config.mail.smtpUrl));
  }

  @Get('reset')
  @Public()
  async resetForm(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query(new FormDtoPipe(ResetPasswordQueryDto)) { form }: SubmittedForm<ResetPasswordQueryDto>,
  ): Promise<FastifyReply> {
    const token = form.token ?? '';
    if (!(await this.reset.isValid(token))) return sendPage(reply, linkSpentPage('reset'), 400);
    return sendPage(reply, resetPasswordPage({ csrf: await this.csrf(req, reply), token }));
  }

  @Post('reset')
  @Public()
  async resetPassword(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body(new FormDtoPipe(ResetPasswordFormDto)) { form }: SubmittedForm<ResetPasswordFormDto>,
  ): Promise<FastifyReply> {
    const token = form.token ?? '';
    if (!(await this.csrfValid(req, form.csrf_token))) {
      return sendPage(
        reply,
        resetPasswordPage({ csrf: await this.csrf(req, reply), token, error: FORM_EXPIRED }),
        403,
      );
    }
    const result = await this.reset.reset(token, form.password ?? '', requestMeta(req));
    switch (result.outcome) {
      case 'reset':
        // Every session ended, this browser's too: its cookie is cleared with it.
        await this.sessions.end(req, reply);
        return sendPage(reply, passwordResetDonePage());
      case 'invalid':
        return sendPage(reply, linkSpentPage('reset'), 400);
      case 'weak': {
        const error = `Password ${result.error.fields[0]?.messages[0] ?? 'is not allowed'}.`;
        return sendPage(reply, resetPasswordPage({ csrf: await this.csrf(req, reply), token, error }), 400);
      }
    }
  }

  private async csrf(req: FastifyRequest, reply: FastifyReply): Promise<string> {
    return this.sessions.csrfFor(req, reply, await this.sessions.current(req));
  }

  private async csrfValid(req: FastifyRequest, submitted: unknown): Promise<boolean> {
    return this.sessions.verifyCsrf(req, await this.sessions.current(req), submitted);
  }
}
