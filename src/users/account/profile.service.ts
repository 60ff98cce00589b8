import { Injectable } from '@nestjs/common';

import { AuditService } from '../../audit/audit.service';
import type { RequestMeta } from '../../platform/http/request-meta';
import { AccountSessions } from '../../sessions/account-sessions.service';
import { AccountTokensService } from '../account-tokens.service';
import { SecurityNotices } from '../security-notices.service';
import { UsersService, type UserView } from '../users.service';
import { WrongPassword } from './account.errors';
import { EmailVerification } from './email-verification.service';

/** A user's own changes to their account: name, email (through verification), password. */
@Injectable()
export class Profile {
  constructor(
    private readonly users: UsersService,
    private readonly verification: EmailVerification,
    private readonly sessions: AccountSessions,
    private readonly tokens: AccountTokensService,
    private readonly notices: SecurityNotices,
    private readonly audit: AuditService,
  ) {}

  async rename(userId: string, name: string, meta: RequestMeta = {}): Promise<UserView | null> {
    const user = await this.users.updateProfile(userId, { displayName: name });
    if (user) {
      await this.audit.record({ type: 'profile.updated', userId, ...meta, details: { fields: ['name'] } });
    }
    return user;
  }

  /** The new address gets a link; the account keeps its address until the link is followed. */
  async changeEmail(userId: string, email: string, meta: RequestMeta = {}): Promise<string> {
    return this.verification.requestChange(userId, email, meta);
  }

  /**
   * Needs the current password (a session left open must not be enough). Every other session ends;
   * `keepSessionIdHash` is the browser making the change, which stays signed in.
   */
  async changePassword(
    userId: string,
    current: string,
    next: string,
    keepSessionIdHash: string | undefined,
    meta: RequestMeta = {},
  ): Promise<void> {
    if (!(await this.users.verifyPassword(userId, current))) throw new WrongPassword();
    await this.users.setPassword(userId, next);
    if (keepSessionIdHash) await this.sessions.endOthers(userId, keepSessionIdHash);
    else await this.sessions.endAll(userId);
    await this.tokens.revokeAll(userId, 'reset_password');
    await this.audit.record({ type: 'password.changed', userId, ...meta });
    const user = await this.users.findById(userId);
    if (user) this.notices.passwordChanged(user.email, 'changed');
  }
}
