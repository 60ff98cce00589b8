import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { ModuleKind, ScriptTarget, transpileModule } from 'typescript';

import type { BenchDatabase } from './database';
import {
  describeFailure,
  freePort,
  type ManagedChild,
  portFromChild,
  startChild,
  waitForHttp,
} from './processes';
import { RESULTS, ROOT, type Settings } from './settings';

const TS_NODE = ['-r', 'ts-node/register/transpile-only'];

/**
 * The profiler preload as plain CommonJS under .tmp/ (next to node_modules, so it resolves `pg`), for `-r` without
 * ts-node: ts-node loads `node:domain`, which wraps every EventEmitter's construction and `emit` in the profiled
 * app (`EventEmitter.init node:domain` was 1.4 % of a profile of `GET /health`) — work the app does not do in
 * production.
 */
function profilerPreload(): string {
  const out = join(ROOT, '.tmp/bench-profiler');
  mkdirSync(out, { recursive: true });
  for (const name of ['profiler-preload', 'profile-signal']) {
    const source = readFileSync(join(ROOT, 'bench/support', `${name}.ts`), 'utf8');
    const { outputText } = transpileModule(source, {
      compilerOptions: { module: ModuleKind.CommonJS, target: ScriptTarget.ES2022, esModuleInterop: true },
    });
    writeFileSync(join(out, `${name}.js`), outputText);
  }
  return join(out, 'profiler-preload.js');
}

/**
 * One client and one user send thousands of requests per second here, which the production rate limits
 * (e.g. 600 token requests per client per minute) rightly refuse. The limits are raised out of reach rather
 * than switched off, so the limiter's bookkeeping stays on the measured path. BENCH_KEEP_RATE_LIMITS=1
 * keeps the app's defaults (expect 429s).
 */
export const UNLIMITED = '999999999/1m';
const UNLIMITED_RATES: NodeJS.ProcessEnv = Object.fromEntries(
  [
    'RATE_LIMIT_LOGIN_IP',
    'RATE_LIMIT_LOGIN_ACCOUNT',
    'RATE_LIMIT_CLIENT',
    'RATE_LIMIT_CLIENT_AUTH_FAILURES_IP',
    'RATE_LIMIT_API',
    'RATE_LIMIT_API_AUTH_FAILURES_IP',
  ].map((name) => [name, UNLIMITED]),
);
/** Pins a process to a CPU (util-linux); without it, apps run unpinned. */
const TASKSET = '/usr/bin/taskset';
/**
 * Scenario 8 signs one account in on several connections at once. The lockout counts each attempt as a failure
 * until its password is checked (so a burst cannot run more guesses than the threshold), so the default 5
 * would lock the account with 8 sign-ins in flight. Raised to the most the config allows, the count and its
 * clearing stay on the measured path.
 */
const LOCKOUT_OUT_OF_REACH: NodeJS.ProcessEnv = { LOGIN_LOCKOUT_THRESHOLD: '1000' };
export interface RunningApp {
  child: ManagedChild;
  base: string;
  port: number;
  env: NodeJS.ProcessEnv;
  workers: number;
  /** Workers that reported listening (the app logs one line per process). */
  listening: number;
}

export async function startApp(
  settings: Settings,
  db: BenchDatabase,
  appSecret: string,
  workers: number,
  /** A restart keeps its port: the ISSUER (and so every token's `iss`) includes it. */
  port?: number,
  /**
   * Scenario 2r: the app with Redis, its rate-limit keys under a prefix of this run's own, and the first app's
   * ISSUER (so the tokens it issued are valid here too).
   */
  redis?: { url: string; keyPrefix: string; issuer: string },
  /** Pins the app to this CPU (taskset), so that two apps compared with each other run on the same core. */
  cpu?: number,
): Promise<RunningApp> {
  port ??= await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    DATABASE_URL: db.url,
    APP_SECRET: appSecret,
    PORT: String(port),
    HOST: '127.0.0.1',
    ISSUER: redis?.issuer ?? base,
    LOG_LEVEL: 'warn',
    WORKERS: String(workers),
    // No scenario sends mail; production refuses to start without SMTP unless the log transport is chosen.
    MAIL_TRANSPORT: 'log',
    // Codes for scenario 6 are made before it runs; 600 s is the most the config allows.
    AUTHORIZATION_CODE_TTL: '600',
    // No Redis unless asked for (scenario 2r): the benchmark measures the single-instance path on PostgreSQL.
    REDIS_URL: redis?.url ?? '',
    ...(redis ? { RATE_LIMIT_KEY_PREFIX: redis.keyPrefix } : {}),
    ...(settings.keepRateLimits ? {} : { ...UNLIMITED_RATES, ...LOCKOUT_OUT_OF_REACH }),
    ...(settings.profile ? { BENCH_PROFILE_DIR: join(RESULTS, 'profiles') } : {}),
    // Node/V8 flags for the app alone (the bench and autocannon keep their own): a lever measured without a rebuild.
    ...(process.env.BENCH_APP_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_APP_NODE_OPTIONS } : {}),
  };
  const args = [...(settings.profile ? ['-r', profilerPreload()] : []), join(ROOT, 'dist/src/main.js')];
  // taskset execs node in place, so the child's pid stays the app's (RSS and CPU sampling follow it).
  const pinned = cpu !== undefined && existsSync(TASKSET);
  const child = startChild(
    `app (WORKERS=${workers}${redis ? ', Redis' : ''}${pinned ? `, CPU ${cpu}` : ''})`,
    pinned ? TASKSET : process.execPath,
    pinned ? ['-c', String(cpu), process.execPath, ...args] : args,
    { cwd: ROOT, env },
  );
  await waitForHttp(`${base}/health/ready`, child);
  // With a cluster, the first worker answers /health/ready while the others may still be booting.
  const deadline = Date.now() + 30_000;
  const listening = (): number => child.output.filter((line) => /listening on/.test(line)).length;
  while (listening() < workers && Date.now() < deadline) {
    if (child.exitCode !== undefined) throw new Error(describeFailure(child));
    await sleep(100);
  }
  return { child, base, port, env, workers, listening: listening() };
}

/** One of our own scripts in bench/ as a child process with an IPC channel. */
export function startScript(name: string, script: string, env: NodeJS.ProcessEnv): ManagedChild {
  return startChild(name, process.execPath, [...TS_NODE, join(ROOT, 'bench', script)], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...env },
    ipc: true,
  });
}

export async function startHelper(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ManagedChild; base: string }> {
  const child = startScript(name, script, env);
  const port = await portFromChild(child);
  return { child, base: `http://127.0.0.1:${port}` };
}

export const PEER_CLIENT = { id: 'bench-peer', secret: randomBytes(32).toString('base64url') };

export async function startPeer(format: 'opaque' | 'jwt'): Promise<{ child: ManagedChild; base: string }> {
  const port = await freePort();
  return startHelper(`oidc-provider (${format})`, 'peer-oidc-provider.ts', {
    PORT: String(port),
    PEER_CLIENT_ID: PEER_CLIENT.id,
    PEER_CLIENT_SECRET: PEER_CLIENT.secret,
    PEER_TOKEN_FORMAT: format,
  });
}
