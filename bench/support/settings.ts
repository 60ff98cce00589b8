import { join, resolve } from 'node:path';

/** The repository root (bench/support/ → ../..). */
export const ROOT = resolve(__dirname, '..', '..');
export const RESULTS = join(ROOT, 'bench', 'results');

/** In table order: the limits first, then the app's scenarios, then the peer. */
export const SCENARIO_IDS = [
  '1',
  'cc',
  'db',
  'argon2',
  'h',
  '2',
  '2d',
  '2r',
  '3',
  '4',
  '5',
  '6',
  '8',
  'mix',
  '7',
  '7b',
] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/** The physical limits, measured in the same run as the scenarios judged against them (best of two runs). */
export const LIMIT_IDS = ['1', 'cc', 'db', 'argon2'] as const satisfies readonly ScenarioId[];

export const SCENARIO_NAMES: Record<ScenarioId, string> = {
  '1': 'ceiling: bare Fastify `{ ok: true }`',
  cc: 'ceiling-cc: bare Fastify client_credentials, ES256 JWT',
  db: 'ceiling-db: pg BEGIN; UPDATE; INSERT; COMMIT',
  argon2: 'ceiling-argon2: argon2id verify, 1 core',
  h: 'GET /health (the app, no credential)',
  '2': 'GET /v1/user (JWT bearer)',
  '2d': 'GET /v1/user (DPoP-bound JWT + proof)',
  '2r': 'GET /v1/user (JWT bearer), REDIS_URL set',
  '3': 'GET /v1/projects (API key)',
  '4': 'POST /oauth2/token client_credentials',
  '5': 'POST /oauth2/token refresh_token (rotation)',
  '6': 'POST /oauth2/token authorization_code (+PKCE)',
  '8': 'POST /auth/login (argon2id, right password)',
  mix: 'mixed load: 5 streams at once (total)',
  '7': 'peer: oidc-provider client_credentials (opaque)',
  '7b': 'peer: oidc-provider client_credentials (JWT ES256)',
};

/** What each scenario's "% of limit" divides by: a limit, or scenario 2 for its variants. */
export const LIMIT_OF: Partial<Record<ScenarioId, ScenarioId>> = {
  h: '1',
  '2': '1',
  '3': '1',
  '2d': '2',
  '2r': '2',
  '4': 'cc',
  '5': 'db',
  '6': 'db',
  '8': 'argon2',
};

/** The least "% of limit" each scenario should reach. */
export const TARGET_PERCENT: Partial<Record<ScenarioId, number>> = {
  '2': 60,
  '3': 60,
  '2d': 70,
  '2r': 90,
  '4': 80,
  '5': 40,
  '6': 40,
  '8': 80,
};

/** Peak RSS per serving process under the mixed load. */
export const RSS_TARGET_MB = 150;

/** Longer names accepted by --only. */
const ALIASES: Record<string, ScenarioId> = {
  ceiling: '1',
  'ceiling-cc': 'cc',
  'ceiling-db': 'db',
  'ceiling-argon2': 'argon2',
};

export interface Settings {
  duration: number;
  connections: number;
  warmup: number;
  workers: number;
  poolMax: number;
  poolSeconds: number;
  projects: number;
  profile: boolean;
  adminUrl: string;
  skipBuild: boolean;
  keepRateLimits: boolean;
  compareWorkers: boolean;
  /** The scenarios to run: those asked for with --only plus the limits (and scenario 2) they are judged against. */
  only: Set<ScenarioId>;
  output: string;
  /** The app's PostgreSQL pool size (src/database/data-source.ts `extra.max`): ceiling-db's client count. */
  dbPool: number;
  /** REDIS_URL for scenario 2r's restart. */
  redisUrl: string;
}

export const USAGE = `usage: npm run bench [-- --compare-workers] [-- --only 1,2,4]

  --compare-workers   scenario 2 (GET /v1/user) with WORKERS=1, then WORKERS=2: the ratio and the app's
                      CPU-seconds per 1,000 requests for each
  --only <ids>        run only these scenarios and the limits they are judged against; ids:
                      ${SCENARIO_IDS.join(', ')}
                      (the limits also as ceiling, ceiling-cc, ceiling-db, ceiling-argon2);
                      writes bench/results/partial.tmp.json

environment (defaults in brackets):
  BENCH_DURATION [10]        seconds of measured load per scenario
  BENCH_CONNECTIONS [50]     concurrent connections
  BENCH_WARMUP [2]           seconds of unmeasured load before every run but 5, 6 and mix
  BENCH_WORKERS [1]          WORKERS for the app (cluster size)
  BENCH_POOL_MAX [20000]     most authorization codes to pre-create for scenarios 6 and 5
  BENCH_POOL_SECONDS [=BENCH_DURATION]  time budget for creating them
  BENCH_PROJECTS [5]         projects seeded for scenario 3
  BENCH_PROFILE [0]          1: CPU-profile the app per scenario into bench/results/profiles/
  BENCH_ADMIN_URL [postgresql://postgres@127.0.0.1:5432/postgres]
  BENCH_SKIP_BUILD [0]       1: use dist/ as it is
  BENCH_KEEP_RATE_LIMITS [0] 1: keep the app's rate limits (else raised out of reach; expect 429s with 1)
  BENCH_REDIS_URL [redis://127.0.0.1:6379]  REDIS_URL for scenario 2r (the other scenarios run without Redis)
  BENCH_DB_POOL [20]         clients of ceiling-db: the app's pool size (src/database/data-source.ts extra.max)
  BENCH_OUTPUT               JSON path (default bench/results/latest.json)`;

function envNumber(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new Error(`${name} must be a number between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

export function parseSettings(argv: string[]): Settings {
  let compareWorkers = false;
  let only: Set<ScenarioId> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === '--compare-workers') compareWorkers = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const list = arg.includes('=') ? arg.slice(7) : (argv[++i] ?? '');
      only = new Set();
      for (const name of list.split(',').map((s) => s.trim())) {
        const id = ALIASES[name] ?? name;
        if (!(SCENARIO_IDS as readonly string[]).includes(id)) {
          throw new Error(`unknown scenario "${name}"\n${USAGE}`);
        }
        only.add(id);
      }
      // A ratio needs its base from the same run: add the limits (and scenario 2 for 2d, 2r) recursively.
      for (const id of only) {
        const base = LIMIT_OF[id];
        if (base) only.add(base);
      }
    } else throw new Error(`unknown argument "${arg}"\n${USAGE}`);
  }
  const duration = envNumber('BENCH_DURATION', 10, 1, 600);
  const workers = envNumber('BENCH_WORKERS', 1, 1, 64);
  const profile = process.env.BENCH_PROFILE === '1';
  const defaultOutput = compareWorkers
    ? 'compare-workers.json'
    : only || profile
      ? 'partial.tmp.json'
      : workers === 1
        ? 'latest.json'
        : `latest-workers-${workers}.json`;
  return {
    duration,
    connections: envNumber('BENCH_CONNECTIONS', 50, 1, 10_000),
    warmup: envNumber('BENCH_WARMUP', 2, 0, 60),
    workers,
    poolMax: envNumber('BENCH_POOL_MAX', 20_000, 100, 1_000_000),
    poolSeconds: envNumber('BENCH_POOL_SECONDS', duration, 1, 600),
    projects: envNumber('BENCH_PROJECTS', 5, 1, 100),
    profile,
    adminUrl: process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
    skipBuild: process.env.BENCH_SKIP_BUILD === '1',
    keepRateLimits: process.env.BENCH_KEEP_RATE_LIMITS === '1',
    compareWorkers,
    only: only ?? new Set(SCENARIO_IDS),
    output: resolve(process.env.BENCH_OUTPUT ?? join(RESULTS, defaultOutput)),
    dbPool: envNumber('BENCH_DB_POOL', 20, 1, 1000),
    redisUrl: process.env.BENCH_REDIS_URL?.trim() || 'redis://127.0.0.1:6379',
  };
}
