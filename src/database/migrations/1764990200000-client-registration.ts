import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Clients that registered themselves: RFC 7591 dynamic registration (with the RFC 7592 registration
 * access token, hashed) and Client ID Metadata Documents (the document's URL); initial access tokens that
 * operators mint for registration.
 */
export class ClientRegistration1764990200000 implements MigrationInterface {
  name = 'ClientRegistration1764990200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_clients" ADD "registration" character varying(24)`);
    await q.query(`ALTER TABLE "oauth_clients" ADD "registration_access_token_hash" character varying(64)`);
    await q.query(`ALTER TABLE "oauth_clients" ADD "registration_metadata" jsonb`);
    await q.query(`ALTER TABLE "oauth_clients" ADD "metadata_url" character varying(2048)`);
    await q.query(
      `CREATE UNIQUE INDEX "IDX_oauth_clients_metadata_url" ON "oauth_clients" ("metadata_url") WHERE "metadata_url" IS NOT NULL`,
    );
    await q.query(`CREATE TABLE "initial_access_tokens" (
      "id" uuid NOT NULL DEFAULT gen_random_uuid(),
      "token_hash" character varying(64) NOT NULL,
      "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "used_at" TIMESTAMP WITH TIME ZONE,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "UQ_initial_access_tokens_hash" UNIQUE ("token_hash"),
      CONSTRAINT "PK_initial_access_tokens" PRIMARY KEY ("id"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "initial_access_tokens"`);
    await q.query(`DROP INDEX "IDX_oauth_clients_metadata_url"`);
    await q.query(`ALTER TABLE "oauth_clients" DROP COLUMN "metadata_url"`);
    await q.query(`ALTER TABLE "oauth_clients" DROP COLUMN "registration_metadata"`);
    await q.query(`ALTER TABLE "oauth_clients" DROP COLUMN "registration_access_token_hash"`);
    await q.query(`ALTER TABLE "oauth_clients" DROP COLUMN "registration"`);
  }
}
