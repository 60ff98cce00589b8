import { DataSource, type DataSourceOptions } from 'typeorm';

import type { AppConfig } from '../config/app-config';
// Type only: PGlite (~2 MB of module source and its heap) loads only when the embedded database is used.
import type { EmbeddedPostgres } from './embedded-postgres';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

type EmbeddedModule = typeof import('./embedded-postgres');

/**
 * A DataSource that also owns the embedded PostgreSQL it talks to: destroying it (Nest's shutdown, the
 * TypeORM CLI, a test's app.close()) stops PGlite after the pool has closed, so nothing writes to a
 * closed database and the data-dir lock is always released.
 */
class OwningDataSource extends DataSource {
  embedded?: EmbeddedPostgres;

  override async destroy(): Promise<void> {
    try {
      if (this.isInitialized) await super.destroy();
    } finally {
      await this.embedded?.stop();
      this.embedded = undefined;
    }
  }
}

/**
 * pg pool bounds so an unreachable or hung database fails requests within seconds (answered 503 by the
 * error filter) instead of holding sockets open: connect timeout, a server-side statement_timeout, a
 * client-side query timeout a little above it, TCP keep-alive to notice dead peers, and idle eviction.
 */
const OUTAGE_BOUNDS = {
  connectionTimeoutMillis: 3_000,
  statement_timeout: 30_000,
  query_timeout: 35_000,
  keepAlive: true,
  keepAliveInitialDelayMillis: 10_000,
  idleTimeoutMillis: 30_000,
} as const;

/**
 * Connections per process to DATABASE_URL (DATABASE_POOL_MAX overrides). Measured with 4, 8 and 20 on the
 * durable token paths (refresh rotation, code exchange) on 2 cores: 20 did as well or better. Their cost is
 * commit latency (a WAL flush), and concurrent commits share a flush, so more connections than cores
 * still pay; the audit log takes one connection per group commit whatever the pool size.
 */
export const DEFAULT_DATABASE_POOL_MAX = 20;

export interface DataSourceMode {
  /** CLI processes reuse a running server's embedded database through its socket instead of failing. */
  shareRunningEmbedded?: boolean;
  log?: (message: string) => void;
}

export async function createDataSource(
  config: AppConfig,
  mode: DataSourceMode = {},
): Promise<OwningDataSource> {
  const common = {
    type: 'postgres',
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    // Migrations run one transaction each, so a failed one leaves no half-applied schema.
    migrationsTransactionMode: 'each',
  } as const;

  let embedded: EmbeddedPostgres | undefined;
  let options: DataSourceOptions;
  if (config.databaseUrl) {
    options = {
      ...common,
      url: config.databaseUrl,
      extra: { max: config.databasePoolMax ?? DEFAULT_DATABASE_POOL_MAX, ...OUTAGE_BOUNDS },
    };
  } else {
    // require, not import(): with "module": "node20" TypeScript keeps import() as an ESM import, which would
    // load this CommonJS module through another loader in the build than in Jest.
    const { findRunningEmbeddedPostgres, startEmbeddedPostgres } =
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require('./embedded-postgres') as EmbeddedModule;
    const running = mode.shareRunningEmbedded ? await findRunningEmbeddedPostgres(config.dataDir) : null;
    let connection = running;
    if (!connection) {
      embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, log: mode.log });
      connection = embedded.connection;
    }
    // PGlite executes one statement at a time; a few pooled connections only queue behind its mutex.
    options = {
      ...common,
      host: connection.host,
      port: connection.port,
      username: connection.user,
      database: connection.database,
      extra: { max: 4 },
    };
  }

  const dataSource = new OwningDataSource(options);
  dataSource.embedded = embedded;
  try {
    await dataSource.initialize();
    if (config.dbMigrationsRun) await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
