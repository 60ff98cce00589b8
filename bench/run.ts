/**
 * `npm run bench`: the performance suite. Builds if needed, creates a throwaway PostgreSQL
 * database, starts the production build (`node dist/src/main.js`), a bare Fastify ceiling and the
 * oidc-provider peer as child processes, seeds data through the real interfaces (operator CLI, the
 * code flow over HTTP, the self-service API), then runs each scenario with autocannon, one after
 * another, and prints one table + writes bench/results/latest.json. See bench/README.md for the knobs.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, relative } from 'node:path';

import { format, resolveConfig } from 'prettier';

import {
  buildCodePool,
  ceilingCcScenario,
  ceilingScenario,
  clientCredentialsScenario,
  codeExchangeScenario,
  type Context,
  dpopUserScenario,
  healthScenario,
  loginScenario,
  type MixResult,
  mixScenario,
  peerScenario,
  projectsScenario,
  refreshScenario,
  round1,
  userScenario,
} from './scenarios';
import type { Browser } from './support/browser';
import { ensureBuilt } from './support/build';
import { BenchDatabase } from './support/database';
import { ceilingArgon2Scenario, ceilingDbScenario } from './support/limits';
import { inTurns, type LoadResult } from './support/load';
import { log, summary } from './support/log';
import { killAllChildrenNow, stopAllChildren, stopChild } from './support/processes';
import { Profiler } from './support/profiler';
import {
  cpuTable,
  markdownTable,
  NOISE_CORES,
  type ScenarioReport,
  scenarioTable,
  toReport,
} from './support/report';
import type { RssSample } from './support/rss';
import {
  type Seed,
  seedAccounts,
  seedAccountsOverHttp,
  seedApiKeyAndProjects,
  type SeededClient,
  signInAndAuthorize,
  USER_SCOPES,
} from './support/seed';
import { type RunningApp, startApp, startHelper, UNLIMITED } from './support/servers';
import {
  LIMIT_IDS,
  LIMIT_OF,
  parseSettings,
  RESULTS,
  ROOT,
  RSS_TARGET_MB,
  SCENARIO_IDS,
  SCENARIO_NAMES,
  type ScenarioId,
  type Settings,
  TARGET_PERCENT,
} from './support/settings';

let database: BenchDatabase | undefined;
let cleaning: Promise<void> | undefined;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    await stopAllChildren();
    try {
      await database?.drop();
    } catch (error) {
      log(`could not drop database ${database?.name}: ${String(error)}`);
    }
  })();
  return cleaning;
}

/** A user and a client through the operator CLI; through sign-up + /v1/clients if the CLI fails. */
async function seedUserAndClient(
  app: RunningApp,
  notes: string[],
): Promise<{ accounts: { user: Seed['user']; client: SeededClient }; signedIn?: Browser }> {
  try {
    const accounts = await seedAccounts(ROOT, app.env);
    log(`seeded user ${accounts.user.email} and client ${accounts.client.clientId} through the operator CLI`);
    return { accounts };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    log(`${reason.slice(0, 400)}\n  → falling back to sign-up + POST /v1/clients over HTTP`);
    notes.push(
      `the operator CLI failed (${reason.slice(0, 300)}); the user and client were created through sign-up and POST /v1/clients instead.`,
    );
    const { browser, ...accounts } = await seedAccountsOverHttp(app.base);
    log(`seeded user ${accounts.user.email} and client ${accounts.client.clientId} over HTTP`);
    return { accounts, signedIn: browser };
  }
}

interface Environment {
  machine: Record<string, unknown>;
  appSecret: string;
  db: BenchDatabase;
}

async function prepare(settings: Settings): Promise<Environment> {
  if (settings.skipBuild) log('BENCH_SKIP_BUILD=1: using dist/ as it is');
  else {
    const build = ensureBuilt(ROOT, log);
    if (build.built) log(`built in ${(build.ms / 1000).toFixed(1)} s`);
  }
  mkdirSync(RESULTS, { recursive: true });
  const db = new BenchDatabase(settings.adminUrl, process.pid);
  database = db;
  const postgres = await db.create();
  log(`database ${db.name} created (PostgreSQL ${postgres})`);
  const cpu = cpus();
  return {
    db,
    appSecret: randomBytes(30).toString('base64url'), // 40 characters
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model,
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      postgres,
      loadAverageAtStart: loadavg().map((n) => Math.round(n * 100) / 100),
    },
  };
}

function percentOf(value: number, base: number | undefined): number | undefined {
  return base ? Math.round((value / base) * 1000) / 10 : undefined;
}

/** Formatted by Prettier with the repository's settings, so the committed result passes `prettier --check`. */
async function writeJson(path: string, data: unknown): Promise<void> {
  mkdirSync(join(path, '..'), { recursive: true });
  const options = (await resolveConfig(path)) ?? {};
  writeFileSync(path, await format(JSON.stringify(data), { ...options, parser: 'json' }));
  log(`wrote ${relative(ROOT, path)}`);
}

function rssLines(samples: RssSample[]): string[] {
  return samples.map((s) => `  ${s.role} pid ${s.pid}: peak ${s.peakMb} MB, average ${s.averageMb} MB`);
}

/** Where the cores went in each scenario; a busy machine makes a figure noisy, and the note says so. */
function printCpu(scenarios: ScenarioReport[], notes: string[]): void {
  if (!scenarios.some((s) => s.cpu)) return;
  console.log('\nCPU cores used during each measured run:');
  console.log(cpuTable(scenarios));
  const noisy = scenarios.filter((s) => (s.cpu?.other ?? 0) > NOISE_CORES).map((s) => s.id);
  if (noisy.length) {
    notes.push(
      `other processes on this machine used more than ${NOISE_CORES} cores during scenario(s) ${noisy.join(', ')}: those figures are noisy; run again on a quiet machine.`,
    );
  }
  // A server below one core while autocannon is near one: the load generator, not the server, set the pace.
  // Not ceiling-db (its client is this process, its server PostgreSQL) nor ceiling-argon2 (no load generator).
  const generatorBound = scenarios
    .filter(
      (s) => s.cpu && s.id !== 'db' && s.id !== 'argon2' && s.cpu.loadGenerator >= 0.9 && s.cpu.app < 0.9,
    )
    .map((s) => s.id);
  if (generatorBound.length) {
    notes.push(
      `in scenario(s) ${generatorBound.join(', ')} autocannon used a full core while the server did not: the load generator limited those figures (for the ceiling, that understates it and flatters every ratio).`,
    );
  }
}

interface Target {
  name: string;
  target: string;
  actual: string;
  met: boolean;
}

function printTargets(targets: Target[]): void {
  if (!targets.length) return;
  console.log('\nTargets:');
  console.log(
    markdownTable(
      ['target', 'wanted', 'measured', 'met'],
      targets.map((t) => [t.name, t.target, t.actual, t.met ? 'yes' : 'NO']),
      new Set(),
    ),
  );
}

/** Per-request CPU of WORKERS=2 over WORKERS=1 beyond this counts as grown (run-to-run noise is a few %). */
const CPU_GROWTH_PERCENT = 10;

/** Turns each of the two apps takes in scenario 2r (scenario 2's duration shared out between them). */
const ALTERNATIONS = 4;

/** How the "limit" column names each base. */
const LIMIT_LABELS: Partial<Record<ScenarioId, string>> = {
  '1': 'ceiling',
  cc: 'ceiling-cc',
  db: 'ceiling-db',
  argon2: 'ceiling-argon2',
  '2': 'scenario 2',
};

/** Returns false when a scenario was skipped or flagged (the exit status says so). */
async function fullRun(settings: Settings): Promise<boolean> {
  const env = await prepare(settings);
  const profiler = new Profiler(settings.profile);
  profiler.clean();
  const want = (id: ScenarioId): boolean => settings.only.has(id);
  const results = new Map<ScenarioId, ScenarioReport>();
  const notes: string[] = [];

  const ceiling = want('1')
    ? await startHelper('ceiling (bare Fastify)', 'ceiling-server.ts', { PORT: '0' })
    : undefined;
  const app = await startApp(settings, env.db, env.appSecret, settings.workers);
  log(
    `app ready at ${app.base} (WORKERS=${settings.workers}, ${app.listening} process(es) listening, pid ${app.child.pid})`,
  );
  if (settings.workers > 1 && app.listening < settings.workers) {
    notes.push(
      `WORKERS=${settings.workers} was asked for but only ${app.listening} process(es) reported listening: the app may ignore WORKERS.`,
    );
  }
  // Each stage that fails takes only the scenarios that need it down; the rest still run and report.
  const skipped = new Map<ScenarioId, string>();
  const attempt = async (ids: ScenarioId[], what: string, work: () => Promise<void>): Promise<void> => {
    const pending = ids.filter((id) => want(id) && !skipped.has(id));
    if (!pending.length) return;
    try {
      await work();
    } catch (error) {
      const reason = `${what} failed: ${error instanceof Error ? error.message : String(error)}`;
      log(`${reason} → skipping scenario(s) ${pending.join(', ')}`);
      for (const id of pending) skipped.set(id, reason.slice(0, 600));
    }
  };

  const { accounts, signedIn } = await seedUserAndClient(app, notes);
  const ctx: Context = { settings, app, client: accounts.client, user: accounts.user, profiler };
  await attempt(['2', '2d', '2r', '3', '5', '6', 'mix'], 'the authorization code flow', async () => {
    ctx.seed = { ...(await signInAndAuthorize(app.base, app.base, accounts, signedIn)), projectIds: [] };
    log('ran the authorization code flow over HTTP: access token, refresh token, remembered consent');
  });
  await attempt(['3', 'mix'], 'creating the API key and projects', async () => {
    const { apiKey, projectIds } = await seedApiKeyAndProjects(ctx.seed!, settings.projects);
    ctx.seed = { ...ctx.seed!, apiKey, projectIds };
    log(`created an API key (POST /v1/api-keys) and ${projectIds.length} projects with it`);
  });
  // ceiling-cc knows the seeded client, so its load carries scenario 4's very Basic header.
  let ccServer: Awaited<ReturnType<typeof startHelper>> | undefined;
  await attempt(['cc'], 'starting ceiling-cc', async () => {
    ccServer = await startHelper('ceiling-cc (bare Fastify)', 'ceiling-cc-server.ts', {
      PORT: '0',
      CC_CLIENT_ID: accounts.client.clientId,
      CC_CLIENT_SECRET: accounts.client.clientSecret,
      CC_SCOPES: USER_SCOPES,
    });
  });

  // Every limit is measured twice, once early and once late in the run, and the faster run is kept: this VM's
  // CPU speed drifts by tens of percent over minutes, and a limit caught in a slow phase would flatter every
  // ratio against it (seen here: a ceiling of 19k against 35-41k req/s in neighbouring runs).
  /** Keeps the faster of a measurement's runs, with every run's req/s. */
  const keepBest = (id: ScenarioId, runs: LoadResult[]): void => {
    const best = runs.reduce((a, b) => (b.rps > a.rps ? b : a));
    results.set(id, toReport(id, SCENARIO_NAMES[id], best, { runs: runs.map((r) => Math.round(r.rps)) }));
  };
  const limitRuns = new Map<ScenarioId, LoadResult[]>();
  const measureLimit = async (id: ScenarioId, run: () => Promise<LoadResult>): Promise<void> => {
    await attempt([id], `limit ${id}`, async () => {
      const runs = [...(limitRuns.get(id) ?? []), await run()];
      limitRuns.set(id, runs);
      keepBest(id, runs);
    });
  };
  // The HTTP limits bracket scenarios 2-4, the back-end limits scenarios 2-8; both run with the app idle.
  const httpLimits = async (): Promise<void> => {
    if (ceiling) await measureLimit('1', () => ceilingScenario(settings, ceiling));
    if (ccServer) {
      const server = ccServer;
      await measureLimit('cc', () => ceilingCcScenario(settings, server, accounts.client));
    }
  };
  const backEndLimits = async (): Promise<void> => {
    await measureLimit('db', async () => {
      log(`limit db: BEGIN; UPDATE; INSERT; COMMIT from a pg.Pool of ${settings.dbPool}`);
      const result = await ceilingDbScenario(settings, env.db.url);
      log(`  ${summary(result)}`);
      return result;
    });
    await measureLimit('argon2', async () => {
      log('limit argon2: argon2id verifications with UV_THREADPOOL_SIZE=1');
      const result = await ceilingArgon2Scenario(settings);
      log(`  ${summary(result)}`);
      return result;
    });
  };
  await httpLimits();
  await backEndLimits();

  const rss: { samples: RssSample[] } = { samples: [] };
  await attempt(['h'], 'scenario h', async () => {
    results.set('h', toReport('h', SCENARIO_NAMES.h, await healthScenario(ctx)));
  });
  await attempt(['2'], 'scenario 2', async () => {
    results.set('2', toReport('2', SCENARIO_NAMES['2'], await userScenario(ctx, rss)));
  });
  await attempt(['2d'], 'scenario 2d', async () => {
    results.set('2d', toReport('2d', SCENARIO_NAMES['2d'], await dpopUserScenario(ctx)));
  });
  await attempt(['3'], 'scenario 3', async () => {
    results.set('3', toReport('3', SCENARIO_NAMES['3'], await projectsScenario(ctx)));
  });
  await attempt(['4'], 'scenario 4', async () => {
    results.set('4', toReport('4', SCENARIO_NAMES['4'], await clientCredentialsScenario(ctx)));
  });

  await httpLimits();
  if (ceiling) await stopChild(ceiling.child);
  if (ccServer) await stopChild(ccServer.child);

  let pool: { codes: string[]; seconds: number; rps: number } | undefined;
  await attempt(['5', '6'], 'building the authorization code pool', async () => {
    pool = await buildCodePool(ctx);
    if (pool.codes.length === 0) throw new Error('no authorization codes could be created');
  });
  let refreshTokens: string[] = [];
  let exchange: LoadResult | undefined;
  // 6 runs before 5 (even when only 5 is wanted): its responses carry the fresh, independent refresh
  // tokens that 5 rotates.
  if (pool && (want('5') || want('6'))) {
    await attempt(['5', '6'], 'scenario 6', async () => {
      const codes = pool!.codes;
      ({ result: exchange, refreshTokens } = await codeExchangeScenario(ctx, codes));
      if (want('6')) {
        results.set(
          '6',
          toReport('6', SCENARIO_NAMES['6'], exchange, {
            pool: {
              size: codes.length,
              buildSeconds: round1(pool!.seconds),
              buildRps: Math.round(pool!.rps),
            },
          }),
        );
      }
      if (refreshTokens.length === 0) throw new Error('scenario 6 produced no refresh tokens for scenario 5');
    });
  }
  if (exchange && refreshTokens.length) {
    const made = exchange;
    await attempt(['5'], 'scenario 5', async () => {
      results.set(
        '5',
        toReport('5', SCENARIO_NAMES['5'], await refreshScenario(ctx, refreshTokens), {
          pool: {
            size: refreshTokens.length,
            buildSeconds: round1(made.seconds),
            buildRps: Math.round(made.rps),
          },
        }),
      );
    });
  }
  // Before 8: its argon2 hashing (19 MiB per libuv thread) would otherwise be counted in the mix's RSS, and the
  // mix figure would depend on whether 8 ran. After 2-6: the process carries what they left behind.
  let mix: MixResult | undefined;
  let mixStreams: ScenarioReport[] = [];
  await attempt(['mix'], 'scenario mix', async () => {
    mix = await mixScenario(ctx);
    results.set('mix', toReport('mix', SCENARIO_NAMES.mix, mix.total));
    mixStreams = mix.streams.map((s) => toReport(s.id, s.name, s.result));
  });

  await attempt(['8'], 'scenario 8', async () => {
    results.set('8', toReport('8', SCENARIO_NAMES['8'], await loginScenario(ctx)));
  });

  await backEndLimits();

  await stopChild(app.child);

  // 2r: the app with REDIS_URL against the app without, both started afresh on the same database and
  // APP_SECRET with the first app's ISSUER (so the token from the code flow stays valid), i.e. at the same
  // age: a long-running process has a grown heap (fewer collections) and hotter code than a fresh one. The
  // two take scenario 2's load in turns (ALTERNATIONS each, the other idle) and 2r is judged against the
  // no-Redis turns: this VM's speed drifts by tens of percent over minutes, and 2r against scenario 2 measured
  // minutes earlier read anywhere from 78 % to 143 % in neighbouring runs.
  let alternated: { plain: LoadResult; runs: number[] } | undefined;
  await attempt(['2r'], 'scenario 2r', async () => {
    const keyPrefix = `iiniit:bench:${process.pid}:${Date.now()}:`;
    // Both on the same core: this VM's two vCPUs differ (a hash loop runs ~12 % slower on CPU 0 than on CPU 1),
    // and which one each process landed on decided the comparison (2r at 78-93 % in some runs, 136 % in another).
    const cpu = settings.workers === 1 ? cpus().length - 1 : undefined;
    const plain = await startApp(settings, env.db, env.appSecret, settings.workers, app.port, undefined, cpu);
    try {
      const withRedis = await startApp(
        settings,
        env.db,
        env.appSecret,
        settings.workers,
        undefined,
        { url: settings.redisUrl, keyPrefix, issuer: app.base },
        cpu,
      );
      try {
        log(
          `two fresh apps: ${plain.base} without Redis, ${withRedis.base} with REDIS_URL=${settings.redisUrl} (RATE_LIMIT_KEY_PREFIX=${keyPrefix}); ${ALTERNATIONS} turns each`,
        );
        const turn: Context = {
          ...ctx,
          app: plain,
          settings: {
            ...settings,
            duration: settings.duration / ALTERNATIONS,
            warmup: Math.min(1, settings.warmup),
          },
        };
        const plainRuns: LoadResult[] = [];
        const redisRuns: LoadResult[] = [];
        for (let i = 0; i < ALTERNATIONS; i++) {
          // Each app's first turn warms it up for the full warm-up (its code is not optimised yet).
          const round = i === 0 ? { ...turn, settings: { ...turn.settings, warmup: settings.warmup } } : turn;
          plainRuns.push(await userScenario(round, undefined, '2'));
          redisRuns.push(await userScenario({ ...round, app: withRedis }, undefined, '2r'));
        }
        alternated = { plain: inTurns(plainRuns), runs: plainRuns.map((r) => Math.round(r.rps)) };
        results.set(
          '2r',
          toReport('2r', SCENARIO_NAMES['2r'], inTurns(redisRuns), {
            runs: redisRuns.map((r) => Math.round(r.rps)),
          }),
        );
      } finally {
        await stopChild(withRedis.child);
      }
    } finally {
      await stopChild(plain.child);
    }
  });
  await attempt(['7'], 'scenario 7', async () => {
    results.set('7', toReport('7', SCENARIO_NAMES['7'], await peerScenario(settings, 'opaque')));
  });
  await attempt(['7b'], 'scenario 7b', async () => {
    results.set('7b', toReport('7b', SCENARIO_NAMES['7b'], await peerScenario(settings, 'jwt')));
  });

  // Ratios: each scenario against its own limit from this run.
  for (const report of results.values()) {
    const base = LIMIT_OF[report.id as ScenarioId];
    const limit = base && results.get(base);
    if (!base || !limit) continue;
    report.limit = LIMIT_LABELS[base];
    report.percentOfLimit = percentOf(report.rps, limit.rps);
  }
  const r2 = results.get('2r');
  if (r2 && alternated) {
    r2.limit = 'scenario 2, in turns';
    r2.percentOfLimit = percentOf(r2.rps, alternated.plain.rps);
  }
  const cc = results.get('4');
  const peer = results.get('7');
  const peerJwt = results.get('7b');
  if (cc && peer) cc.timesPeer = Math.round((cc.rps / peer.rps) * 100) / 100;
  if (peerJwt && cc) peerJwt.timesPeer = Math.round((cc.rps / peerJwt.rps) * 100) / 100;

  const ordered = SCENARIO_IDS.flatMap((id) => results.get(id) ?? []);
  console.log(
    `\niiniit Identity benchmark — ${settings.duration} s per scenario, ${settings.connections} connections, WORKERS=${settings.workers}, ${String(env.machine.cpus)} CPUs, Node ${process.version}\n`,
  );
  console.log(scenarioTable(ordered));
  console.log(
    `\nreq/s is transactions/s on the ceiling-db row and verifications/s on the ceiling-argon2 row; limits are the best of ${[...limitRuns.values()].map((r) => r.length).reduce((a, b) => Math.max(a, b), 0)} runs.`,
  );
  if (peerJwt && cc) {
    console.log(
      `× peer: scenario 4 ÷ scenario 7 (headline); on row 7b, scenario 4 ÷ 7b (both sign ES256 JWTs).`,
    );
  }
  for (const report of [...ordered, ...mixStreams].filter((r) => r.flagged)) {
    console.log(`⚠ ${report.id}: ${report.flagReasons.join('; ')}`);
  }
  for (const [id, reason] of skipped) console.log(`⚠ ${id} (${SCENARIO_NAMES[id]}) did not run: ${reason}`);
  if (rss.samples.length) {
    console.log(`\nRSS of the app under load (scenario 2):\n${rssLines(rss.samples).join('\n')}`);
  }
  if (mix) {
    console.log(`\nMixed load (scenario mix): the streams, all at once against one app`);
    console.log(scenarioTable(mixStreams));
    console.log(`RSS of the app under the mixed load:\n${rssLines(mix.rss).join('\n')}`);
  }
  printCpu(ordered, notes);

  const targets: Target[] = [];
  for (const id of SCENARIO_IDS) {
    const wanted = TARGET_PERCENT[id];
    const r = results.get(id);
    const base = LIMIT_OF[id] && results.get(LIMIT_OF[id]);
    if (wanted === undefined || r?.percentOfLimit === undefined || !base) continue;
    // A ratio is only as good as both its figures.
    const flagged = r.flagged || base.flagged;
    targets.push({
      name: `${id}: ${SCENARIO_NAMES[id]}`,
      target: `≥ ${wanted}% of ${r.limit}`,
      actual: `${r.percentOfLimit.toFixed(1)}%${flagged ? ' (flagged)' : ''}`,
      met: r.percentOfLimit >= wanted && !flagged,
    });
  }
  const servingRss = (mix?.rss ?? []).filter((s) => s.role !== 'primary');
  if (servingRss.length) {
    const peak = Math.max(...servingRss.map((s) => s.peakMb));
    targets.push({
      name: 'mix: peak RSS per serving process',
      target: `≤ ${RSS_TARGET_MB} MB`,
      actual: `${peak} MB`,
      met: peak <= RSS_TARGET_MB,
    });
  }
  printTargets(targets);

  const appLines = app.child.output.filter((line) => line.trim() && !/listening on/.test(line));
  if (appLines.length) {
    notes.push(
      `the app printed ${appLines.length} line(s) at LOG_LEVEL=warn; the last: ${appLines.slice(-3).join(' | ').slice(0, 600)}`,
    );
  }
  const twice = [...limitRuns].filter(([, runs]) => runs.length > 1);
  if (twice.length) {
    notes.push(
      `Each limit was measured early and late in the run (${twice.map(([id, runs]) => `${LIMIT_LABELS[id]}: ${runs.map((r) => Math.round(r.rps).toLocaleString('en-US')).join(' and ')}`).join('; ')}); ratios use the faster run, so a slow phase of the machine never flatters them.`,
    );
  }
  if (r2 && alternated) {
    notes.push(
      `Scenario 2r took the load in turns with the app without Redis (${ALTERNATIONS} turns each of ${round1(settings.duration / ALTERNATIONS)} s): without Redis ${alternated.runs.map((n) => n.toLocaleString('en-US')).join(', ')} req/s (${Math.round(alternated.plain.rps).toLocaleString('en-US')} over all turns), with Redis ${(r2.runs ?? []).map((n) => n.toLocaleString('en-US')).join(', ')} req/s; 2r's ratio is over all turns.`,
    );
  }
  notes.push(
    'autocannon runs in the benchmark process and PostgreSQL on the same machine: on 2 cores the load generator, the server under test and the database share the CPUs, so ratios (same run) matter more than absolute figures.',
  );
  if (results.has('8') && results.has('argon2')) {
    notes.push(
      "ceiling-argon2 is one core (UV_THREADPOOL_SIZE=1); the app hashes in libuv's default pool of 4 threads, so scenario 8 may use more than one core for argon2 and exceed 100% of that limit: the CPU table shows how many it used.",
    );
  }
  if (want('5') || want('6')) {
    notes.push(
      'Scenario 6 runs before 5: the refresh tokens its code exchanges return are the pool that scenario 5 rotates (each token sent once). Both end early when their pool is spent; req/s is over the time they ran.',
    );
  }
  for (const note of notes) console.log(`\nnote: ${note}`);

  await writeJson(settings.output, {
    generatedAt: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: env.machine,
    settings: {
      durationSeconds: settings.duration,
      connections: settings.connections,
      warmupSeconds: settings.warmup,
      workers: settings.workers,
      poolMax: settings.poolMax,
      poolSeconds: settings.poolSeconds,
      projects: settings.projects,
      profile: settings.profile,
      dbPool: settings.dbPool,
      redisUrl: settings.redisUrl,
      rateLimits: settings.keepRateLimits ? 'app defaults' : `raised to ${UNLIMITED}`,
    },
    limits: Object.fromEntries(
      LIMIT_IDS.flatMap((id) => {
        const r = results.get(id);
        return r
          ? [[LIMIT_LABELS[id], { id, name: r.name, rps: r.rps, runs: r.runs, flagged: r.flagged }]]
          : [];
      }),
    ),
    scenarios: ordered,
    skipped: Object.fromEntries(skipped),
    rss: { scenario: '2', processes: rss.samples },
    ...(mix ? { mix: { streams: mixStreams, rss: mix.rss } } : {}),
    targets,
    notes,
    ...(profiler.summaries.length ? { profiles: profiler.summaries } : {}),
    table: scenarioTable(ordered),
  });
  return skipped.size === 0 && ![...ordered, ...mixStreams].some((r) => r.flagged);
}

async function compareWorkersRun(settings: Settings): Promise<boolean> {
  const env = await prepare(settings);
  const profiler = new Profiler(false);
  const ceiling = await startHelper('ceiling (bare Fastify)', 'ceiling-server.ts', { PORT: '0' });
  const ceilingResult = toReport(
    '1',
    'ceiling: bare Fastify `{ ok: true }`',
    await ceilingScenario(settings, ceiling),
  );
  await stopChild(ceiling.child);

  const rows: ScenarioReport[] = [ceilingResult];
  const rssByWorkers: Record<string, RssSample[]> = {};
  let seed: Seed | undefined;
  const notes: string[] = [];
  let port: number | undefined;
  for (const workers of [1, 2]) {
    const app = await startApp(settings, env.db, env.appSecret, workers, port);
    port = app.port;
    log(`app ready at ${app.base} (WORKERS=${workers}, ${app.listening} process(es) listening)`);
    if (workers > 1 && app.listening < workers) {
      notes.push(
        `WORKERS=${workers}: only ${app.listening} process(es) reported listening; the app may ignore WORKERS.`,
      );
    }
    // Same database and APP_SECRET: the token and user from the first start stay valid.
    if (!seed) {
      const { accounts, signedIn } = await seedUserAndClient(app, notes);
      seed = { ...(await signInAndAuthorize(app.base, app.base, accounts, signedIn)), projectIds: [] };
      log('ran the authorization code flow over HTTP for an access token');
    }
    const rss: { samples: RssSample[] } = { samples: [] };
    const result = await userScenario({ settings, app, client: seed.client, seed, profiler }, rss);
    rssByWorkers[String(workers)] = rss.samples;
    rows.push(toReport(`2 (W=${workers})`, `GET /v1/user (JWT bearer), WORKERS=${workers}`, result));
    await stopChild(app.child);
  }
  for (const row of rows.slice(1)) {
    row.limit = 'ceiling';
    row.percentOfLimit = percentOf(row.rps, ceilingResult.rps);
  }
  const ratio = Math.round((rows[2].rps / rows[1].rps) * 100) / 100;
  // With the load generator on the same 2 cores, req/s cannot show what a second worker adds; CPU per request
  // can: a cluster that costs more CPU per request (IPC, a second heap and JIT, contention) shows it here.
  const cpuPer1000 = rows
    .slice(1)
    .map((row) =>
      row.cpu && row.requests
        ? Math.round((row.cpu.appCpuSeconds / row.requests) * 1000 * 1000) / 1000
        : undefined,
    );
  const [cpu1, cpu2] = cpuPer1000;
  const cpuGrowthPercent =
    cpu1 !== undefined && cpu2 !== undefined ? Math.round((cpu2 / cpu1 - 1) * 1000) / 10 : undefined;

  console.log(
    `\nWORKERS=1 vs WORKERS=2 — ${settings.duration} s per run, ${settings.connections} connections, ${String(env.machine.cpus)} CPUs\n`,
  );
  console.log(scenarioTable(rows));
  const valid = !rows[1].flagged && !rows[2].flagged;
  console.log(
    `\n2 workers ÷ 1 worker on GET /v1/user: ${ratio.toFixed(2)}× (target ≥ 1.8×)${valid ? '' : ' — not valid: a run is flagged'}`,
  );
  for (const report of rows.filter((r) => r.flagged)) {
    console.log(`⚠ ${report.id}: ${report.flagReasons.join('; ')}`);
  }
  if (cpu1 !== undefined && cpu2 !== undefined && cpuGrowthPercent !== undefined) {
    const verdict =
      cpuGrowthPercent > CPU_GROWTH_PERCENT
        ? `per-request CPU grew by ${cpuGrowthPercent.toFixed(1)}%: the second worker costs CPU of its own`
        : `per-request CPU did not grow (${cpuGrowthPercent >= 0 ? '+' : ''}${cpuGrowthPercent.toFixed(1)}%, within ${CPU_GROWTH_PERCENT}%): the cluster adds no overhead per request`;
    console.log(
      `CPU-seconds of the app (all its processes) per 1,000 requests: WORKERS=1 ${cpu1.toFixed(3)} s, WORKERS=2 ${cpu2.toFixed(3)} s — ${verdict}.`,
    );
  }
  for (const [workers, samples] of Object.entries(rssByWorkers)) {
    console.log(`RSS, WORKERS=${workers}:\n${rssLines(samples).join('\n')}`);
  }
  printCpu(rows, notes);
  const workerPeak = Math.max(
    ...(rssByWorkers['2'] ?? []).filter((r) => r.role !== 'primary').map((r) => r.peakMb),
  );
  const targets: Target[] = [
    {
      name: '2 workers vs 1 on GET /v1/user',
      target: '≥ 1.8×',
      actual: `${ratio.toFixed(2)}×`,
      met: valid && ratio >= 1.8,
    },
    ...(Number.isFinite(workerPeak)
      ? [
          {
            name: 'RSS per worker under load',
            target: `≤ ${RSS_TARGET_MB} MB`,
            actual: `${workerPeak} MB`,
            met: workerPeak <= RSS_TARGET_MB,
          },
        ]
      : []),
  ];
  printTargets(targets);
  notes.push(
    'autocannon itself needs most of a core: with 2 CPUs, 2 app workers compete with the load generator and PostgreSQL, so this ratio understates what 2 workers give on a machine with spare cores.',
  );
  for (const note of notes) console.log(`\nnote: ${note}`);
  await writeJson(settings.output, {
    generatedAt: new Date().toISOString(),
    command: 'npm run bench -- --compare-workers',
    machine: env.machine,
    settings: {
      durationSeconds: settings.duration,
      connections: settings.connections,
      warmupSeconds: settings.warmup,
    },
    scenarios: rows,
    workersRatio: ratio,
    workersRatioValid: valid,
    cpuSecondsPer1000Requests: { '1': cpu1, '2': cpu2 },
    cpuGrowthPercent,
    rss: rssByWorkers,
    targets,
    notes,
    table: scenarioTable(rows),
  });
  return valid;
}

async function main(): Promise<void> {
  const settings = parseSettings(process.argv.slice(2));
  process.once('SIGINT', () => {
    log('interrupted: stopping child processes and dropping the database');
    void cleanup().finally(() => process.exit(130));
  });
  process.once('SIGTERM', () => void cleanup().finally(() => process.exit(143)));
  process.on('exit', killAllChildrenNow);
  let clean: boolean;
  try {
    clean = settings.compareWorkers ? await compareWorkersRun(settings) : await fullRun(settings);
  } finally {
    await cleanup();
  }
  // 3: the table was printed, but a scenario was skipped or flagged (failed requests or wrong answers).
  if (!clean) process.exitCode = 3;
  log(clean ? 'done' : 'done, with skipped or flagged scenarios (exit status 3)');
}

main().catch((error: unknown) => {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  void cleanup().finally(() => process.exit(1));
});
