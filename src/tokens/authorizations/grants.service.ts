import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { AuditService, type AuditEventType } from '../../audit/audit.service';
import { NotFound } from '../../platform/errors/api-error';
import type { RequestMeta } from '../../platform/http/request-meta';
import { Grant } from './grant.entity';
import { RevocationService } from '../revocation/revocation.service';

export interface GrantView {
  id: string;
  userId: string;
  clientId: string;
  scopes: string[];
  createdAt: Date;
  updatedAt: Date;
}

function view(g: Grant): GrantView {
  return {
    id: g.id,
    userId: g.userId,
    clientId: g.clientId,
    scopes: [...g.scopes],
    createdAt: g.createdAt,
    updatedAt: g.updatedAt,
  };
}

/** Remembered consent per user×client, and the family id every token of that authorization carries. */
@Injectable()
export class GrantsService {
  constructor(
    @InjectRepository(Grant) private readonly grants: Repository<Grant>,
    private readonly revocation: RevocationService,
    private readonly audit: AuditService,
  ) {}

  async findActive(userId: string, clientId: string): Promise<GrantView | null> {
    const grant = await this.grants.findOne({
      where: { userId, clientId, revokedAt: IsNull() },
      order: { createdAt: 'DESC' },
    });
    return grant ? view(grant) : null;
  }

  /** Records consent: extends the active grant with the new scopes, or starts a new one. */
  async approve(userId: string, clientId: string, scopes: string[]): Promise<GrantView> {
    const existing = await this.grants.findOne({ where: { userId, clientId, revokedAt: IsNull() } });
    if (existing) {
      const merged = [...new Set([...existing.scopes, ...scopes])];
      if (merged.length !== existing.scopes.length) {
        existing.scopes = merged;
        await this.grants.save(existing);
      }
      return view(existing);
    }
    return view(await this.grants.save(this.grants.create({ userId, clientId, scopes })));
  }

  async isActive(grantId: string): Promise<boolean> {
    return this.grants.existsBy({ id: grantId, revokedAt: IsNull() });
  }

  /**
   * Revokes the whole family: codes, refresh tokens and (through the revocation feed) access tokens.
   * `why` is the audit event: a user's decision, or a detected replay.
   */
  async revoke(
    grantId: string,
    why: AuditEventType = 'consent.revoked',
    meta: RequestMeta = {},
  ): Promise<void> {
    const grant = await this.grants.findOneBy({ id: grantId });
    await this.revocation.revokeGrant(grantId);
    await this.audit.record({
      type: why,
      userId: grant?.userId,
      clientId: grant?.clientId,
      ...meta,
      details: { grant_id: grantId },
    });
  }

  async listForUser(userId: string): Promise<GrantView[]> {
    const rows = await this.grants.find({
      where: { userId, revokedAt: IsNull() },
      order: { updatedAt: 'DESC' },
    });
    return rows.map(view);
  }

  async revokeForUser(userId: string, grantId: string, meta: RequestMeta = {}): Promise<void> {
    const grant = await this.grants.findOneBy({ id: grantId, userId, revokedAt: IsNull() });
    if (!grant) throw new NotFound('authorization');
    await this.revoke(grant.id, 'consent.revoked', meta);
  }
}
