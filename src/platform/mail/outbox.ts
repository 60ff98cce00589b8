import { Injectable } from '@nestjs/common';

/** One mail as the dev outbox shows it. */
export interface OutboxEntry {
  id: number;
  at: Date;
  to: string;
  subject: string;
  text: string;
  link?: string;
}

const KEPT = 50;

/**
 * Development only: the last mails sent, in memory, for the /console/dev/outbox page, so a newcomer on the
 * embedded default (no SMTP) can follow a verification or reset link. Never filled in production.
 */
@Injectable()
export class DevOutbox {
  private entries: OutboxEntry[] = [];
  private next = 1;

  add(entry: Omit<OutboxEntry, 'id' | 'at'>): void {
    this.entries.unshift({ ...entry, id: this.next++, at: new Date() });
    this.entries.length = Math.min(this.entries.length, KEPT);
  }

  list(): readonly OutboxEntry[] {
    return this.entries;
  }
}
