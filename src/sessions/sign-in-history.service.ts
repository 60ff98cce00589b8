import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { MoreThan, Repository } from 'typeorm';

import { Session } from './session.entity';

/** One sign-in, as the account's owner may see it. */
export interface SignInRecord {
  at: Date;
  ip: string | null;
  userAgent: string | null;
  /** The session asking: "this browser". */
  current: boolean;
  expiresAt: Date;
}

const SHOWN = 20;

/**
 * Recent sign-ins of an account, for its owner's security page. Each session row is one sign-in, with
 * the IP and user agent it started from; only sessions still alive are listed (an ended one is deleted).
 * Read-only: the history never changes a session.
 */
@Injectable()
export class SignInHistory {
  constructor(@InjectRepository(Session) private readonly sessions: Repository<Session>) {}

  async recent(userId: string, currentSessionId: string): Promise<SignInRecord[]> {
    const rows = await this.sessions.find({
      where: { userId, expiresAt: MoreThan(new Date()) },
      order: { createdAt: 'DESC' },
      take: SHOWN,
    });
    return rows.map((s) => ({
      at: s.createdAt,
      ip: s.ip,
      userAgent: s.userAgent,
      current: s.idHash === currentSessionId,
      expiresAt: s.expiresAt,
    }));
  }
}
