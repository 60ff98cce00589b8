import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refresh-token chains: each successor names the token it replaced (`parent_id`), so a rotation and its
 * successor are one row pair that a crash can never split, and a lost response can be retried once
 * (`retried_at` on the presented token, `revoked_at` on the successor the client never received).
 */
export class RefreshRotation1764600000000 implements MigrationInterface {
  name = 'RefreshRotation1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "refresh_tokens"
        ADD "parent_id" uuid,
        ADD "retried_at" TIMESTAMP WITH TIME ZONE,
        ADD "revoked_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`CREATE INDEX "IDX_refresh_tokens_parent" ON "refresh_tokens" ("parent_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "IDX_refresh_tokens_parent"`);
    await q.query(`
      ALTER TABLE "refresh_tokens" DROP COLUMN "revoked_at", DROP COLUMN "retried_at", DROP COLUMN "parent_id"`);
  }
}
