import type { MigrationInterface, QueryRunner } from 'typeorm';

/** RFC 9126 pushed authorization requests, and clients registered as PAR-required (RFC 9126 §6). */
export class PushedAuthorizationRequests1764990100000 implements MigrationInterface {
  name = 'PushedAuthorizationRequests1764990100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "pushed_authorization_requests" (
      "request_uri_hash" character varying(64) NOT NULL,
      "client_id" character varying(64) NOT NULL,
      "params" jsonb NOT NULL,
      "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "started_at" TIMESTAMP WITH TIME ZONE,
      "consumed_at" TIMESTAMP WITH TIME ZONE,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_pushed_authorization_requests" PRIMARY KEY ("request_uri_hash"))`);
    await q.query(
      `CREATE INDEX "IDX_pushed_authorization_requests_expires" ON "pushed_authorization_requests" ("expires_at")`,
    );
    await q.query(`ALTER TABLE "oauth_clients" ADD "require_par" boolean NOT NULL DEFAULT false`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "oauth_clients" DROP COLUMN "require_par"`);
    await q.query(`DROP TABLE "pushed_authorization_requests"`);
  }
}
