import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OpenID Connect: client registration metadata (RP-Initiated Logout 1.0 §3.1, OIDC Dynamic Registration
 * §2), how and when a browser session authenticated (auth_time, amr, sid), and the authentication context
 * an authorization code and a refresh token carry to the id_tokens issued from them.
 */
export class Oidc1764950000000 implements MigrationInterface {
  name = 'Oidc1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE "oauth_clients"
        ADD "post_logout_redirect_uris" text array NOT NULL DEFAULT '{}',
        ADD "id_token_signed_response_alg" character varying(16) NOT NULL DEFAULT 'ES256'`);
    // Sessions that exist already: signed in with a password when they were created.
    await q.query(`
      ALTER TABLE "sessions"
        ADD "auth_time" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
        ADD "amr" text array NOT NULL DEFAULT '{pwd}',
        ADD "sid" uuid NOT NULL DEFAULT gen_random_uuid()`);
    await q.query(`UPDATE "sessions" SET "auth_time" = "created_at"`);
    // The default only filled in the existing rows; new sessions get their sid from SessionsService.
    await q.query(`ALTER TABLE "sessions" ALTER COLUMN "sid" DROP DEFAULT`);
    await q.query(`
      ALTER TABLE "authorization_codes"
        ADD "nonce" character varying(512),
        ADD "auth_time" TIMESTAMP WITH TIME ZONE,
        ADD "sid" uuid,
        ADD "amr" text array,
        ADD "acr" character varying(64)`);
    await q.query(`
      ALTER TABLE "refresh_tokens"
        ADD "auth_time" TIMESTAMP WITH TIME ZONE,
        ADD "sid" uuid,
        ADD "amr" text array,
        ADD "acr" character varying(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER TABLE "refresh_tokens" DROP COLUMN "acr", DROP COLUMN "amr", DROP COLUMN "sid", DROP COLUMN "auth_time"`,
    );
    await q.query(
      `ALTER TABLE "authorization_codes" DROP COLUMN "acr", DROP COLUMN "amr", DROP COLUMN "sid", DROP COLUMN "auth_time", DROP COLUMN "nonce"`,
    );
    await q.query(`ALTER TABLE "sessions" DROP COLUMN "sid", DROP COLUMN "amr", DROP COLUMN "auth_time"`);
    await q.query(
      `ALTER TABLE "oauth_clients" DROP COLUMN "id_token_signed_response_alg", DROP COLUMN "post_logout_redirect_uris"`,
    );
  }
}
