import type { MigrationInterface, QueryRunner } from 'typeorm';

/** OAuth clients, sessions, grants, codes, refresh tokens, signing keys, revocations, API keys, projects. */
export class OAuth1764532800000 implements MigrationInterface {
  name = 'OAuth1764532800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "oauth_clients" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "client_id" character varying(64) NOT NULL,
        "name" character varying(100) NOT NULL,
        "type" character varying(16) NOT NULL,
        "redirect_uris" text array NOT NULL DEFAULT '{}',
        "grant_types" text array NOT NULL DEFAULT '{}',
        "scopes" text array NOT NULL DEFAULT '{}',
        "owner_id" uuid,
        "secret_hash" character varying(64),
        "previous_secret_hash" character varying(64),
        "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_oauth_clients" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_oauth_clients_client_id" UNIQUE ("client_id"),
        CONSTRAINT "FK_oauth_clients_owner" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "IDX_oauth_clients_owner" ON "oauth_clients" ("owner_id")`);

    await q.query(`
      CREATE TABLE "sessions" (
        "id_hash" character varying(64) NOT NULL,
        "user_id" uuid NOT NULL,
        "ip" character varying(64),
        "user_agent" character varying(300),
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_sessions" PRIMARY KEY ("id_hash"),
        CONSTRAINT "FK_sessions_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "IDX_sessions_user" ON "sessions" ("user_id")`);

    await q.query(`
      CREATE TABLE "grants" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "client_id" character varying(64) NOT NULL,
        "scopes" text array NOT NULL DEFAULT '{}',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_grants" PRIMARY KEY ("id"),
        CONSTRAINT "FK_grants_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "IDX_grants_user_client" ON "grants" ("user_id", "client_id")`);
    await q.query(`CREATE INDEX "IDX_grants_revoked_at" ON "grants" ("revoked_at")`);

    await q.query(`
      CREATE TABLE "authorization_codes" (
        "code_hash" character varying(64) NOT NULL,
        "client_id" character varying(64) NOT NULL,
        "grant_id" uuid NOT NULL,
        "user_id" uuid NOT NULL,
        "redirect_uri" text NOT NULL,
        "redirect_uri_sent" boolean NOT NULL,
        "scopes" text array NOT NULL DEFAULT '{}',
        "code_challenge" character varying(128),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "consumed_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_authorization_codes" PRIMARY KEY ("code_hash")
      )`);
    await q.query(`CREATE INDEX "IDX_authorization_codes_expires" ON "authorization_codes" ("expires_at")`);

    await q.query(`
      CREATE TABLE "refresh_tokens" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "token_hash" character varying(64) NOT NULL,
        "grant_id" uuid NOT NULL,
        "client_id" character varying(64) NOT NULL,
        "user_id" uuid NOT NULL,
        "scopes" text array NOT NULL DEFAULT '{}',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "rotated_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_refresh_tokens" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_refresh_tokens_hash" UNIQUE ("token_hash")
      )`);
    await q.query(`CREATE INDEX "IDX_refresh_tokens_grant" ON "refresh_tokens" ("grant_id")`);

    await q.query(`
      CREATE TABLE "signing_keys" (
        "kid" character varying(64) NOT NULL,
        "alg" character varying(16) NOT NULL,
        "status" character varying(16) NOT NULL,
        "public_jwk" jsonb NOT NULL,
        "private_key_enc" text NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "activates_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "retired_at" TIMESTAMP WITH TIME ZONE,
        "expires_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_signing_keys" PRIMARY KEY ("kid")
      )`);

    await q.query(`
      CREATE TABLE "revoked_tokens" (
        "jti" character varying(64) NOT NULL,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        "revoked_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_revoked_tokens" PRIMARY KEY ("jti")
      )`);
    await q.query(`CREATE INDEX "IDX_revoked_tokens_expires" ON "revoked_tokens" ("expires_at")`);

    await q.query(`
      CREATE TABLE "api_keys" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "name" character varying(100) NOT NULL,
        "prefix" character varying(32) NOT NULL,
        "key_hash" character varying(64) NOT NULL,
        "scopes" text array NOT NULL DEFAULT '{}',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "expires_at" TIMESTAMP WITH TIME ZONE,
        "last_used_at" TIMESTAMP WITH TIME ZONE,
        "revoked_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_api_keys" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_api_keys_hash" UNIQUE ("key_hash"),
        CONSTRAINT "FK_api_keys_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "IDX_api_keys_user" ON "api_keys" ("user_id")`);

    await q.query(`
      CREATE TABLE "projects" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "owner_id" uuid NOT NULL,
        "name" character varying(100) NOT NULL,
        "description" character varying(2000) NOT NULL DEFAULT '',
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_projects" PRIMARY KEY ("id"),
        CONSTRAINT "FK_projects_owner" FOREIGN KEY ("owner_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "IDX_projects_owner_created" ON "projects" ("owner_id", "created_at", "id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'projects',
      'api_keys',
      'revoked_tokens',
      'signing_keys',
      'refresh_tokens',
      'authorization_codes',
      'grants',
      'sessions',
      'oauth_clients',
    ]) {
      await q.query(`DROP TABLE "${table}"`);
    }
  }
}
