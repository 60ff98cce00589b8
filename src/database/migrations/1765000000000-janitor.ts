import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Data lifecycle: indexes that make each janitor purge an index range scan, and the audit chain's
 * anchor. Already indexed before this: authorization_codes(expires_at), revoked_tokens(expires_at);
 * audit events are pruned along their primary key (seq).
 */
export class Janitor1765000000000 implements MigrationInterface {
  name = 'Janitor1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "IDX_sessions_expires" ON "sessions" ("expires_at")`);
    await q.query(`CREATE INDEX "IDX_refresh_tokens_expires" ON "refresh_tokens" ("expires_at")`);
    await q.query(`CREATE INDEX "IDX_refresh_tokens_rotated" ON "refresh_tokens" ("rotated_at")`);
    await q.query(`
      CREATE TABLE "audit_anchor" (
        "id" smallint NOT NULL,
        "seq" bigint NOT NULL,
        "hash" character varying(64) NOT NULL,
        "pruned_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_audit_anchor" PRIMARY KEY ("id")
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit_anchor"`);
    await q.query(`DROP INDEX "IDX_refresh_tokens_rotated"`);
    await q.query(`DROP INDEX "IDX_refresh_tokens_expires"`);
    await q.query(`DROP INDEX "IDX_sessions_expires"`);
  }
}
