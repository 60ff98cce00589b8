import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * RFC 8707 resource indicators: the registry of protected resources, and the resources an authorization
 * code or refresh token was granted for (empty: the product API, as before).
 */
export class Resources1764990000000 implements MigrationInterface {
  name = 'Resources1764990000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "resources" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "uri" character varying(512) NOT NULL,
      "name" character varying(100) NOT NULL,
      "scopes" text array NOT NULL DEFAULT '{}',
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "UQ_resources_uri" UNIQUE ("uri"),
      CONSTRAINT "PK_resources" PRIMARY KEY ("id"))`);
    await q.query(`ALTER TABLE "authorization_codes" ADD "resources" text array NOT NULL DEFAULT '{}'`);
    await q.query(`ALTER TABLE "refresh_tokens" ADD "resources" text array NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "refresh_tokens" DROP COLUMN "resources"`);
    await q.query(`ALTER TABLE "authorization_codes" DROP COLUMN "resources"`);
    await q.query(`DROP TABLE "resources"`);
  }
}
