import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Append-only audit log; each row carries the hash of the previous one (tamper evidence). */
export class Audit1764536400000 implements MigrationInterface {
  name = 'Audit1764536400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "audit_events" (
        "seq" bigint NOT NULL,
        "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "type" character varying(64) NOT NULL,
        "user_id" uuid,
        "client_id" character varying(64),
        "ip" character varying(64),
        "user_agent" character varying(300),
        "details" jsonb NOT NULL DEFAULT '{}',
        "prev_hash" character varying(64) NOT NULL,
        "hash" character varying(64) NOT NULL,
        CONSTRAINT "PK_audit_events" PRIMARY KEY ("seq")
      )`);
    await q.query(`CREATE INDEX "IDX_audit_events_user" ON "audit_events" ("user_id", "seq")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "audit_events"`);
  }
}
