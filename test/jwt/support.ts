import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { AppModule } from '../../src/app.module';
import { BODY_LIMIT } from '../../src/bootstrap';
import { OAuthClient } from '../../src/clients/oauth-client.entity';
import { loadConfig } from '../../src/config/app-config';
import { createDataSource } from '../../src/database/data-source';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { requestIdFor } from '../../src/platform/http/logging';
import { AppValidationPipe } from '../../src/platform/http/validation';
import { type AccessTokenRequest, AccessTokensService } from '../../src/tokens/jwt/access-tokens.service';
import { CLOCK, type Clock } from '../../src/tokens/jwt/clock';
import { DEFAULT_JWT_TIMINGS, JWT_TIMINGS, type JwtTimings } from '../../src/tokens/jwt/jwt.constants';
import { JwtTokensModule } from '../../src/tokens/jwt/jwt-tokens.module';
import type { TestApp } from '../support/app';

export interface BootOptions {
  env?: Record<string, string | undefined>;
  /** Replaces the CLOCK provider: simulated time for key rotation and expiry. */
  clock?: Clock;
  timings?: Partial<JwtTimings>;
}

/**
 * Like test/support/app.ts bootApp (same config path, same Fastify adapter options, real HTTP on an ephemeral
 * port) but through Nest's testing module, so CLOCK and JWT_TIMINGS can be overridden, and with
 * JwtTokensModule imported explicitly so these specs do not depend on where the module is wired.
 */
export async function bootJwtApp(options: BootOptions = {}): Promise<TestApp> {
  const env = options.env ?? {};
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DB_MIGRATIONS_RUN: 'false',
    PORT: '0',
    ...env,
  });
  let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config), JwtTokensModule] });
  if (options.clock) builder = builder.overrideProvider(CLOCK).useValue(options.clock);
  if (options.timings) {
    builder = builder.overrideProvider(JWT_TIMINGS).useValue({ ...DEFAULT_JWT_TIMINGS, ...options.timings });
  }
  const moduleRef = await builder.compile();
  const adapter = new FastifyAdapter({
    trustProxy: config.trustProxy,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    genReqId: (req: IncomingMessage) => requestIdFor(req),
  });
  const app = moduleRef.createNestApplication<NestFastifyApplication>(adapter, { logger: false });
  app.useGlobalPipes(new AppValidationPipe());
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  await registerFixtureClients(app);
  const address = app.getHttpServer().address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  const url = `http://127.0.0.1:${address.port}`;
  if (!env.ISSUER) config.issuer = url;
  return { app, config, url, close: () => app.close() };
}

/**
 * The client_ids these specs mint tokens for straight from AccessTokensService. A token only works while its
 * client exists and is not deleted (JwtStrategy), so they are registered once per database.
 */
export const FIXTURE_CLIENT_IDS = ['test-client', 'svc', 'svc-client'] as const;

async function registerFixtureClients(app: NestFastifyApplication): Promise<void> {
  await app
    .get(DataSource)
    .createQueryBuilder()
    .insert()
    .into(OAuthClient)
    .values(FIXTURE_CLIENT_IDS.map((clientId) => ({ clientId, name: clientId, type: 'confidential' })))
    .orIgnore()
    .execute();
}

export interface IsolatedDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A private, migrated database for specs that change global state (signing keys, simulated clocks), so
 * suites running in parallel on the shared e2e database are never disturbed. On a PostgreSQL server it is
 * a fresh database; where CREATE DATABASE is not available (embedded PGlite) it is a fresh embedded one.
 */
async function currentDatabase(url: string): Promise<string | undefined> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
    return rows[0]?.name;
  } catch {
    return undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function isolatedDatabase(): Promise<IsolatedDatabase> {
  const base = process.env.DATABASE_URL;
  let url: string;
  let cleanup: () => Promise<void>;
  const name = `iiniit_jwt_${randomBytes(6).toString('hex')}`;
  const admin = base ? new Client({ connectionString: base }) : undefined;
  let created = false;
  if (admin) {
    await admin.connect();
    created = await admin.query(`CREATE DATABASE "${name}"`).then(
      () => true,
      () => false,
    );
  }
  let target: URL | undefined;
  if (admin && created && base) {
    target = new URL(base);
    target.pathname = `/${name}`;
    // The embedded server (PGlite behind our socket multiplexer) accepts CREATE DATABASE but serves one
    // database whatever a connection asks for: the "new" database would be the shared e2e one. Use it only
    // when a connection to it really lands in it.
    if ((await currentDatabase(target.toString())) !== name) {
      await admin.query(`DROP DATABASE IF EXISTS "${name}"`).catch(() => undefined);
      target = undefined;
    }
  }
  if (admin && target) {
    url = target.toString();
    cleanup = async () => {
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    };
  } else {
    await admin?.end();
    const dataDir = mkdtempSync(join(tmpdir(), 'iiniit-jwt-'));
    const embedded = await startEmbeddedPostgres({ dataDir });
    const { host, port, user, database } = embedded.connection;
    url = `postgresql://${user}@localhost:${port}/${database}?host=${encodeURIComponent(host)}`;
    cleanup = async () => {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const migrated = await createDataSource(
    loadConfig({ ...process.env, NODE_ENV: 'test', DATABASE_URL: url, DB_MIGRATIONS_RUN: 'true' }),
  );
  await migrated.destroy();
  return { url, drop: cleanup };
}

/** An access token for a user (or, with subject = clientId, a client) straight from the service. */
export async function issueToken(
  t: TestApp,
  request: Partial<AccessTokenRequest> & { subject: string },
): Promise<string> {
  const issued = await t.app.get(AccessTokensService).issue({
    clientId: 'test-client',
    scopes: ['read:user'],
    ...request,
  });
  return issued.token;
}

export function bearer(token: string): { headers: Record<string, string> } {
  return { headers: { authorization: `Bearer ${token}` } };
}
