import * as net from 'node:net';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import type { AppConfig } from '../../config/app-config';
import { ShutdownState } from './shutdown-state';

/** Time for connections accepted just before the listener closed to deliver their request. */
const ACCEPT_SETTLE_MS = 250;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Drains one server process, in the order a rolling deploy needs:
 * 1. readiness answers 503 (the load balancer takes the instance out);
 * 2. after SHUTDOWN_DELAY, the listener closes: no new connection is accepted, a new request on a
 *    kept-alive connection gets 503 with `Connection: close`, idle connections are closed;
 * 3. requests already accepted finish, for at most SHUTDOWN_TIMEOUT, then their connections are cut;
 * 4. only then Nest's destroy/shutdown hooks run: the audit queue is flushed, timers stop, the
 *    database pool and Redis connections close. (Nest's own signal handling runs those hooks before it
 *    closes the HTTP server, which would pull the pool from under in-flight requests.)
 */
export async function drain(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const { shutdownDelay, shutdownTimeout } = config.operations;
  app.get(ShutdownState).draining = true;
  if (shutdownDelay > 0) await sleep(shutdownDelay * 1000);
  const fastify = app.getHttpAdapter().getInstance();
  const server = fastify.server;
  const deadline = setTimeout(() => server.closeAllConnections(), shutdownTimeout * 1000);
  try {
    // Stop accepting first, without http.Server#close's closeIdleConnections(): a connection accepted
    // a moment ago whose request has not been parsed yet counts as idle there and would be reset.
    if (server.listening) net.Server.prototype.close.call(server);
    await sleep(ACCEPT_SETTLE_MS);
    // Then Fastify's close: requests on kept-alive connections get 503 + Connection: close, idle
    // connections close, accepted requests run to completion.
    await fastify.close();
  } finally {
    clearTimeout(deadline);
  }
  await app.close();
}

/**
 * SIGTERM / SIGINT → drain, then exit 0. A second signal while draining is ignored; a drain that hangs
 * (a stuck pool, a hook that never resolves) is cut off well after SHUTDOWN_TIMEOUT with exit code 1.
 */
export function installGracefulShutdown(
  app: NestFastifyApplication,
  config: AppConfig,
  log: (message: string) => void,
): void {
  let started = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (started) return;
    started = true;
    log(`${signal}: draining (at most ${config.operations.shutdownTimeout} s for requests in flight)`);
    const { shutdownDelay, shutdownTimeout } = config.operations;
    setTimeout(
      () => {
        log('shutdown did not finish in time; exiting');
        process.exit(1);
      },
      (shutdownDelay + shutdownTimeout + 10) * 1000,
    ).unref();
    drain(app, config).then(
      () => process.exit(0),
      (error: unknown) => {
        log(`shutdown failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
