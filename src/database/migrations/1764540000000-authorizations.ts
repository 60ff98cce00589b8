import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The user×client authorization table is named for what it holds (`authorizations`), so that "grant" means
 * only an OAuth grant type. Its constraint and index names follow the table. The rename keeps every row and
 * the ids that tokens carry as `grant_id`.
 */
export class Authorizations1764540000000 implements MigrationInterface {
  name = 'Authorizations1764540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "grants" RENAME TO "authorizations"`);
    await q.query(`ALTER TABLE "authorizations" RENAME CONSTRAINT "PK_grants" TO "PK_authorizations"`);
    await q.query(
      `ALTER TABLE "authorizations" RENAME CONSTRAINT "FK_grants_user" TO "FK_authorizations_user"`,
    );
    await q.query(`ALTER INDEX "IDX_grants_user_client" RENAME TO "IDX_authorizations_user_client"`);
    await q.query(`ALTER INDEX "IDX_grants_revoked_at" RENAME TO "IDX_authorizations_revoked_at"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER INDEX "IDX_authorizations_revoked_at" RENAME TO "IDX_grants_revoked_at"`);
    await q.query(`ALTER INDEX "IDX_authorizations_user_client" RENAME TO "IDX_grants_user_client"`);
    await q.query(
      `ALTER TABLE "authorizations" RENAME CONSTRAINT "FK_authorizations_user" TO "FK_grants_user"`,
    );
    await q.query(`ALTER TABLE "authorizations" RENAME CONSTRAINT "PK_authorizations" TO "PK_grants"`);
    await q.query(`ALTER TABLE "authorizations" RENAME TO "grants"`);
  }
}
