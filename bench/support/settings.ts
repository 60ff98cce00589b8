import { join, resolve } from 'node:path';

/** The repository root (bench/support/ → ../..). */
export const ROOT = resolve(__dirname, '..', '..');
export const RESULTS = join(ROOT, 'bench', 'results');

export const SCENARIO_IDS = ['1', '2', '2d', '3', '4', '5', '6', '7', '7b'] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

export const SCENARIO_NAMES: Record<ScenarioId, string> = {
  '1': 'ceiling: bare Fastify `{ ok: true }`',
  '2': 'GET /v1/user (JWT bearer)',
  '2d': 'GET /v1/user (DPoP-bound JWT + proof)',
  '3': 'GET /v1/projects (API key)',
  '4': 'POST /oauth2/token client_credentials',
  '5': 'POST /oauth2/token refresh_token (rotation)',
  '6': 'POST /oauth2/token authorization_code (+PKCE)',
  '7': 'peer: oidc-provider client_credentials (opaque)',
  '7b': 'peer: oidc-provider client_credentials (JWT ES256)',
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
  only: Set<ScenarioId>;
  output: string;
}

export const USAGE = `usage: npm run bench [-- --compare-workers] [-- --only 1,2,4]

  --compare-workers   scenario 2 (GET /v1/user) with WORKERS=1, then WORKERS=2, and the ratio
  --only <ids>        run only these scenarios (${SCENARIO_IDS.join(', ')}); writes bench/results/partial.tmp.json

environment (defaults in brackets):
  BENCH_DURATION [10]        seconds of measured load per scenario
  BENCH_CONNECTIONS [50]     concurrent connections
  BENCH_WARMUP [2]           seconds of unmeasured load before scenarios 1-4 and 7
  BENCH_WORKERS [1]          WORKERS for the app (cluster size)
  BENCH_POOL_MAX [20000]     most authorization codes to pre-create for scenarios 6 and 5
  BENCH_POOL_SECONDS [=BENCH_DURATION]  time budget for creating them
  BENCH_PROJECTS [5]         projects seeded for scenario 3
  BENCH_PROFILE [0]          1: CPU-profile the app per scenario into bench/results/profiles/
  BENCH_ADMIN_URL [postgresql://postgres@127.0.0.1:5432/postgres]
  BENCH_SKIP_BUILD [0]       1: use dist/ as it is
  BENCH_KEEP_RATE_LIMITS [0] 1: keep the app's rate limits (else raised out of reach; expect 429s with 1)
  BENCH_REDIS_URL            REDIS_URL for the app (default: none, in-memory)
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
      for (const id of list.split(',').map((s) => s.trim())) {
        if (!(SCENARIO_IDS as readonly string[]).includes(id)) {
          throw new Error(`unknown scenario "${id}"\n${USAGE}`);
        }
        only.add(id as ScenarioId);
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
  };
}
