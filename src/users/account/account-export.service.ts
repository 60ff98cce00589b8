import { Injectable } from '@nestjs/common';

import { ApiKeysService } from '../../api-keys/api-keys.service';
import { AuditService } from '../../audit/audit.service';
import { ClientsService } from '../../clients/clients.service';
import type { RequestMeta } from '../../platform/http/request-meta';
import { ProjectsService, type ProjectView } from '../../projects/projects.service';
import { AccountSessions } from '../../sessions/account-sessions.service';
import { AuthorizationsService } from '../../tokens/authorizations/authorizations.service';
import { UsersService } from '../users.service';

const iso = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
const AUDIT_EVENTS_EXPORTED = 10_000;

/**
 * "Download my data" (GDPR art. 20): everything the account holds, as JSON. Metadata only, never a
 * secret: no password hash, no API key or its hash, no client secret, no session id.
 */
@Injectable()
export class AccountExport {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: AccountSessions,
    private readonly clients: ClientsService,
    private readonly apiKeys: ApiKeysService,
    private readonly authorizations: AuthorizationsService,
    private readonly projects: ProjectsService,
    private readonly audit: AuditService,
  ) {}

  async export(
    userId: string,
    currentSessionId?: string,
    meta: RequestMeta = {},
  ): Promise<Record<string, unknown> | null> {
    const user = await this.users.findById(userId);
    if (!user) return null;
    const [sessions, apps, keys, authorizations, projects, events] = await Promise.all([
      this.sessions.list(userId, currentSessionId),
      this.clients.listOwned(userId),
      this.apiKeys.list(userId),
      this.authorizations.listForUser(userId),
      this.allProjects(userId),
      this.audit.recentForUser(userId, AUDIT_EVENTS_EXPORTED),
    ]);
    await this.audit.record({ type: 'account.exported', userId, ...meta });
    return {
      exported_at: new Date().toISOString(),
      profile: {
        id: user.id,
        email: user.email,
        email_verified: user.emailVerified,
        name: user.displayName,
        created_at: iso(user.createdAt),
      },
      sessions: sessions.map((s) => ({
        created_at: iso(s.createdAt),
        last_seen_at: iso(s.lastSeenAt),
        expires_at: iso(s.expiresAt),
        ip: s.ip,
        user_agent: s.userAgent,
        current: s.current,
      })),
      apps: apps.map((c) => ({
        id: c.id,
        client_id: c.clientId,
        name: c.name,
        type: c.type,
        redirect_uris: c.redirectUris,
        grant_types: c.grantTypes,
        scopes: c.scopes,
        created_at: iso(c.createdAt),
      })),
      api_keys: keys.map((k) => ({
        id: k.id,
        name: k.name,
        prefix: k.prefix,
        scopes: k.scopes,
        created_at: iso(k.createdAt),
        last_used_at: iso(k.lastUsedAt),
        expires_at: iso(k.expiresAt),
      })),
      authorizations: authorizations.map((a) => ({
        id: a.id,
        client_id: a.clientId,
        scopes: a.scopes,
        created_at: iso(a.createdAt),
        updated_at: iso(a.updatedAt),
      })),
      projects: projects.map((p) => ({
        id: p.id,
        name: p.name,
        description: p.description,
        created_at: iso(p.createdAt),
        updated_at: iso(p.updatedAt),
      })),
      audit_events: events.reverse().map((e) => ({
        seq: e.seq,
        at: iso(e.occurredAt),
        type: e.type,
        client_id: e.clientId,
        ip: e.ip,
        user_agent: e.userAgent,
        details: e.details,
      })),
    };
  }

  private async allProjects(userId: string): Promise<ProjectView[]> {
    const all: ProjectView[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.projects.list({ kind: 'owner', userId }, { limit: 100, cursor });
      all.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    return all;
  }
}
