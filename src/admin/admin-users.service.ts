import { Injectable } from '@nestjs/common';

import { ApiKeysService } from '../api-keys/api-keys.service';
import { type AuditEventType, AuditService } from '../audit/audit.service';
import { ClientsService } from '../clients/clients.service';
import { NotFound } from '../platform/errors/api-error';
import type { RequestMeta } from '../platform/http/request-meta';
import { SessionsService } from '../sessions/sessions.service';
import { AuthorizationsService } from '../tokens/authorizations/authorizations.service';
import { UsersService, type UserView } from '../users/users.service';

/**
 * What an operator does to an account spans modules: the account (users), where it is signed in
 * (sessions), what it authorized (authorizations: codes, refresh and access tokens) and its API keys.
 * Each module keeps its own table; this service only calls their services in order.
 */
@Injectable()
export class AdminUsersService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly authorizations: AuthorizationsService,
    private readonly apiKeys: ApiKeysService,
    private readonly clients: ClientsService,
    private readonly audit: AuditService,
  ) {}

  /** Disabled: no sign-in, every session ended, every authorization and API key revoked at once. */
  async disable(id: string, actor: RequestMeta & { clientId?: string }): Promise<UserView> {
    const user = await this.users.setDisabled(id, true);
    if (!user) throw new NotFound('user');
    await this.cutOff(id, actor);
    await this.record('user.disabled', id, actor);
    return user;
  }

  /** Enabled again: the person can sign in; what disabling revoked stays revoked. */
  async enable(id: string, actor: RequestMeta & { clientId?: string }): Promise<UserView> {
    const user = await this.users.setDisabled(id, false);
    if (!user) throw new NotFound('user');
    await this.record('user.enabled', id, actor);
    return user;
  }

  /**
   * Deleted: cut off first (revocations reach every instance before the rows go), the user's own apps
   * deleted, then the account row, whose foreign keys take projects, keys, sessions and authorizations.
   */
  async delete(id: string, actor: RequestMeta & { clientId?: string }): Promise<void> {
    const user = await this.users.findById(id);
    if (!user) throw new NotFound('user');
    await this.cutOff(id, actor);
    await this.clients.deleteAllOwnedBy(id);
    if (!(await this.users.delete(id))) throw new NotFound('user');
    // The person's email, IPs and browsers leave the audit log too (the operator's own stay).
    await this.audit.erasePersonalData(id, user.email);
    await this.record('user.deleted', id, actor);
  }

  private async cutOff(userId: string, actor: RequestMeta): Promise<void> {
    await this.sessions.endAllForUser(userId);
    for (const authorization of await this.authorizations.listForUser(userId)) {
      await this.authorizations.revoke(authorization.id, 'consent.revoked', {
        ip: actor.ip,
        userAgent: actor.userAgent,
      });
    }
    await this.apiKeys.revokeAllForUser(userId);
  }

  private async record(
    type: AuditEventType,
    userId: string,
    actor: RequestMeta & { clientId?: string },
  ): Promise<void> {
    await this.audit.record({
      type,
      userId,
      clientId: actor.clientId,
      ip: actor.ip,
      userAgent: actor.userAgent,
    });
  }
}
