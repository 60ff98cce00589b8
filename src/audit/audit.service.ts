import { createHash } from 'node:crypto';

import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { escapeLiteral, type PoolClient } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';

import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { randomToken } from '../platform/crypto/crypto.service';
import { DatabaseUnavailable, isDatabaseUnavailable } from '../platform/errors/database-unavailable';
import { countAuditedFailure } from '../platform/metrics/metrics';
import { AuditAnchor } from './audit-anchor.entity';
import { AuditEvent } from './audit-event.entity';
import {
  hashV1,
  hashV2,
  holdsPersonalData,
  PERSONAL_DETAIL_KEYS,
  personalDigest,
  type SealedFields,
} from './audit-hash';
import { AuditSpool } from './audit-spool';

/** How long spooled audit events wait before the next delivery attempt while the database is down. */
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
  | 'mfa.totp_enabled'
  | 'mfa.totp_disabled'
  | 'mfa.recovery_codes_regenerated'
  | 'mfa.recovery_code_used'
  | 'mfa.passkey_added'
  | 'mfa.passkey_removed'
  | 'upstream_identity.linked'
  | 'upstream_identity.unlinked';

/** Most events per group commit: bounds one INSERT's parameters (EVENT_COLUMNS each, of PostgreSQL's 65 535). */
const MAX_BATCH = 500;

interface Pending {
  input: AuditInput;
  resolve: () => void;
  reject: (error: unknown) => void;
}

interface AuditInput {
  type: AuditEventType;
  userId?: string | null;
  clientId?: string | null;
  ip?: string | null;
  userAgent?: string | null;
  details?: Record<string, unknown>;
}

/** Names the database a spool belongs to, without writing its URL (it may hold a password) to disk. */
function databaseTag(config: AppConfig): string {
  return createHash('sha256')
    .update(config.databaseUrl ?? `embedded:${config.dataDir}`)
    .digest('hex')
    .slice(0, 12);
}

export const GENESIS_HASH = '0'.repeat(64);
/** One advisory lock serialises appends, so every row links to exactly one predecessor. */
const CHAIN_LOCK = 0x11a0d17;

const CHAIN_HEAD = 'SELECT "seq", "hash" FROM "audit_events" ORDER BY "seq" DESC LIMIT 1';

interface ChainHead {
  seq: string;
  hash: string;
}

/** One row's values, in EVENT_COLUMNS order. */
type SealedRow = (string | Date | null)[];

/** The rows of `inputs` behind the chain head `last` (none: the genesis), each sealed to its predecessor. */
function sealedRows(last: ChainHead | undefined, inputs: AuditInput[]): SealedRow[] {
  let seq = last ? BigInt(last.seq) : 0n;
  let prevHash = last?.hash ?? GENESIS_HASH;
  const rows: SealedRow[] = [];
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
  return rows;
}

/**
 * The columns every append writes, in the order of `sealedRows`' values, with the type each literal is cast to
 * (the guarded INSERT selects from VALUES, which has no target types).
 */
const EVENT_COLUMNS = [
  ['seq', 'bigint'],
  ['occurred_at', 'timestamptz'],
  ['type', 'text'],
  ['user_id', 'uuid'],
  ['client_id', 'text'],
  ['ip', 'text'],
  ['user_agent', 'text'],
  ['details', 'jsonb'],
  ['prev_hash', 'text'],
  ['hash', 'text'],
  ['pii_nonce', 'text'],
  ['pii_digest', 'text'],
] as const;
const COLUMN_LIST = `(${EVENT_COLUMNS.map(([name]) => `"${name}"`).join(', ')})`;
const INSERT_EVENTS = `INSERT INTO "audit_events" ${COLUMN_LIST} VALUES`;
const SEQ = EVENT_COLUMNS.findIndex(([name]) => name === 'seq');
const HASH = EVENT_COLUMNS.findIndex(([name]) => name === 'hash');

/** The INSERT of `inputs` with bind parameters. */
function sealed(last: ChainHead | undefined, inputs: AuditInput[]): { sql: string; params: unknown[] } {
  const rows = sealedRows(last, inputs);
  const placeholders = rows.map(
    (_, r) => `(${EVENT_COLUMNS.map((_, c) => `$${r * EVENT_COLUMNS.length + c + 1}`).join(', ')})`,
  );
  return { sql: `${INSERT_EVENTS} ${placeholders.join(', ')}`, params: rows.flat() };
}

/**
 * The INSERT of sealed rows and the COMMIT as one simple-protocol query (it takes no bind parameters), so
 * a group commit's last round trip ends it. Every value is a literal quoted by pg's `escapeLiteral` (standard
 * conforming strings: quotes doubled, backslashes in an E'' literal) with its column's cast, or a typed NULL.
 *
 * With `expectedHead`, the query also opens the transaction and takes the chain lock, and inserts only if the
 * chain's head (read after the lock, so it sees the previous holder's commit) is still that row: the whole
 * group commit in one round trip. Another writer having appended meanwhile inserts nothing (the transaction
 * commits empty) and the caller seals the events again behind the head it reads.
 */
function insertAndCommit(rows: SealedRow[], expectedHead?: ChainHead): string {
  const literal = (v: string | Date | null, column: number) =>
    `${v === null ? 'NULL' : escapeLiteral(v instanceof Date ? v.toISOString() : v)}::${EVENT_COLUMNS[column][1]}`;
  const values = rows.map((row) => `(${row.map(literal).join(', ')})`).join(', ');
  if (!expectedHead) return `${INSERT_EVENTS} ${values}; COMMIT`;
  return (
    `BEGIN; SELECT pg_advisory_xact_lock(${CHAIN_LOCK}); ` +
    `INSERT INTO "audit_events" ${COLUMN_LIST} SELECT * FROM (VALUES ${values}) AS "v" ` +
    `WHERE (SELECT "hash" FROM "audit_events" ORDER BY "seq" DESC LIMIT 1) = ${escapeLiteral(expectedHead.hash)}; COMMIT`
  );
}

/** The chain's head once `rows` are appended. */
function headAfter(rows: SealedRow[]): ChainHead {
  const last = rows[rows.length - 1];
  return { seq: last[SEQ] as string, hash: last[HASH] as string };
}

/**
 * The security audit log: an append-only hash chain. Editing or deleting a row breaks the chain, which
 * `npm run audit:verify` detects. Pass the EntityManager of an open transaction to record an event in
 * the same transaction as the change it describes.
 */
@Injectable()
export class AuditService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Audit');
  /** Events waiting for the next group commit, each with its caller's promise. */
  private pending: Pending[] = [];
  /** The running commit loop, while there is one. */
  private committing: Promise<void> | undefined;
  private closing = false;
  /**
   * Events the database could not take, on disk (AUDIT_SPOOL_DIR). While it holds any, new batched events
   * go there too, behind them, so the chain receives them in the order they happened.
   */
  private readonly spool: AuditSpool<AuditInput> | undefined;
  private spooling = false;
  private retry: NodeJS.Timeout | undefined;
  /**
   * The chain's head as this process's last group commit left it; undefined when unknown (none yet, a
   * failure). Only a hint: the one-round-trip commit checks it against the table under the chain lock.
   */
  private head: ChainHead | undefined;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    // Optional: unit specs build the service from a DataSource alone (no spool: in memory only).
    @Optional() @Inject(APP_CONFIG) config?: AppConfig,
  ) {
    this.spool = config
      ? new AuditSpool<AuditInput>(config.operations.audit.spoolDir, databaseTag(config), (file) =>
          this.logger.warn({ file }, 'audit spool: skipped a line torn by a crash'),
        )
      : undefined;
  }

  /** Events spooled by an earlier process (a crash during an outage) are delivered first. */
  onModuleInit(): void {
    if (this.spool && !this.spool.isEmpty()) {
      this.spooling = true;
      this.logger.warn('audit spool holds events from an earlier run: delivering them');
      this.scheduleDrain(0);
    }
  }

  /** Records one event now; with `manager`, inside that (open) transaction. */
  async record(input: AuditInput, manager?: EntityManager): Promise<void> {
    countAuditedFailure(input.type);
    if (manager) return this.append(manager, [input]);
    await this.dataSource.transaction((m) => this.append(m, [input]));
  }

  /**
   * Group commit for high-volume events with no transaction of their own (token issued): resolves once
   * the event is durable — committed to the chain, or, while the database is unreachable, fsync'd to the
   * local spool — so a token is never answered with its audit event still in memory. Events of concurrent
   * requests share one transaction (one chain lock, one INSERT); a batch starts as soon as the previous one
   * committed, and whatever arrived meanwhile forms the next. Rejects when neither the database nor the
   * spool took the event (the request then fails: an unaudited token is not handed out).
   */
  recordDurable(input: AuditInput): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ input, resolve, reject });
      // setImmediate, not now: requests parsed in the same event-loop turn join the first batch too.
      this.committing ??= new Promise<void>((start) => setImmediate(start)).then(() => this.commitLoop());
    });
  }

  /** Waits until every event recorded so far is durable (tests and shutdown call it). */
  async flush(): Promise<void> {
    while (this.committing) await this.committing;
  }

  private async commitLoop(): Promise<void> {
    try {
      while (this.pending.length) {
        const batch = this.pending.splice(0, MAX_BATCH);
        await this.commitBatch(batch);
      }
    } finally {
      // Reset in the same turn as the emptiness check: a later event starts a new loop, never waits on none.
      this.committing = undefined;
    }
  }

  /**
   * One batch: to the chain in one transaction, or to the spool when the database is unreachable (and from
   * then on until the spool is delivered, so the chain receives events in the order they happened).
   */
  private async commitBatch(batch: Pending[]): Promise<void> {
    const inputs = batch.map((p) => p.input);
    if (!this.spooling) {
      try {
        await this.appendGroup(inputs);
        for (const p of batch) p.resolve();
        return;
      } catch (error: unknown) {
        if (!isDatabaseUnavailable(error)) {
          // A bug or one malformed event: retried one by one, so it fails only its own request.
          if (batch.length > 1) {
            for (const p of batch) await this.commitBatch([p]);
          } else {
            this.logger.error({ err: error }, 'audit write failed');
            batch[0].reject(error);
          }
          return;
        }
        if (!this.toSpool(inputs)) {
          this.logger.error({ events: batch.length }, 'audit write refused: database and spool unavailable');
          for (const p of batch) p.reject(error);
          return;
        }
        this.spooling = true;
        this.logger.warn({ events: batch.length }, 'audit write deferred to the spool: database unavailable');
        this.scheduleDrain(AUDIT_RETRY_MS);
        for (const p of batch) p.resolve();
        return;
      }
    }
    if (this.toSpool(inputs)) {
      for (const p of batch) p.resolve();
      return;
    }
    this.logger.error({ events: batch.length }, 'audit write refused: database and spool unavailable');
    for (const p of batch) p.reject(new DatabaseUnavailable());
  }

  /** False when there is no spool or the disk refused (the caller keeps the events in memory). */
  private toSpool(events: AuditInput[]): boolean {
    if (!this.spool) return false;
    try {
      this.spool.append(events);
      return true;
    } catch (error) {
      this.logger.error({ err: error, events: events.length }, 'audit spool write failed');
      return false;
    }
  }

  private scheduleDrain(ms: number): void {
    if (this.retry || this.closing) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.drain();
    }, ms);
    this.retry.unref();
  }

  /**
   * Delivers the spool to the chain, oldest first, a batch per transaction. Events recorded meanwhile are
   * appended behind; once it is empty, group commits go to the database again.
   */
  private async drain(): Promise<void> {
    const spool = this.spool!;
    let delivered = 0;
    for (;;) {
      const batch = spool.peek(500);
      if (!batch) {
        this.spooling = false;
        if (delivered) this.logger.log({ events: delivered }, 'audit spool delivered');
        return;
      }
      try {
        if (batch.events.length) await this.dataSource.transaction((m) => this.append(m, batch.events));
      } catch (error: unknown) {
        if (!isDatabaseUnavailable(error)) {
          this.logger.error({ err: error, file: batch.file }, 'audit spool delivery failed');
        }
        this.scheduleDrain(AUDIT_RETRY_MS);
        return;
      }
      spool.commit(batch);
      delivered += batch.events.length;
    }
  }

  async onModuleDestroy(): Promise<void> {
    // One last attempt, no more retries: a shutdown during an outage must not hang. What the database
    // cannot take goes to the spool, which the next start delivers.
    this.closing = true;
    if (this.retry) clearTimeout(this.retry);
    await this.flush();
    if (this.spooling) await this.drain();
    this.spool?.close();
  }

  private async append(m: EntityManager, inputs: AuditInput[]): Promise<void> {
    await m.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
    // A statement of its own after the lock: under READ COMMITTED it then sees the previous holder's commit.
    const last: ChainHead[] = await m.query(CHAIN_HEAD);
    const insert = sealed(last[0], inputs);
    await m.query(insert.sql, insert.params);
  }

  /**
   * A group commit's transaction. While this process wrote the chain's head last (`head`, the usual case
   * with one instance), one round trip: lock, head check, INSERT and COMMIT in one simple-protocol query.
   * Otherwise, or when another writer appended since, two: BEGIN, the chain lock and the read of the chain
   * head as one query (PostgreSQL runs its statements in order, each with a fresh READ COMMITTED snapshot,
   * so the head read after the lock sees the previous holder's commit), then the INSERT and COMMIT (a
   * failed INSERT stops the query before COMMIT). The callers wait for these round trips, and the loop sends
   * the next batch only after this one committed, so fewer round trips is both lower latency and more
   * tokens per second.
   */
  private async appendGroup(inputs: AuditInput[]): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      if (this.head) {
        const rows = sealedRows(this.head, inputs);
        const results = (await client.query(insertAndCommit(rows, this.head))) as unknown as {
          rowCount: number;
        }[];
        // Fewer rows than sealed: another writer moved the head; nothing was inserted.
        this.head = results[2].rowCount === rows.length ? headAfter(rows) : undefined;
        if (this.head) return;
      }
      const results = await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${CHAIN_LOCK}); ${CHAIN_HEAD}`);
      const rows = sealedRows((results as unknown as { rows: ChainHead[] }[])[2].rows[0], inputs);
      await client.query(insertAndCommit(rows));
      this.head = headAfter(rows);
    } catch (error) {
      this.head = undefined;
      // Ends whatever part of the transaction began (a warning when none did); a dead connection fails here too.
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
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
