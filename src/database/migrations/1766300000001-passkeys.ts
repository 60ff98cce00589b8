import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Passkeys (WebAuthn Level 3): several per account, each with its public key and signature counter
 * (§6.1.1), a name and when it was last used; and the ceremony challenges (§13.4.3: random, used once,
 * short-lived), kept as rows so any instance can finish a ceremony another one started.
 */
export class Passkeys1766300000001 implements MigrationInterface {
  name = 'Passkeys1766300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "passkeys" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "credential_id" character varying(1400) NOT NULL,
        "public_key" bytea NOT NULL,
        "counter" bigint NOT NULL DEFAULT 0,
        "transports" text array NOT NULL DEFAULT '{}',
        "name" character varying(100) NOT NULL,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        "last_used_at" TIMESTAMP WITH TIME ZONE,
        CONSTRAINT "PK_passkeys" PRIMARY KEY ("id"),
        CONSTRAINT "UQ_passkeys_credential" UNIQUE ("credential_id"),
        CONSTRAINT "FK_passkeys_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "IDX_passkeys_user" ON "passkeys" ("user_id")`);
    await q.query(`
      CREATE TABLE "webauthn_challenges" (
        "challenge" character varying(128) NOT NULL,
        "purpose" character varying(16) NOT NULL,
        "user_id" uuid,
        "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
        CONSTRAINT "PK_webauthn_challenges" PRIMARY KEY ("challenge")
      )`);
    await q.query(`CREATE INDEX "IDX_webauthn_challenges_expires" ON "webauthn_challenges" ("expires_at")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "webauthn_challenges"`);
    await q.query(`DROP TABLE "passkeys"`);
  }
}
