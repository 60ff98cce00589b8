import { createHmac } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Not, Repository } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { Session } from './session.entity';

/** One live session as its owner sees it. `handle` names it in forms; it is not the cookie or its hash. */
export interface AccountSession {
  handle: string;
  createdAt: Date;
  lastSeenAt: Date;
  expiresAt: Date;
  ip: string | null;
  userAgent: string | null;
  current: boolean;
}

/**
 * A user's own sessions: list them, end one, end all but this browser's, end all (a new password).
 * The handle in forms is an HMAC of the row id under the pepper, so a page never shows the stored id.
 */
@Injectable()
export class AccountSessions {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectRepository(Session) private readonly sessions: Repository<Session>,
  ) {}

  async list(userId: string, currentIdHash?: string): Promise<AccountSession[]> {
    const rows = await this.sessions.find({
      where: { userId, expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC' },
    });
    return rows.map((s) => ({
      handle: this.handle(s.idHash),
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt ?? s.createdAt,
      expiresAt: s.expiresAt,
      ip: s.ip,
      userAgent: s.userAgent,
      current: s.idHash === currentIdHash,
    }));
  }

  /** Ends one of the user's sessions by its handle; false when it is not (or no longer) theirs. */
  async end(userId: string, handle: string): Promise<boolean> {
    const rows = await this.sessions.find({ select: { idHash: true }, where: { userId } });
    const target = rows.find((s) => this.handle(s.idHash) === handle);
    if (!target) return false;
    await this.sessions.delete({ idHash: target.idHash, userId });
    return true;
  }

  /** "Sign out everywhere else": every session of the user but `keepIdHash`. Returns how many ended. */
  async endOthers(userId: string, keepIdHash: string): Promise<number> {
    const { affected } = await this.sessions.delete({ userId, idHash: Not(keepIdHash) });
    return affected ?? 0;
  }

  async endAll(userId: string): Promise<number> {
    const { affected } = await this.sessions.delete({ userId });
    return affected ?? 0;
  }

  private handle(idHash: string): string {
    return createHmac('sha256', this.config.secrets.pepper)
      .update(`session-handle:${idHash}`)
      .digest('base64url')
      .slice(0, 22);
  }
}
