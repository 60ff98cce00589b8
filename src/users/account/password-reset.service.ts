import { Inject, Injectable, Logger } from '@nestjs/common';

import { AuditService } from '../../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import type { RequestMeta } from '../../platform/http/request-meta';
import { MailService } from '../../platform/mail/mail.service';
import { templates } from '../../platform/mail/templates';
import { type RateDecision, RateLimiter } from '../../platform/rate-limit/rate-limiter.service';
import { AccountSessions } from '../../sessions/account-sessions.service';
import { AccountTokensService } from '../account-tokens.service';
import { passwordProblem } from '../password-policy';
import { SecurityNotices } from '../security-notices.service';
import { WeakPassword } from '../users.errors';
import { UsersService } from '../users.service';

/** The sign-in lockout's key: one bucket for "Alice@Example.com " and "alice@example.com". */
function accountKey(email: string): string {
  return email.trim().toLowerCase();
}

export type ResetRequestResult =
  | { outcome: 'accepted' }
  | { outcome: 'rate_limited'; decision: RateDecision; headers: Record<string, string> };

export type ResetResult =
  { outcome: 'reset'; userId: string } | { outcome: 'invalid' } | { outcome: 'weak'; error: WeakPassword };

/**
 * "Forgot password?" (OWASP Forgot Password Cheat Sheet): the same answer, in the same time, whether or
 * not an account has the address — the lookup, token and mail happen after the answer. Limited per IP
 * and per address. The link (256-bit, stored hashed, single use, PASSWORD_RESET_TTL) sets a new password,
 * ends every session, clears the sign-in lockout and keeps the apps' authorizations; a notice follows.
 */
@Injectable()
export class PasswordReset {
  private readonly logger = new Logger('PasswordReset');
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly tokens: AccountTokensService,
    private readonly sessions: AccountSessions,
    private readonly limiter: RateLimiter,
    private readonly mail: MailService,
    private readonly notices: SecurityNotices,
    private readonly audit: AuditService,
  ) {}

  async request(email: string, meta: RequestMeta & { ip: string }): Promise<ResetRequestResult> {
    const byIp = await this.limiter.hit('password_reset_ip', meta.ip);
    if (!byIp.allowed) return this.rateLimited(byIp);
    const address = email.slice(0, 254);
    const byAccount = await this.limiter.hit('password_reset_account', accountKey(address));
    if (!byAccount.allowed) return this.rateLimited(byAccount);
    // After the answer: whether the address is known must not change how long the answer takes.
    const job = this.deliver(address, meta)
      .catch((error: unknown) => this.logger.error({ err: error }, 'password reset mail failed'))
      .finally(() => this.inFlight.delete(job));
    this.inFlight.add(job);
    return { outcome: 'accepted' };
  }

  /** Tests: every accepted request has stored its token and queued its mail. */
  async settled(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  /** Whether a link still works (the page shows the form, or says the link is spent). */
  async isValid(token: string): Promise<boolean> {
    return (await this.tokens.peek('reset_password', token)) !== null;
  }

  async reset(token: string, password: string, meta: RequestMeta = {}): Promise<ResetResult> {
    const target = await this.tokens.peek('reset_password', token);
    if (!target) return { outcome: 'invalid' };
    const user = await this.users.findById(target.userId);
    if (!user) return { outcome: 'invalid' };
    // The policy first: a too-weak choice must not use the link up.
    const problem = passwordProblem(password, user.email);
    if (problem) return { outcome: 'weak', error: new WeakPassword(problem) };
    if (!(await this.tokens.consume('reset_password', token))) return { outcome: 'invalid' };
    await this.users.setPassword(user.id, password);
    // Whoever knew the old password is signed out everywhere; apps keep their authorizations.
    await this.sessions.endAll(user.id);
    await this.tokens.revokeAll(user.id, 'reset_password');
    await this.limiter.lockoutClear(accountKey(user.email));
    // The link reached this mailbox: the address is proven.
    if (!user.emailVerified && target.email.toLowerCase() === user.email.toLowerCase()) {
      await this.users.confirmEmail(user.id, user.email);
    }
    await this.audit.record({ type: 'password.reset', userId: user.id, ...meta });
    this.notices.passwordChanged(user.email, 'reset');
    return { outcome: 'reset', userId: user.id };
  }

  private async deliver(email: string, meta: RequestMeta): Promise<void> {
    const user = await this.users.findByEmail(email);
    if (!user) return;
    const ttl = this.config.passwordResetTtl;
    const token = await this.tokens.issue(user.id, 'reset_password', user.email, ttl);
    const link = `${this.config.issuer}/auth/password/reset?token=${token}`;
    this.mail.send(user.email, templates.passwordReset(link, ttl));
    await this.audit.record({ type: 'password.reset_requested', userId: user.id, ...meta });
  }

  private rateLimited(decision: RateDecision): ResetRequestResult {
    return { outcome: 'rate_limited', decision, headers: this.limiter.headers(decision) };
  }
}
