import { Injectable } from '@nestjs/common';

import { AuditService } from '../../audit/audit.service';
import { Conflict, NotFound } from '../../platform/errors/api-error';
import type { RequestMeta } from '../../platform/http/request-meta';
import { UsersService } from '../../users/users.service';
import { IdentityProvidersService } from './identity-providers.service';

export interface LinkedSignIn {
  id: string;
  providerName: string;
  providerSlug: string;
  email: string | null;
  linkedAt: Date;
  lastUsedAt: Date | null;
}

export interface LinkedSignInsView {
  linked: LinkedSignIn[];
  /** Enabled providers this account is not linked to yet. */
  available: { slug: string; name: string }[];
  hasPassword: boolean;
}

/** The console's "Linked sign-ins": what is linked, what could be, and unlinking (never the last way in). */
@Injectable()
export class LinkedSignIns {
  constructor(
    private readonly providers: IdentityProvidersService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async view(userId: string): Promise<LinkedSignInsView> {
    const [providers, identities, hasPassword] = await Promise.all([
      this.providers.list(),
      this.providers.identitiesOf(userId),
      this.users.hasPassword(userId),
    ]);
    const byId = new Map(providers.map((p) => [p.id, p]));
    const linkedIds = new Set(identities.map((i) => i.providerId));
    return {
      linked: identities.map((i) => ({
        id: i.id,
        providerName: byId.get(i.providerId)?.name ?? 'Removed provider',
        providerSlug: byId.get(i.providerId)?.slug ?? '',
        email: i.email,
        linkedAt: i.createdAt,
        lastUsedAt: i.lastUsedAt,
      })),
      available: providers
        .filter((p) => p.enabled && !linkedIds.has(p.id))
        .map((p) => ({ slug: p.slug, name: p.name })),
      hasPassword,
    };
  }

  async unlink(userId: string, identityId: string, meta: RequestMeta): Promise<void> {
    const { linked, hasPassword } = await this.view(userId);
    const target = linked.find((l) => l.id === identityId);
    if (!target) throw new NotFound('linked sign-in');
    // Never the last way in: without a password, one linked provider must remain.
    if (!hasPassword && linked.length <= 1) {
      throw new Conflict(
        'this is your only way to sign in: set a password (Forgot password) or link another provider first',
      );
    }
    await this.providers.unlink(userId, identityId);
    await this.audit.record({
      type: 'upstream_identity.unlinked',
      userId,
      ...meta,
      details: { provider: target.providerSlug },
    });
  }
}
