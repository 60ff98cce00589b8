import { createServer } from 'node:net';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { createApp } from '../../src/bootstrap';
import { type AppConfig, loadConfig } from '../../src/config/app-config';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  /** Base URL of the listening server, e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

/**
 * Boots the real application on an ephemeral port over real HTTP. The database is the one global-setup
 * prepared (migrations already applied); `env` overrides individual variables.
 */
export async function bootApp(
  env: Record<string, string | undefined> = {},
  /** `localhost` for WebAuthn, whose RP ID must be a domain, never an IP address (WebAuthn §5.1.4.1). */
  options: { hostname?: 'localhost' } = {},
): Promise<TestApp> {
  // The issuer must be the address tests talk to, so pick the port before the app starts.
  const port = await freePort();
  const url = `http://${options.hostname ?? '127.0.0.1'}:${port}`;
  const base: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DB_MIGRATIONS_RUN: 'false',
    PORT: String(port),
    ISSUER: url,
  };
  const config = loadConfig({ ...base, ...env });
  const app = await createApp(config, { quiet: true });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, config, url, close: () => app.close() };
}

/**
 * Boots `count` instances one after the other, each with the same `env` (e.g. a shared REDIS_URL). If
 * one fails to boot, those already listening are closed before the error is rethrown.
 */
export async function bootInstances(
  count: number,
  env: Record<string, string | undefined>,
): Promise<TestApp[]> {
  const apps: TestApp[] = [];
  try {
    for (let i = 0; i < count; i++) apps.push(await bootApp(env));
  } catch (error) {
    await closeAll(...apps);
    throw error;
  }
  return apps;
}

/** Closes the instances in order; one that never booted (a failed beforeAll) is skipped. */
export async function closeAll(...apps: (TestApp | undefined)[]): Promise<void> {
  for (const app of apps) await app?.close();
}

/** A port free at the time of asking, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
