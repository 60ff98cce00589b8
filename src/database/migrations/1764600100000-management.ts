import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Operators can disable (and enable again) users, clients and API keys through the management API. */
export class Management1764600100000 implements MigrationInterface {
  name = 'Management1764600100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "users" ADD "disabled_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "oauth_clients" ADD "disabled_at" TIMESTAMP WITH TIME ZONE`);
    await q.query(`ALTER TABLE "api_keys" ADD "disabled_at" TIMESTAMP WITH TIME ZONE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "api_keys" DROP COLUMN "disabled_at"`);
    await q.query(`ALTER TABLE "oauth_clients" DROP COLUMN "disabled_at"`);
    await q.query(`ALTER TABLE "users" DROP COLUMN "disabled_at"`);
  }
}
