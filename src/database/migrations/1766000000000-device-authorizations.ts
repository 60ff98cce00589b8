import type { MigrationInterface, QueryRunner } from 'typeorm';

/** RFC 8628 device authorization grant: one row per device_code, found by its hash or its user code's hash. */
export class DeviceAuthorizations1766000000000 implements MigrationInterface {
  name = 'DeviceAuthorizations1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "device_authorizations" (
      "device_code_hash" character varying(64) NOT NULL,
      "user_code_hash" character varying(64) NOT NULL,
      "client_id" character varying(64) NOT NULL,
      "scopes" text array NOT NULL DEFAULT '{}',
      "status" character varying(16) NOT NULL DEFAULT 'pending',
      "user_id" uuid,
      "grant_id" uuid,
      "auth_time" TIMESTAMP WITH TIME ZONE,
      "sid" uuid,
      "amr" text array,
      "acr" character varying(64),
      "interval" integer NOT NULL DEFAULT 5,
      "last_polled_at" TIMESTAMP WITH TIME ZONE,
      "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL,
      "decided_at" TIMESTAMP WITH TIME ZONE,
      "consumed_at" TIMESTAMP WITH TIME ZONE,
      "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(),
      CONSTRAINT "PK_device_authorizations" PRIMARY KEY ("device_code_hash"))`);
    await q.query(
      `CREATE UNIQUE INDEX "UQ_device_authorizations_user_code" ON "device_authorizations" ("user_code_hash")`,
    );
    await q.query(
      `CREATE INDEX "IDX_device_authorizations_expires" ON "device_authorizations" ("expires_at")`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "device_authorizations"`);
  }
}
