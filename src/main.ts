import cluster from 'node:cluster';
import { existsSync } from 'node:fs';

import { createApp } from './bootstrap';
import { type AppConfig, assertMailDeliverable, ConfigError, loadConfig } from './config/app-config';
import { createDataSource } from './database/data-source';
import { EmbeddedDatabaseLockedError } from './database/embedded-database-locked.error';
import { installInvalidationRelay } from './platform/cache/cluster-relay';
import { superviseWorkers } from './platform/cluster/supervisor';
import { installGracefulShutdown } from './platform/lifecycle/graceful-shutdown';
import { startPrimaryMetrics } from './platform/metrics/metrics-listener';
import { startupFailureLine } from './startup-errors';

async function serve(config: AppConfig, started: number): Promise<void> {
  // Signals are ours (installGracefulShutdown), not Nest's: the HTTP server must drain before the
  // pools close, and Nest's own hooks close them first.
  const app = await createApp(config, { shutdownHooks: false });
  const who = cluster.isWorker ? `worker ${cluster.worker?.id} (pid ${process.pid})` : 'iiniit Identity';
  installGracefulShutdown(app, config, (message) => console.log(`${who}: ${message}`));
  await app.listen({ port: config.port, host: config.host });
  const ms = Math.round(performance.now() - started);
  console.log(
    `${who} listening on ${config.issuer} (bound to ${config.host}:${config.port}, ready in ${ms} ms)`,
  );
}

/**
 * WORKERS > 1: the primary applies migrations once, then forks stateless workers that share the port
 * (Node's cluster module) and keeps that many running (platform/cluster/supervisor.ts).
 */
async function primary(config: AppConfig): Promise<void> {
  if (config.dbMigrationsRun) await (await createDataSource(config)).destroy();
  // Cache invalidation without Redis: relay each worker's invalidations to its peers over IPC, so a
  // write on one worker never leaves another serving a stale cached read (with Redis, workers subscribe
  // themselves and never send these).
  installInvalidationRelay();
  const { shutdownDelay, shutdownTimeout } = config.operations;
  superviseWorkers({
    workers: config.workers,
    env: { DB_MIGRATIONS_RUN: 'false' },
    drainTimeoutMs: (shutdownDelay + shutdownTimeout + 15) * 1000,
  });
  await startPrimaryMetrics(config);
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
