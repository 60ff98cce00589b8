import { Inject, Injectable } from '@nestjs/common';

import { AuditService } from '../../audit/audit.service';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import type { RequestMeta } from '../../platform/http/request-meta';
import { MailService } from '../../platform/mail/mail.service';
import { templates } from '../../platform/mail/templates';
import { AccountTokensService } from '../account-tokens.service';
import { SecurityNotices } from '../security-notices.service';
import { EmailTaken } from '../users.errors';
import { UsersService } from '../users.service';
import { SameEmail } from './account.errors';

export type VerifyOutcome =
  | { outcome: 'verified'; userId: string; email: string; changed: boolean }
  /** Unknown, used, superseded or expired link: one answer. */
  | { outcome: 'invalid' }
  /** Another account took the address between the request and the click. */
  | { outcome: 'taken' };

/**
 * Proof that an address reaches its owner: a single-use link (256-bit token, stored hashed, valid for
 * EMAIL_VERIFICATION_TTL) sent at sign-up and on every email change. An email change takes effect only
 * when its link is followed; the old address is told at the request and at the change.
 */
@Injectable()
export class EmailVerification {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly tokens: AccountTokensService,
    private readonly mail: MailService,
    private readonly notices: SecurityNotices,
    private readonly audit: AuditService,
  ) {}

  /** Sends (or re-sends) the link for the account's current address. */
  async send(userId: string, meta: RequestMeta = {}): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user) return;
    await this.mailLink(userId, user.email, user.displayName);
    await this.audit.record({ type: 'email.verification_sent', userId, ...meta });
  }

  /** "Resend": the pending change's address when there is one, else the current one when unverified. */
  async resend(userId: string, meta: RequestMeta = {}): Promise<void> {
    const user = await this.users.findById(userId);
    if (!user) return;
    const pending = await this.tokens.pendingEmail(userId, user.email);
    if (pending) return this.mailLink(userId, pending, user.displayName);
    if (!user.emailVerified) await this.send(userId, meta);
  }

  /**
   * Starts an email change: checks the address (shape, not taken), mails a link to it and a notice to the
   * current one. The account keeps its current address until the link is followed.
   */
  async requestChange(userId: string, newEmail: string, meta: RequestMeta = {}): Promise<string> {
    const user = await this.users.findById(userId);
    if (!user) return newEmail;
    const email = await this.users.checkNewEmail(userId, newEmail);
    if (email.toLowerCase() === user.email.toLowerCase()) throw new SameEmail();
    await this.mailLink(userId, email, user.displayName);
    this.notices.emailChangeRequested(user.email, email);
    await this.audit.record({
      type: 'email.change_requested',
      userId,
      ...meta,
      details: { new_email: email },
    });
    return email;
  }

  /** The link's address, when the link is still valid (the confirmation page names it). */
  async pending(token: string): Promise<string | null> {
    return (await this.tokens.peek('verify_email', token))?.email ?? null;
  }

  /** Follows the link: the address becomes the account's, verified. Single use. */
  async verify(token: string, meta: RequestMeta = {}): Promise<VerifyOutcome> {
    const target = await this.tokens.consume('verify_email', token);
    if (!target) return { outcome: 'invalid' };
    const before = await this.users.findById(target.userId);
    if (!before) return { outcome: 'invalid' };
    try {
      await this.users.confirmEmail(target.userId, target.email);
    } catch (error) {
      if (error instanceof EmailTaken) return { outcome: 'taken' };
      throw error;
    }
    const changed = before.email.toLowerCase() !== target.email.toLowerCase();
    if (changed) this.notices.emailChanged(before.email, target.email);
    await this.audit.record({
      type: 'email.verified',
      userId: target.userId,
      ...meta,
      details: changed ? { old_email: before.email, new_email: target.email } : {},
    });
    return { outcome: 'verified', userId: target.userId, email: target.email, changed };
  }

  private async mailLink(userId: string, email: string, name: string): Promise<void> {
    const ttl = this.config.emailVerificationTtl;
    const token = await this.tokens.issue(userId, 'verify_email', email, ttl);
    const link = `${this.config.issuer}/auth/verify-email?token=${token}`;
    this.mail.send(email, templates.verifyEmail(link, ttl, name));
  }
}
