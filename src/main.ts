import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { assertMailDeliverable, ConfigError, loadConfig, type AppConfig } from './config/app-config';
import { createDataSource } from './database/data-source';
import { EmbeddedDatabaseLockedError } from './database/embedded-postgres';
import { createApp } from './bootstrap';
import { installInvalidationRelay } from './platform/cache/cluster-relay';
import { startupFailureLine } from './startup-errors';

async function serve(config: AppConfig, started: number): Promise<void> {
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  const ms = Math.round(performance.now() - started);
  const who = cluster.isWorker ? `worker ${cluster.worker?.id}` : 'iiniit Identity';
  console.log(
    `${who} listening on ${config.issuer} (bound to ${config.host}:${config.port}, ready in ${ms} ms)`,
  );
}

/**
 * WORKERS > 1: the primary applies migrations once, then forks stateless workers that share the port
 * (Node's cluster module); a worker that dies is replaced.
 */
async function primary(config: AppConfig): Promise<void> {
  if (config.dbMigrationsRun) await (await createDataSource(config)).destroy();
  const env = { DB_MIGRATIONS_RUN: 'false' };
  // Cache invalidation without Redis: relay each worker's invalidations to its peers over IPC, so a
  // write on one worker never leaves another serving a stale cached read (with Redis, workers subscribe
  // themselves and never send these).
  installInvalidationRelay();
  for (let i = 0; i < config.workers; i++) cluster.fork(env);
  cluster.on('exit', (worker, code, signal) => {
    if (signal === 'SIGTERM' || signal === 'SIGINT' || code === 0) return;
    console.error(`worker ${worker.id} exited (${signal ?? code}); starting a new one`);
    cluster.fork(env);
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.kill(signal);
      process.exit(0);
    });
  }
}

async function main(): Promise<void> {
  // A local .env is a convenience for development; real deployments pass the environment.
  if (existsSync('.env')) process.loadEnvFile('.env');
  const started = performance.now();
  const config = loadConfig();
  assertMailDeliverable(config);
  if (config.workers > 1 && cluster.isPrimary) return primary(config);
  return serve(config, started);
}

main().catch((error: unknown) => {
  // Operator mistakes get one clear line, not a stack trace.
  const line = startupFailureLine(error, Number(process.env.PORT ?? 3000));
  if (error instanceof ConfigError || error instanceof EmbeddedDatabaseLockedError) {
    console.error(error.message);
  } else if (line) {
    console.error(line);
  } else {
    console.error('start-up failed:', error);
  }
  process.exit(1);
});
