import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { IsOptional, IsString } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Public } from '../../platform/auth/decorators';
import { HiddenFromApiDocs } from '../../platform/http/api-docs';
import { requestMeta } from '../../platform/http/request-meta';
import { html, layout, sendPage } from '../../platform/web/html';
import { SessionsService } from '../../sessions/sessions.service';
import { EmailVerification } from '../../users/account/email-verification.service';
import { FormDtoPipe, type SubmittedForm } from '../forms';
import { linkSpentPage } from '../password/password.pages';

class VerifyEmailDto {
  @IsOptional() @IsString() token?: string;
  @IsOptional() @IsString() csrf_token?: string;
}

function confirmPage(csrf: string, token: string, email: string, error?: string) {
  return layout(
    'Confirm your email',
    html`<h1>Confirm your email address</h1>
      ${error ? html`<p class="notice bad" role="alert">${error}</p>` : ''}
      <p>Use <strong>${email}</strong> for your iiniit account?</p>
      <form method="post" action="/auth/verify-email">
        <input type="hidden" name="csrf_token" value="${csrf}" />
        <input type="hidden" name="token" value="${token}" />
        <button type="submit">Confirm email address</button>
      </form>`,
  );
}

function donePage(email: string) {
  return layout(
    'Email confirmed',
    html`<h1>Email confirmed</h1>
      <p role="status"><strong>${email}</strong> is now the confirmed address of your account.</p>
      <p><a class="button" href="/console">Go to the console</a></p>`,
  );
}

function takenPage() {
  return layout(
    'Address taken',
    html`<h1>This address is taken</h1>
      <p class="notice bad" role="alert">
        Another account uses this email address now, so it was not changed.
      </p>
      <p><a href="/console/profile">Back to your profile</a></p>`,
  );
}

/**
 * The link in a verification mail. The GET only shows a confirm button: mail scanners that fetch links
 * must not use up a single-use link; the POST does it. Public: the link is the credential, and it may
 * be opened in a browser that is not signed in.
 */
@HiddenFromApiDocs() // Browser pages, not API: kept out of the OpenAPI reference.
@Controller('auth/verify-email')
export class VerifyEmailController {
  constructor(
    private readonly verification: EmailVerification,
    private readonly sessions: SessionsService,
  ) {}

  @Get()
  @Public()
  async show(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query(new FormDtoPipe(VerifyEmailDto)) { form }: SubmittedForm<VerifyEmailDto>,
  ): Promise<FastifyReply> {
    const token = form.token ?? '';
    const email = await this.verification.pending(token);
    if (!email) return sendPage(reply, linkSpentPage('verify'), 400);
    const csrf = this.sessions.csrfFor(req, reply, await this.sessions.current(req));
    return sendPage(reply, confirmPage(csrf, token, email));
  }

  @Post()
  @Public()
  async confirm(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body(new FormDtoPipe(VerifyEmailDto)) { form }: SubmittedForm<VerifyEmailDto>,
  ): Promise<FastifyReply> {
    const token = form.token ?? '';
    const session = await this.sessions.current(req);
    if (!this.sessions.verifyCsrf(req, session, form.csrf_token)) {
      const email = await this.verification.pending(token);
      if (!email) return sendPage(reply, linkSpentPage('verify'), 400);
      const csrf = this.sessions.csrfFor(req, reply, session);
      const error = 'This form expired or did not come from this site. Please try again.';
      return sendPage(reply, confirmPage(csrf, token, email, error), 403);
    }
    const result = await this.verification.verify(token, requestMeta(req));
    switch (result.outcome) {
      case 'verified':
        return sendPage(reply, donePage(result.email));
      case 'taken':
        return sendPage(reply, takenPage(), 409);
      case 'invalid':
        return sendPage(reply, linkSpentPage('verify'), 400);
    }
  }
}
