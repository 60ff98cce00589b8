import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Second factors: one TOTP authenticator per account (RFC 6238; the secret encrypted with a key derived
 * from APP_SECRET, the last accepted time step kept so a code works once) and its recovery codes (hashes
 * only, each single use).
 */
export class SecondFactors1766300000000 implements MigrationInterface {
  name = 'SecondFactors1766300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE "totp_factors" (
        "user_id" uuid NOT NULL,
        "secret_encrypted" text NOT NULL,
        "confirmed_at" TIMESTAMP WITH TIME ZONE,
        "last_used_step" bigint,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_totp_factors" PRIMARY KEY ("user_id"),
        CONSTRAINT "FK_totp_factors_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE "recovery_codes" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "user_id" uuid NOT NULL,
        "code_hash" character varying(64) NOT NULL,
        "used_at" TIMESTAMP WITH TIME ZONE,
        "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        CONSTRAINT "PK_recovery_codes" PRIMARY KEY ("id"),
        CONSTRAINT "FK_recovery_codes_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX "IDX_recovery_codes_user" ON "recovery_codes" ("user_id")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "recovery_codes"`);
    await q.query(`DROP TABLE "totp_factors"`);
  }
}
