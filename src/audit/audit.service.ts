import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from '../platform/errors/database-unavailable';
import { randomToken } from '../platform/crypto/crypto.service';
import { countAuditedFailure } from '../platform/metrics/metrics';
import { AuditAnchor } from './audit-anchor.entity';
import { AuditEvent } from './audit-event.entity';
import {
  hashV1,
  hashV2,
  holdsPersonalData,
  personalDigest,
  PERSONAL_DETAIL_KEYS,
  type SealedFields,
} from './audit-hash';

/** How long queued audit events wait before the next write attempt while the database is down. */
const AUDIT_RETRY_MS = 2_000;

export type AuditEventType =
  | 'sign_in.succeeded'
  | 'sign_in.failed'
  | 'sign_up'
  | 'consent.granted'
  | 'consent.revoked'
  | 'token.issued'
  | 'refresh_token.reuse_detected'
  | 'authorization_code.reuse_detected'
  | 'client.created'
  | 'client.secret_rotated'
  | 'client.deleted'
  | 'api_key.created'
  | 'api_key.rolled'
  | 'api_key.revoked'
  | 'api_key.disabled'
  | 'api_key.enabled'
  | 'client.disabled'
  | 'client.enabled'
  | 'user.disabled'
  | 'user.enabled'
  | 'user.deleted'
  | 'signing_key.rotated'
  | 'email.verification_sent'
  | 'email.verified'
  | 'email.change_requested'
  | 'password.reset_requested'
  | 'password.reset'
  | 'password.changed'
  | 'profile.updated'
  | 'session.ended'
  | 'account.exported'
  | 'account.deleted'
  | 'upstream_identity.linked'
  | 'upstream_identity.unlinked';

interface AuditInput {
  type: AuditEventType;
  userId?: string | null;
  clientId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

export const GENESIS_HASH = '0'.repeat(64);
/** One advisory lock serialises appends, so every row links to exactly one predecessor. */
const CHAIN_LOCK = 0x11a0d17;

/**
 * The security audit log: an append-only hash chain. Editing or deleting a row breaks the chain, which
 * `npm run audit:verify` detects. Pass the EntityManager of an open transaction to record an event in
 * the same transaction as the change it describes.
 */
@Injectable()
export class AuditService implements OnModuleDestroy {
  private readonly logger = new Logger('Audit');
  private queue: AuditInput[] = [];
  private flushing: Promise<void> | undefined;
  private closing = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records one event now; with `manager`, inside that (open) transaction. */
  async record(input: AuditInput, manager?: EntityManager): Promise<void> {
    countAuditedFailure(input.type);
    if (manager) return this.append(manager, [input]);
    await this.dataSource.transaction((m) => this.append(m, [input]));
  }

  /**
   * For high-volume events with no transaction of their own (token issued): queued and written in
   * batches, one chain lock per batch, so the token endpoint never waits on the audit log. A failed
   * batch is logged, never thrown at a user.
   */
  recordSoon(input: AuditInput): void {
    this.queue.push(input);
    if (!this.flushing) {
      this.flushing = new Promise<void>((resolve) => setTimeout(resolve, 20)).then(() => this.flush());
    }
  }

  /**
   * Writes everything queued so far (tests and shutdown call it to make the log complete). While the
   * database is unreachable a batch goes back to the head of the queue, in order, and is retried every
   * AUDIT_RETRY_MS: an outage delays audit events, it does not drop them. Other failures (a bug) are logged.
   */
  async flush(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, 500);
      try {
        await this.dataSource.transaction((m) => this.append(m, batch));
      } catch (error: unknown) {
        if (isDatabaseUnavailable(error) && !this.closing) {
          this.queue.unshift(...batch);
          this.logger.warn({ events: this.queue.length }, 'audit write deferred: database unavailable');
          this.flushing = new Promise<void>((resolve) => setTimeout(resolve, AUDIT_RETRY_MS).unref()).then(
            () => this.flush(),
          );
          return;
        }
        this.logger.error({ err: error, events: batch.length }, 'audit write failed');
      }
    }
    this.flushing = undefined;
  }

  async onModuleDestroy(): Promise<void> {
    // One last attempt, no more retries: a shutdown during an outage must not hang.
    this.closing = true;
    await this.flushing;
    await this.flush();
  }

  private async append(m: EntityManager, inputs: AuditInput[]): Promise<void> {
    await m.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
    const last = await m.getRepository(AuditEvent).find({ order: { seq: 'DESC' }, take: 1 });
    let seq = last[0] ? BigInt(last[0].seq) : 0n;
    let prevHash = last[0]?.hash ?? GENESIS_HASH;
    const rows: unknown[][] = [];
    for (const input of inputs) {
      seq++;
      const event: SealedFields = {
        seq: String(seq),
        occurredAt: new Date(),
        type: input.type,
        userId: input.userId ?? null,
        clientId: input.clientId ?? null,
        ip: input.ip?.slice(0, 64) ?? null,
        userAgent: input.userAgent?.slice(0, 300) ?? null,
        details: input.details ?? {},
        prevHash,
      };
      // Personal fields are sealed through a nonce-keyed digest, so erasing them keeps the chain intact.
      const nonce = randomToken();
      const digest = personalDigest(event, nonce);
      prevHash = hashV2(event, digest);
      rows.push([
        event.seq,
        event.occurredAt,
        event.type,
        event.userId,
        event.clientId,
        event.ip,
        event.userAgent,
        JSON.stringify(event.details),
        event.prevHash,
        prevHash,
        nonce,
        digest,
      ]);
    }
    const placeholders = rows.map(
      (_, r) => `(${Array.from({ length: 12 }, (_, c) => `$${r * 12 + c + 1}`).join(', ')})`,
    );
    await m.query(
      `INSERT INTO "audit_events" ("seq", "occurred_at", "type", "user_id", "client_id", "ip", "user_agent", "details", "prev_hash", "hash", "pii_nonce", "pii_digest")
       VALUES ${placeholders.join(', ')}`,
      rows.flat(),
    );
  }

  /**
   * Erasure (GDPR art. 17) of a person's data in the log: the IP, user agent and email of every event
   * about the user, or naming their email, are removed with the nonce that keyed their digest. The events
   * stay (what happened, when, to which account id) and the chain still verifies. Rows sealed before
   * personal data was sealed apart cannot be erased without breaking the chain and are left as they are.
   */
  async erasePersonalData(userId: string, email: string, manager?: EntityManager): Promise<number> {
    const run = async (m: EntityManager): Promise<number> => {
      // The chain lock: no append interleaves (appends read the last row's hash, not these columns).
      await m.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const emailKeys = PERSONAL_DETAIL_KEYS.map((k) => `lower("details"->>'${k}') = lower($2)`).join(' OR ');
      const stripped = PERSONAL_DETAIL_KEYS.reduce((sql, k) => `${sql} - '${k}'`, '"details"');
      const result: [unknown[], number] = await m.query(
        `UPDATE "audit_events"
            SET "ip" = NULL, "user_agent" = NULL, "details" = ${stripped}, "pii_nonce" = NULL
          WHERE "pii_digest" IS NOT NULL AND ("user_id" = $1 OR ${emailKeys})`,
        [userId, email],
      );
      return result[1];
    };
    return manager ? run(manager) : this.dataSource.transaction(run);
  }

  async recentForUser(userId: string, limit = 50): Promise<AuditEvent[]> {
    return this.dataSource
      .getRepository(AuditEvent)
      .find({ where: { userId }, order: { seq: 'DESC' }, take: limit });
  }

  /**
   * Walks the chain in order; returns the first broken link (edited, deleted or reordered rows). After
   * retention pruned the oldest events, the walk starts from the anchor (the last pruned event's seq
   * and hash). Without `manager`, one REPEATABLE READ snapshot, so a prune running meanwhile is unseen.
   */
  async verify(
    manager?: EntityManager,
  ): Promise<{ ok: true; events: number } | { ok: false; events: number; brokenAt: string; reason: string }> {
    if (!manager) return this.dataSource.transaction('REPEATABLE READ', (m) => this.verify(m));
    const repo = manager.getRepository(AuditEvent);
    const anchor = await manager.getRepository(AuditAnchor).findOneBy({ id: 1 });
    let prevHash = anchor?.hash ?? GENESIS_HASH;
    let expectedSeq = anchor ? BigInt(anchor.seq) + 1n : 1n;
    let count = 0;
    for (let offset = 0; ; offset += 1000) {
      const batch = await repo.find({ order: { seq: 'ASC' }, skip: offset, take: 1000 });
      for (const e of batch) {
        count++;
        if (BigInt(e.seq) !== expectedSeq) {
          return { ok: false, events: count, brokenAt: e.seq, reason: `row ${expectedSeq} is missing` };
        }
        if (e.prevHash !== prevHash) {
          return {
            ok: false,
            events: count,
            brokenAt: e.seq,
            reason: 'prev_hash does not link to the previous row',
          };
        }
        const problem = sealProblem(e);
        if (problem) return { ok: false, events: count, brokenAt: e.seq, reason: problem };
        prevHash = e.hash;
        expectedSeq++;
      }
      if (batch.length < 1000) return { ok: true, events: count };
    }
  }
}

/** Why a row does not match its seal, or undefined when it does. */
function sealProblem(e: AuditEvent): string | undefined {
  if (e.piiDigest === null) return hashV1(e) === e.hash ? undefined : 'row content does not match its hash';
  if (e.piiNonce !== null && personalDigest(e, e.piiNonce) !== e.piiDigest) {
    return 'personal data does not match its digest';
  }
  if (e.piiNonce === null && holdsPersonalData(e)) return 'an erased row holds personal data again';
  return hashV2(e, e.piiDigest) === e.hash ? undefined : 'row content does not match its hash';
}
