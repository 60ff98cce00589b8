import { Injectable } from '@nestjs/common';

import { AuditService } from '../../audit/audit.service';
import type { RequestMeta } from '../../platform/http/request-meta';
import { type RateDecision, RateLimiter } from '../../platform/rate-limit/rate-limiter.service';
import { UsersService } from '../../users/users.service';
import { SecondFactors } from '../mfa/second-factors.service';
import { accountKey, LoginThrottle } from './login-throttle';

export interface SignInAttempt {
  email: string;
  password: string;
  /** Whether the form's CSRF token matched this browser (checked by the caller, which owns the cookies). */
  csrfValid: boolean;
  /** The caller's address: the per-IP limit's key, and the audit event's context. */
  meta: RequestMeta & { ip: string };
}

export type SignInResult =
  | { outcome: 'signed_in'; userId: string }
  /** The password was right and the user has a second factor: the second-factor page comes next. */
  | { outcome: 'second_factor'; userId: string }
  /** A sign-in limit was reached: answer 429 with these Retry-After / RateLimit-* headers. */
  | { outcome: 'rate_limited'; decision: RateDecision; headers: Record<string, string> }
  | { outcome: 'csrf_failed' }
  /** Unknown email, wrong password or a locked account: one answer for all three. */
  | { outcome: 'refused' };

/**
 * The sign-in policy: limits per IP and per account (a success gives its hits back), the growing delay
 * after repeated failures (LoginThrottle), and the audit trail.
 */
@Injectable()
export class LoginService {
  private readonly throttle: LoginThrottle;

  constructor(
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly limiter: RateLimiter,
    private readonly factors: SecondFactors,
  ) {
    this.throttle = new LoginThrottle(limiter);
  }

  /**
   * Checks an attempt and, when the credentials match, calls `startSession` before the limits are
   * refunded and the success is recorded.
   */
  async signIn(
    attempt: SignInAttempt,
    startSession: (userId: string) => Promise<void>,
  ): Promise<SignInResult> {
    const { email, password, meta } = attempt;
    // Per IP first: it bounds everything below, CSRF failures included.
    const byIp = await this.limiter.hit('login_ip', meta.ip);
    if (!byIp.allowed) return this.rateLimited(byIp);
    if (!attempt.csrfValid) return { outcome: 'csrf_failed' };
    const byAccount = await this.limiter.hit('login_account', accountKey(email));
    if (!byAccount.allowed) return this.rateLimited(byAccount);
    // A locked account answers exactly like a wrong password (same page, status and argon2 cost).
    const { user, locked } = await this.throttle.signIn(
      email,
      () => this.users.verifyCredentials(email, password),
      (u) => this.factors.hasSecondFactor(u.id),
    );
    if (!user) {
      const known = await this.users.findByEmail(email);
      await this.audit.record({
        type: 'sign_in.failed',
        userId: known?.id,
        ...meta,
        details: { email: email.slice(0, 254), ...(locked ? { locked: true } : {}) },
      });
      return { outcome: 'refused' };
    }
    // Asked only now that the password is right: before it, every account looks the same.
    if (await this.factors.hasSecondFactor(user.id)) return { outcome: 'second_factor', userId: user.id };
    await startSession(user.id);
    // The sign-in limits count failed (and in-flight) attempts; a success gives its hit back.
    await Promise.all([
      this.limiter.refund('login_ip', meta.ip),
      this.limiter.refund('login_account', accountKey(email)),
    ]);
    await this.audit.record({ type: 'sign_in.succeeded', userId: user.id, ...meta });
    return { outcome: 'signed_in', userId: user.id };
  }

  private rateLimited(decision: RateDecision): SignInResult {
    return { outcome: 'rate_limited', decision, headers: this.limiter.headers(decision) };
  }
}
