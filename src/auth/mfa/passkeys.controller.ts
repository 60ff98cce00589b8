import { Body, Controller, Get, Header, Post, Req, Res } from '@nestjs/common';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AuditService } from '../../audit/audit.service';
import { Public } from '../../platform/auth/decorators';
import { HiddenFromApiDocs } from '../../platform/http/api-docs';
import { requestMeta } from '../../platform/http/request-meta';
import { RateLimiter } from '../../platform/rate-limit/rate-limiter.service';
import {
  type ActiveSession,
  AMR_HARDWARE_KEY,
  AMR_MFA,
  AMR_PASSWORD,
  AMR_USER_PRESENCE,
  SessionsService,
} from '../../sessions/sessions.service';
import { safeReturnTo } from '../return-to';
import { PASSKEYS_JS } from './passkeys.script';
import { Passkeys } from './passkeys.service';
import { PendingSignIn } from './pending-sign-in';

type Mode = 'passwordless' | 'second_factor';

/** A JSON error in the product's shape (DESIGN: `{ error, error_description }`). */
function fail(reply: FastifyReply, status: number, error: string, description: string): FastifyReply {
  return reply
    .status(status)
    .header('Cache-Control', 'no-store')
    .send({ error, error_description: description });
}

/**
 * Signing in with a passkey: passwordless (any discoverable passkey of ours the browser holds), or as the
 * second factor after the password / as step-up in a session. JSON for /assets/passkeys.js; every call
 * carries the page's CSRF token in X-CSRF-Token (pre-session or session bound).
 */
@Controller()
// WebAuthn ceremonies driven by /assets/passkeys.js on the sign-in page: not an API for clients.
@HiddenFromApiDocs()
export class PasskeysController {
  constructor(
    private readonly passkeys: Passkeys,
    private readonly pending: PendingSignIn,
    private readonly sessions: SessionsService,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditService,
  ) {}

  @Get('assets/passkeys.js')
  @Public()
  @Header('Content-Type', 'text/javascript; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  script(): string {
    return PASSKEYS_JS;
  }

  @Post('auth/passkeys/options')
  @Public()
  async options(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<FastifyReply> {
    const mode = this.mode(body);
    if (!mode) return fail(reply, 400, 'invalid_request', 'mode must be passwordless or second_factor');
    const subject = await this.subject(req, mode);
    if (subject === 'unknown') return fail(reply, 401, 'login_required', 'sign in with your password first');
    if (!this.sessions.verifyCsrf(req, subject.session, req.headers['x-csrf-token'])) {
      return fail(reply, 403, 'invalid_request', 'this page expired; reload it and try again');
    }
    const options = await this.passkeys.authenticationOptions(subject.userId);
    return reply.status(200).header('Cache-Control', 'no-store').send(options);
  }

  @Post('auth/passkeys/verify')
  @Public()
  async verify(
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
    @Body() body: Record<string, unknown> | undefined,
  ): Promise<FastifyReply> {
    const mode = this.mode(body);
    const response = body?.response as AuthenticationResponseJSON | undefined;
    if (!mode || !response || typeof response !== 'object') {
      return fail(reply, 400, 'invalid_request', 'mode and response are required');
    }
    const byIp = await this.limiter.hit('login_ip', req.ip);
    if (!byIp.allowed) {
      reply.headers(this.limiter.headers(byIp));
      return fail(reply, 429, 'too_many_requests', 'too many sign-in attempts; wait and try again');
    }
    const subject = await this.subject(req, mode);
    if (subject === 'unknown') return fail(reply, 401, 'login_required', 'sign in with your password first');
    if (!this.sessions.verifyCsrf(req, subject.session, req.headers['x-csrf-token'])) {
      return fail(reply, 403, 'invalid_request', 'this page expired; reload it and try again');
    }
    const meta = { ...requestMeta(req), ip: req.ip };
    const assertion = await this.passkeys.authenticate(response, subject.userId);
    if (!assertion) {
      await this.audit.record({
        type: 'sign_in.failed',
        userId: subject.userId ?? null,
        ...meta,
        details: { factor: 'passkey' },
      });
      return fail(reply, 401, 'access_denied', 'that passkey could not be verified');
    }
    await this.limiter.refund('login_ip', req.ip);
    // RFC 8176: a hardware-bound key with user verification. Passwordless, it is both factors on its own
    // (possession + the authenticator's PIN or biometric); after a password it is the second one.
    if (subject.session) {
      await this.sessions.elevate(subject.session, [AMR_HARDWARE_KEY, AMR_MFA]);
    } else {
      const amr =
        mode === 'passwordless'
          ? [AMR_HARDWARE_KEY, AMR_USER_PRESENCE, AMR_MFA]
          : [AMR_PASSWORD, AMR_HARDWARE_KEY, AMR_MFA];
      this.pending.end(reply);
      await this.sessions.start(reply, req, assertion.userId, amr);
      await this.audit.record({
        type: 'sign_in.succeeded',
        userId: assertion.userId,
        ...meta,
        details: { amr },
      });
    }
    const redirect = safeReturnTo(typeof body?.return_to === 'string' ? body.return_to : undefined);
    return reply.status(200).header('Cache-Control', 'no-store').send({ redirect });
  }

  private mode(body: Record<string, unknown> | undefined): Mode | null {
    const mode = body?.mode;
    return mode === 'passwordless' || mode === 'second_factor' ? mode : null;
  }

  /**
   * Passwordless: nobody yet (the passkey says who). Second factor: the password-verified browser, or a
   * signed-in one stepping up.
   */
  private async subject(
    req: FastifyRequest,
    mode: Mode,
  ): Promise<{ userId?: string; session: ActiveSession | null } | 'unknown'> {
    if (mode === 'passwordless') return { session: null };
    const pending = this.pending.read(req);
    if (pending) return { userId: pending.userId, session: null };
    const session = await this.sessions.current(req);
    return session ? { userId: session.userId, session } : 'unknown';
  }
}
