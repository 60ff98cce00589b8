import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RFC 9449 DPoP: a public client's refresh tokens are bound to the key its first DPoP proof used (§5), and
 * a client may be registered as DPoP-required (§5.2 `dpop_bound_access_tokens`).
 */
export class Dpop1766100000000 implements MigrationInterface {
  name = 'Dpop1766100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "refresh_tokens" ADD "dpop_jkt" character varying(64)`);
    await q.query(
      `ALTER TABLE "oauth_clients" ADD "dpop_bound_access_tokens" boolean NOT NULL DEFAULT false`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_clients" DROP COLUMN "dpop_bound_access_tokens"`);
    await q.query(`ALTER TABLE "refresh_tokens" DROP COLUMN "dpop_jkt"`);
  }
}
