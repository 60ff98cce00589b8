import { randomBytes } from 'node:crypto';

import type { MigrationInterface, QueryRunner } from 'typeorm';

import { hashV1, hashV2, personalDigest, type SealedFields } from '../../audit/audit-hash';

interface AuditRow {
  seq: string;
  occurred_at: Date;
  type: string;
  user_id: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

const GENESIS_HASH = '0'.repeat(64);

function sealed(r: AuditRow, prevHash: string): SealedFields {
  return {
    seq: r.seq,
    occurredAt: new Date(r.occurred_at),
    type: r.type,
    userId: r.user_id,
    clientId: r.client_id,
    ip: r.ip,
    userAgent: r.user_agent,
    details: r.details,
    prevHash,
  };
}

/**
 * The account lifecycle: `email_verified` on users; one-time account tokens (email verification and
 * password reset links, stored as hashes); last activity of a session; audit rows that seal personal
 * data through a nonce-keyed digest so it can be erased without breaking the chain.
 */
export class Account1764960000000 implements MigrationInterface {
  name = 'Account1764960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" ADD "email_verified" boolean NOT NULL DEFAULT false`);
    await q.query(`ALTER TABLE "sessions" ADD "last_seen_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`
      CREATE TABLE "account_tokens" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "purpose" character varying(16) NOT NULL,
        "token_hash" character varying(64) NOT NULL,
        "email" character varying(254) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "used_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_account_tokens" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_account_tokens_token_hash" UNIQUE ("token_hash"),
        CONSTRAINT "FK_account_tokens_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "IDX_account_tokens_user" ON "account_tokens" ("user_id", "purpose")`);
    await q.query(`CREATE INDEX "IDX_account_tokens_expires_at" ON "account_tokens" ("expires_at")`);
    await q.query(`ALTER TABLE "audit_events" ADD "pii_nonce" character varying(64)`);
    await q.query(`ALTER TABLE "audit_events" ADD "pii_digest" character varying(64)`);
    await this.resealAuditChain(q);
  }

  /**
   * Re-seals the existing audit rows as v2 so their personal data can be erased too, but only when the
   * v1 chain verifies: a broken chain is left exactly as found, for `audit:verify` to keep reporting.
   */
  private async resealAuditChain(q: QueryRunner): Promise<void> {
    const rows = (await q.query(`SELECT * FROM "audit_events" ORDER BY "seq" ASC`)) as AuditRow[];
    let prevHash = GENESIS_HASH;
    let expectedSeq = 1n;
    for (const r of rows) {
      if (BigInt(r.seq) !== expectedSeq || r.prev_hash !== prevHash) return;
      if (hashV1(sealed(r, r.prev_hash)) !== r.hash) return;
      prevHash = r.hash;
      expectedSeq++;
    }
    prevHash = GENESIS_HASH;
    for (const r of rows) {
      const fields = sealed(r, prevHash);
      const nonce = randomBytes(32).toString('base64url');
      const digest = personalDigest(fields, nonce);
      const hash = hashV2(fields, digest);
      await q.query(
        `UPDATE "audit_events" SET "prev_hash" = $2, "hash" = $3, "pii_nonce" = $4, "pii_digest" = $5 WHERE "seq" = $1`,
        [r.seq, prevHash, hash, nonce, digest],
      );
      prevHash = hash;
    }
  }

  async down(q: QueryRunner): Promise<void> {
    // v2 rows cannot be turned back into v1 seals; the columns go, `audit:verify` then reports them.
    await q.query(`ALTER TABLE "audit_events" DROP COLUMN "pii_digest"`);
    await q.query(`ALTER TABLE "audit_events" DROP COLUMN "pii_nonce"`);
    await q.query(`DROP TABLE "account_tokens"`);
    await q.query(`ALTER TABLE "sessions" DROP COLUMN "last_seen_at"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "email_verified"`);
  }
}
