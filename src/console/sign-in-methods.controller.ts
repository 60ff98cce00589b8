import { Body, Controller, Get, Inject, Param, Post, Req, Res } from '@nestjs/common';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { Passkeys } from '../auth/mfa/passkeys.service';
import { RecentFactor, stepUpPath } from '../auth/mfa/recent-factor';
import { SecondFactors } from '../auth/mfa/second-factors.service';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Accepts } from '../platform/auth/decorators';
import { QueryText } from '../platform/forms/form';
import { FormBody, FormText, type SubmittedForm } from '../platform/forms/form-body';
import { UuidParamPipe } from '../platform/forms/uuid-param.pipe';
import { HiddenFromApiDocs } from '../platform/http/api-docs';
import { requestMeta } from '../platform/http/request-meta';
import { seeOther, sendPage } from '../platform/web/html';
import { SignInReturnsTo } from '../platform/web/page.decorator';
import { AMR_MFA, AMR_OTP, SessionsService } from '../sessions/sessions.service';
import { ConsoleNotFound } from './console.errors';
import { ConsolePages } from './console-pages.decorator';
import { type ConsoleContext, ConsoleUser } from './console-user';
import { recoveryCodesPage, signInMethodsPage, totpEnrolPage } from './views/sign-in-methods.view';

export class TotpCodeForm {
  @FormText({ trim: true })
  code = '';
}

const HOME = '/console/sign-in-methods';
const passkeyId = new UuidParamPipe(() => new ConsoleNotFound('passkey'));
const NOTICES: Record<string, string> = {
  disabled: 'Authenticator app turned off.',
  passkey: 'Passkey added. You can sign in with it now.',
  'passkey-removed': 'Passkey removed.',
};

/** Sign-in methods: the authenticator app (TOTP) and its recovery codes. */
@ConsolePages('sign-in-methods')
export class ConsoleSignInMethodsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly factors: SecondFactors,
    private readonly recent: RecentFactor,
    private readonly sessions: SessionsService,
    private readonly passkeys: Passkeys,
  ) {}

  @Get()
  async show(
    @ConsoleUser() ctx: ConsoleContext,
    @QueryText('notice') notice: string | undefined,
    @QueryText('required') required: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const [status, passkeys] = await Promise.all([
      this.factors.status(ctx.user.id),
      this.passkeys.list(ctx.user.id),
    ]);
    return sendPage(
      reply,
      signInMethodsPage(ctx, {
        status,
        passkeys,
        message: NOTICES[notice ?? ''],
        required: (required !== undefined || this.config.requireMfa) && !status.totp && passkeys.length === 0,
      }),
    );
  }

  @Post('totp')
  @SignInReturnsTo(HOME)
  async startTotp(@ConsoleUser() ctx: ConsoleContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const enrolment = await this.factors.startTotp(ctx.user.id, ctx.user.email, this.issuerName());
    if (!enrolment) return seeOther(reply, HOME);
    return sendPage(reply, totpEnrolPage(ctx, enrolment));
  }

  @Post('totp/confirm')
  @SignInReturnsTo(HOME)
  async confirmTotp(
    @ConsoleUser() ctx: ConsoleContext,
    @FormBody(TotpCodeForm) form: SubmittedForm<TotpCodeForm>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const codes = await this.factors.confirmTotp(ctx.user.id, form.values.code, requestMeta(req));
    if (!codes) {
      const enrolment = await this.factors.pendingTotp(ctx.user.id, ctx.user.email, this.issuerName());
      if (!enrolment) return seeOther(reply, HOME);
      const error = 'That code didn’t work. Check the time on your phone and enter the newest code.';
      return sendPage(reply, totpEnrolPage(ctx, enrolment, error), 400);
    }
    // The code just proved the factor in this session: it counts as a recent second factor.
    const session = await this.sessions.current(req);
    if (session) await this.sessions.elevate(session, [AMR_OTP, AMR_MFA]);
    return sendPage(reply, recoveryCodesPage(ctx, codes, 'enrolled'));
  }

  @Post('recovery-codes')
  @SignInReturnsTo(HOME)
  async regenerate(
    @ConsoleUser() ctx: ConsoleContext,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (!(await this.recent.satisfied(req, ctx.user.id))) return seeOther(reply, stepUpPath(HOME));
    const codes = await this.factors.regenerateRecoveryCodes(ctx.user.id, requestMeta(req));
    if (!codes) return seeOther(reply, HOME);
    return sendPage(reply, recoveryCodesPage(ctx, codes, 'regenerated'));
  }

  @Post('totp/disable')
  @SignInReturnsTo(HOME)
  async disable(
    @ConsoleUser() ctx: ConsoleContext,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    // Turning a factor off is what an attacker with a stolen session would do first: prove it again.
    if (!(await this.recent.satisfied(req, ctx.user.id))) return seeOther(reply, stepUpPath(HOME));
    await this.factors.disableTotp(ctx.user.id, requestMeta(req));
    return seeOther(reply, `${HOME}?notice=disabled`);
  }

  @Post('passkeys/:id/delete')
  @SignInReturnsTo(HOME)
  async removePasskey(
    @ConsoleUser() ctx: ConsoleContext,
    @Param('id', passkeyId) id: string,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    if (!(await this.recent.satisfied(req, ctx.user.id))) return seeOther(reply, stepUpPath(HOME));
    if (!(await this.passkeys.remove(ctx.user.id, id, requestMeta(req)))) {
      throw new ConsoleNotFound('passkey');
    }
    return seeOther(reply, `${HOME}?notice=passkey-removed`);
  }

  /** The issuer label authenticator apps show next to the account: the host users know us by. */
  private issuerName(): string {
    return `iiniit (${new URL(this.config.issuer).host})`;
  }
}

/**
 * Passkey registration for /assets/passkeys.js: JSON, the session cookie and its CSRF token in
 * X-CSRF-Token (checked by the global guard like the rest of the session API).
 */
@Controller('console/sign-in-methods/passkeys')
@Accepts('session')
// WebAuthn registration driven by the console page's script: not an API for clients.
@HiddenFromApiDocs()
export class ConsolePasskeysApiController {
  constructor(private readonly passkeys: Passkeys) {}

  @Post('options')
  async options(@ConsoleUser() ctx: ConsoleContext, @Res() reply: FastifyReply): Promise<FastifyReply> {
    const options = await this.passkeys.registrationOptions(ctx.user.id);
    if (!options) {
      return reply
        .status(409)
        .send({ error: 'conflict', error_description: 'this account has as many passkeys as it can hold' });
    }
    return reply.status(200).header('Cache-Control', 'no-store').send(options);
  }

  @Post()
  async register(
    @ConsoleUser() ctx: ConsoleContext,
    @Body() body: Record<string, unknown> | undefined,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<FastifyReply> {
    const name = typeof body?.name === 'string' ? body.name : '';
    const response = body?.response;
    if (!response || typeof response !== 'object') {
      return reply.status(400).send({ error: 'invalid_request', error_description: 'response is required' });
    }
    const saved = await this.passkeys.register(
      ctx.user.id,
      name,
      response as RegistrationResponseJSON,
      requestMeta(req),
    );
    if (!saved) {
      return reply.status(400).send({
        error: 'invalid_request',
        error_description: 'the passkey could not be verified; try again',
      });
    }
    return reply.status(201).header('Cache-Control', 'no-store').send({ id: saved.id, name: saved.name });
  }
}
