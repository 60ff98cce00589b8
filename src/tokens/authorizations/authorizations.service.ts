import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';

import { type AuditEventType, AuditService } from '../../audit/audit.service';
import { NotFound } from '../../platform/errors/api-error';
import type { RequestMeta } from '../../platform/http/request-meta';
import { RevocationService } from '../revocation/revocation.service';
import { Authorization } from './authorization.entity';

interface AuthorizationView {
  id: string;
  userId: string;
  clientId: string;
  scopes: string[];
  createdAt: Date;
  updatedAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function view(a: Authorization): AuthorizationView {
  return {
    id: a.id,
    userId: a.userId,
    clientId: a.clientId,
    scopes: [...a.scopes],
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
  };
}

/**
 * Remembered consent per user×client, and the family id every token of that authorization carries (the
 * `grant_id` claim). The only writer of the `authorizations` table: revocation goes through here, and the
 * deny list is only told to publish it.
 */
@Injectable()
export class AuthorizationsService {
  constructor(
    @InjectRepository(Authorization) private readonly authorizations: Repository<Authorization>,
    private readonly revocation: RevocationService,
    private readonly audit: AuditService,
  ) {}

  async findActive(userId: string, clientId: string): Promise<AuthorizationView | null> {
    const found = await this.authorizations.findOne({
      where: { userId, clientId, revokedAt: IsNull() },
      order: { createdAt: 'DESC' },
    });
    return found ? view(found) : null;
  }

  /** Records consent: extends the active authorization with the new scopes, or starts a new one. */
  async approve(userId: string, clientId: string, scopes: string[]): Promise<AuthorizationView> {
    const existing = await this.authorizations.findOne({ where: { userId, clientId, revokedAt: IsNull() } });
    if (existing) {
      const merged = [...new Set([...existing.scopes, ...scopes])];
      if (merged.length !== existing.scopes.length) {
        existing.scopes = merged;
        await this.authorizations.save(existing);
      }
      return view(existing);
    }
    return view(await this.authorizations.save(this.authorizations.create({ userId, clientId, scopes })));
  }

  async isActive(authorizationId: string): Promise<boolean> {
    return this.authorizations.existsBy({ id: authorizationId, revokedAt: IsNull() });
  }

  /**
   * Revokes the whole family: codes and refresh tokens (their services check `isActive`) and, through the
   * deny list, access tokens. `why` is the audit event: a user's decision, or a detected replay.
   */
  async revoke(
    authorizationId: string,
    why: AuditEventType = 'consent.revoked',
    meta: RequestMeta = {},
  ): Promise<void> {
    // Not an id we could have issued: no token carries it, so there is nothing to revoke.
    if (!UUID.test(authorizationId)) return;
    const id = authorizationId.toLowerCase();
    const found = await this.authorizations.findOneBy({ id });
    await this.authorizations.update({ id, revokedAt: IsNull() }, { revokedAt: () => 'now()' });
    await this.revocation.denyAuthorization(id);
    await this.audit.record({
      type: why,
      userId: found?.userId,
      clientId: found?.clientId,
      ...meta,
      details: { grant_id: id },
    });
  }

  async listForUser(userId: string): Promise<AuthorizationView[]> {
    const rows = await this.authorizations.find({
      where: { userId, revokedAt: IsNull() },
      order: { updatedAt: 'DESC' },
    });
    return rows.map(view);
  }

  async revokeForUser(userId: string, authorizationId: string, meta: RequestMeta = {}): Promise<void> {
    const found = await this.authorizations.findOneBy({ id: authorizationId, userId, revokedAt: IsNull() });
    if (!found) throw new NotFound('authorization');
    await this.revoke(found.id, 'consent.revoked', meta);
  }
}
