import { Injectable } from '@nestjs/common';

import { ApiKeysService } from '../../api-keys/api-keys.service';
import { AuditService } from '../../audit/audit.service';
import { ClientsService } from '../../clients/clients.service';
import { AccountSessions } from '../../sessions/account-sessions.service';
import { AuthorizationsService } from '../../tokens/authorizations/authorizations.service';
import { SecurityNotices } from '../security-notices.service';
import { UsersService } from '../users.service';
import { WrongPassword } from './account.errors';

/**
 * Erasure (GDPR art. 17). Everything whose credential a cache or another instance may still hold is
 * revoked first, through the paths that tell every instance at once: authorizations through the
 * revocation feed (access tokens carrying their grant_id are refused from that moment; codes and refresh
 * tokens die with the authorization), API keys and apps through their cache invalidation (an app's own
 * tokens die with it). Then the account row goes, and with it (foreign keys cascade) sessions, keys, apps,
 * authorizations, projects and pending links. The audit log keeps the events, without personal data.
 */
@Injectable()
export class AccountDeletion {
  constructor(
    private readonly users: UsersService,
    private readonly authorizations: AuthorizationsService,
    private readonly clients: ClientsService,
    private readonly apiKeys: ApiKeysService,
    private readonly sessions: AccountSessions,
    private readonly notices: SecurityNotices,
    private readonly audit: AuditService,
  ) {}

  /** Re-enter the password to delete; WrongPassword otherwise (nothing changed). */
  async delete(userId: string, password: string): Promise<void> {
    if (!(await this.users.verifyPassword(userId, password))) throw new WrongPassword('password');
    const user = await this.users.findById(userId);
    if (!user) return;
    for (const a of await this.authorizations.listForUser(userId)) await this.authorizations.revoke(a.id);
    await this.clients.deleteAllOwnedBy(userId);
    await this.apiKeys.revokeAllForUser(userId);
    await this.sessions.endAll(userId);
    await this.users.delete(userId);
    await this.audit.record({ type: 'account.deleted', userId });
    // Last: the events written above carry the request's IP too, and must lose it with the rest.
    await this.audit.erasePersonalData(userId, user.email);
    this.notices.accountDeleted(user.email);
  }
}
