// Data source for the TypeORM CLI (`npm run migration:generate -- src/database/migrations/Name`,
// `npm run migration:run`). Same configuration as the server: DATABASE_URL, or the embedded database
// (through a running server's socket when one holds it). Migrations are applied only by `migration:run`.
import { existsSync } from 'node:fs';

import { loadConfig } from './src/config/app-config';
import { createDataSource } from './src/database/data-source';

if (existsSync('.env')) process.loadEnvFile('.env');

export default createDataSource(
  { ...loadConfig(), dbMigrationsRun: false },
  { shareRunningEmbedded: true, log: (m) => console.error(m) },
);
