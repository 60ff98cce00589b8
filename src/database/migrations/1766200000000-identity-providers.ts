import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Upstream identity providers and the users' identities at them. */
export class IdentityProviders1766200000000 implements MigrationInterface {
  name = 'IdentityProviders1766200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "identity_providers" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "slug" character varying(40) NOT NULL,
        "type" character varying(20) NOT NULL,
        "name" character varying(100) NOT NULL,
        "issuer" character varying(2000),
        "client_id" character varying(500) NOT NULL,
        "client_secret_sealed" text NOT NULL,
        "scope" character varying(1000) NOT NULL,
        "authorization_url" character varying(2000),
        "token_url" character varying(2000),
        "userinfo_url" character varying(2000),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "disabled_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_identity_providers" PRIMARY KEY ("id")
      )`);
    await q.query(`CREATE UNIQUE INDEX "UQ_identity_providers_slug" ON "identity_providers" ("slug")`);
    await q.query(`
      CREATE TABLE "user_identities" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "provider_id" uuid NOT NULL,
        "subject" character varying(255) NOT NULL,
        "email" character varying(254),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_used_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_user_identities" PRIMARY KEY ("id"),
        CONSTRAINT "FK_user_identities_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE,
        CONSTRAINT "FK_user_identities_provider" FOREIGN KEY ("provider_id")
          REFERENCES "identity_providers"("id") ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_user_identities_subject" ON "user_identities" ("provider_id", "subject")`,
    );
    await q.query(
      `CREATE UNIQUE INDEX "UQ_user_identities_user_provider" ON "user_identities" ("user_id", "provider_id")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "user_identities"`);
    await q.query(`DROP TABLE "identity_providers"`);
  }
}
