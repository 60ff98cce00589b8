import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AuditService } from '../../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { Public } from '../../platform/auth/decorators';
import { HiddenFromApiDocs } from '../../platform/http/api-docs';
import { requestMeta } from '../../platform/http/request-meta';
import { RateLimiter } from '../../platform/rate-limit/rate-limiter.service';
import { sendPage } from '../../platform/web/html';
import {
  type ActiveSession,
  AMR_MFA,
  AMR_OTP,
  AMR_PASSWORD,
  SessionsService,
} from '../../sessions/sessions.service';
import { UsersService } from '../../users/users.service';
import { FormDtoPipe, type SubmittedForm } from '../forms';
import { InteractiveParams } from '../interactive-params';
import { accountKey } from '../login/login-throttle';
import { waitText } from '../pages';
import { locationHeader, safeReturnTo } from '../return-to';
import { SecondFactorFormDto } from './mfa.dto';
import { secondFactorPage, type SecondFactorView } from './mfa.pages';
import { PendingSignIn } from './pending-sign-in';
import { SecondFactors } from './second-factors.service';

/** Where a signed-in user without any second factor goes when one is required (REQUIRE_MFA). */
export const ENROL_PATH = '/console/sign-in-methods';

type Subject = { kind: 'pending'; userId: string } | { kind: 'session'; session: ActiveSession };

/**
 * The second step of sign-in, and step-up for a signed-in user (acr_values, console actions that need a
 * recent factor). Reached only after the right password (the pending cookie) or with a session, so
 * nothing here tells a stranger which accounts have which factors.
 */
@Controller('auth/mfa')
// The second-factor step of the sign-in pages: a browser flow, not an API.
@HiddenFromApiDocs()
export class MfaController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly factors: SecondFactors,
    private readonly pending: PendingSignIn,
    private readonly sessions: SessionsService,
    private readonly users: UsersService,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
  ) {}

  @Get()
  @Public()
  async show(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Query(InteractiveParams) query: Record<string, string>,
  ): Promise<FastifyReply> {
    const returnTo = safeReturnTo(query.return_to);
    const subject = await this.subject(req);
    if (!subject) return this.redirect(reply, `/auth/login?return_to=${encodeURIComponent(returnTo)}`);
    const userId = subject.kind === 'pending' ? subject.userId : subject.session.userId;
    if (subject.kind === 'session' && !(await this.factors.hasSecondFactor(userId))) {
      // Nothing to step up with: enrol first when the operator requires it, else carry on (the acr says
      // what was achieved; OIDC Core §5.5.1.1 makes acr a voluntary claim).
      return this.redirect(reply, this.config.requireMfa ? ENROL_PATH : returnTo);
    }
    const method = query.method === 'recovery' ? 'recovery' : 'totp';
    return this.page(req, reply, subject, { returnTo, method });
  }

  @Post()
  @Public()
  async verify(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body(InteractiveParams, new FormDtoPipe(SecondFactorFormDto))
    { form }: SubmittedForm<SecondFactorFormDto>,
  ): Promise<FastifyReply> {
    const returnTo = safeReturnTo(form.return_to);
    const method = form.method === 'recovery' ? 'recovery' : 'totp';
    const subject = await this.subject(req);
    if (!subject) return this.redirect(reply, `/auth/login?return_to=${encodeURIComponent(returnTo)}`);
    const session = subject.kind === 'session' ? subject.session : null;
    const userId = session ? session.userId : (subject as { userId: string }).userId;
    const meta = { ...requestMeta(req), ip: req.ip };
    const view = { returnTo, method } as const;

    const byIp = await this.limiter.hit('login_ip', req.ip);
    if (!byIp.allowed) {
      const error = `Too many attempts. Please wait ${waitText(byIp.retryAfterSeconds)} and try again.`;
      return this.page(req, reply.headers(this.limiter.headers(byIp)), subject, { ...view, error }, 429);
    }
    if (!this.sessions.verifyCsrf(req, session, form.csrf_token)) {
      const error = 'This form expired or did not come from this site. Please try again.';
      return this.page(req, reply, subject, { ...view, error }, 403);
    }
    const user = await this.users.findById(userId);
    if (!user) return this.redirect(reply, '/auth/login');

    // Guesses at a 6-digit code count toward the same lockout as wrong passwords (growing delays).
    const key = accountKey(user.email);
    const lockout = this.limiter.lockoutPolicy.threshold > 0;
    const gate = lockout ? await this.limiter.lockoutAttempt(key) : { allowed: true };
    const code = form.code ?? '';
    const ok =
      gate.allowed &&
      (method === 'totp'
        ? await this.factors.verifyTotp(userId, code)
        : await this.factors.useRecoveryCode(userId, code, meta));
    if (!ok) {
      await this.audit.record({
        type: 'sign_in.failed',
        userId,
        ...meta,
        details: { factor: method, ...(gate.allowed ? {} : { locked: true }) },
      });
      const error =
        method === 'totp'
          ? 'That code didn’t work. Check your authenticator app and try the newest code.'
          : 'That recovery code didn’t work. Each code works once.';
      return this.page(req, reply, subject, { ...view, error }, 401);
    }
    if (lockout) await this.limiter.lockoutClear(key);
    await Promise.all([this.limiter.refund('login_ip', req.ip), this.limiter.refund('login_account', key)]);

    // RFC 8176: a one-time password (TOTP or a single-use recovery code) on top of what was proven before.
    const amr = [AMR_OTP, AMR_MFA];
    if (session) {
      await this.sessions.elevate(session, amr);
    } else {
      this.pending.end(reply);
      await this.sessions.start(reply, req, userId, [AMR_PASSWORD, ...amr]);
      await this.audit.record({
        type: 'sign_in.succeeded',
        userId,
        ...meta,
        details: { amr: [AMR_PASSWORD, ...amr] },
      });
    }
    return this.redirect(reply, returnTo);
  }

  /** Who is proving a factor: the password-verified browser, or a signed-in one stepping up. */
  private async subject(req: FastifyRequest): Promise<Subject | null> {
    const pending = this.pending.read(req);
    if (pending) return { kind: 'pending', userId: pending.userId };
    const session = await this.sessions.current(req);
    return session ? { kind: 'session', session } : null;
  }

  private redirect(reply: FastifyReply, location: string): FastifyReply {
    return reply
      .status(303)
      .header('Location', locationHeader(location))
      .header('Cache-Control', 'no-store')
      .send();
  }

  private async page(
    req: FastifyRequest,
    reply: FastifyReply,
    subject: Subject,
    view: Omit<SecondFactorView, 'csrf' | 'stepUp' | 'totp' | 'passkey'>,
    status = 200,
  ): Promise<FastifyReply> {
    const session = subject.kind === 'session' ? subject.session : null;
    const factors = await this.factors.status(
      session ? session.userId : (subject as { userId: string }).userId,
    );
    const csrf = this.sessions.csrfFor(req, reply, session);
    return sendPage(
      reply,
      secondFactorPage({
        ...view,
        csrf,
        stepUp: !!session,
        totp: factors.totp,
        passkey: factors.passkeys > 0,
      }),
      status,
    );
  }
}
