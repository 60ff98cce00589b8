import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A registered resource may name its own confidential client: that client may exchange (RFC 8693) a
 * token issued for the resource into one for the product API, to call it on the user's behalf.
 */
export class ResourceServersClients1764990300000 implements MigrationInterface {
  name = 'ResourceServersClients1764990300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "resources" ADD "client_id" character varying(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "resources" DROP COLUMN "client_id"`);
  }
}
