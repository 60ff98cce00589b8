import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { loadConfig } from '../src/config/app-config';
import { createDataSource } from '../src/database/data-source';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';

/**
 * One database for the whole e2e run: the machine's PostgreSQL when DATABASE_URL is set (CI), else an
 * embedded PGlite served from this parent process on a Unix socket (a fresh machine). Migrations run
 * once here, so parallel Jest workers never race to create the schema.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    const dataDir = mkdtempSync(join(tmpdir(), 'iiniit-e2e-'));
    const embedded = await startEmbeddedPostgres({ dataDir });
    const { host, port, user, database } = embedded.connection;
    process.env.DATABASE_URL = `postgresql://${user}@localhost:${port}/${database}?host=${encodeURIComponent(host)}`;
    (globalThis as { __EMBEDDED__?: unknown }).__EMBEDDED__ = embedded;
    console.log(`\ne2e: embedded PostgreSQL in ${dataDir}`);
  }
  const dataSource = await createDataSource(
    loadConfig({ ...process.env, NODE_ENV: 'test', DB_MIGRATIONS_RUN: 'true' }),
  );
  await dataSource.destroy();
}
