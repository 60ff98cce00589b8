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
  ceilingScenario,
  clientCredentialsScenario,
  codeExchangeScenario,
  type Context,
  dpopUserScenario,
  peerScenario,
  projectsScenario,
  refreshScenario,
  round1,
  userScenario,
} from './scenarios';
import type { Browser } from './support/browser';
import { ensureBuilt } from './support/build';
import { BenchDatabase } from './support/database';
import type { LoadResult } from './support/load';
import { log } from './support/log';
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
} from './support/seed';
import { type RunningApp, startApp, startHelper, UNLIMITED } from './support/servers';
import {
  parseSettings,
  RESULTS,
  ROOT,
  SCENARIO_IDS,
  SCENARIO_NAMES,
  type ScenarioId,
  type Settings,
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
  const generatorBound = scenarios
    .filter((s) => s.cpu && s.cpu.loadGenerator >= 0.9 && s.cpu.app < 0.9)
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
  const ctx: Context = { settings, app, client: accounts.client, profiler };
  await attempt(['2', '2d', '3', '5', '6'], 'the authorization code flow', async () => {
    ctx.seed = { ...(await signInAndAuthorize(app.base, app.base, accounts, signedIn)), projectIds: [] };
    log('ran the authorization code flow over HTTP: access token, refresh token, remembered consent');
  });
  await attempt(['3'], 'creating the API key and projects', async () => {
    const { apiKey, projectIds } = await seedApiKeyAndProjects(ctx.seed!, settings.projects);
    ctx.seed = { ...ctx.seed!, apiKey, projectIds };
    log(`created an API key (POST /v1/api-keys) and ${projectIds.length} projects with it`);
  });

  // The ceiling is measured before scenarios 2-4 and again after them, and the faster run is kept: this VM's
  // CPU speed drifts by tens of percent over minutes, and a ceiling caught in a slow phase would flatter every
  // ratio (seen here: 19k against 35-41k req/s in neighbouring runs).
  const ceilingRuns: LoadResult[] = [];
  const measureCeiling = async (): Promise<void> => {
    if (!ceiling) return;
    await attempt(['1'], 'scenario 1', async () => {
      ceilingRuns.push(await ceilingScenario(settings, ceiling));
      const best = ceilingRuns.reduce((a, b) => (b.rps > a.rps ? b : a));
      results.set(
        '1',
        toReport('1', SCENARIO_NAMES['1'], best, { ceilingRuns: ceilingRuns.map((r) => Math.round(r.rps)) }),
      );
    });
  };
  await measureCeiling();
  const rss: { samples: RssSample[] } = { samples: [] };
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

  await measureCeiling();
  if (ceiling) await stopChild(ceiling.child);
  const runs = results.get('1')?.ceilingRuns;
  if (runs && runs.length > 1) {
    notes.push(
      `The ceiling was measured before and after scenarios 2-4 (${runs.map((r) => r.toLocaleString('en-US')).join(' and ')} req/s); ratios use the faster run, so a slow phase of the machine never flatters them.`,
    );
  }

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
  await stopChild(app.child);
  await attempt(['7'], 'scenario 7', async () => {
    results.set('7', toReport('7', SCENARIO_NAMES['7'], await peerScenario(settings, 'opaque')));
  });
  await attempt(['7b'], 'scenario 7b', async () => {
    results.set('7b', toReport('7b', SCENARIO_NAMES['7b'], await peerScenario(settings, 'jwt')));
  });

  // Ratios.
  const ceilingRps = results.get('1')?.rps;
  for (const report of results.values()) {
    if (report.id !== '1') report.percentOfCeiling = percentOf(report.rps, ceilingRps);
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
  if (peerJwt && cc) {
    console.log(
      `\n× peer: scenario 4 ÷ scenario 7 (headline); on row 7b, scenario 4 ÷ 7b (both sign ES256 JWTs).`,
    );
  }
  for (const report of ordered.filter((r) => r.flagged)) {
    console.log(`⚠ ${report.id}: ${report.flagReasons.join('; ')}`);
  }
  for (const [id, reason] of skipped) console.log(`⚠ ${id} (${SCENARIO_NAMES[id]}) did not run: ${reason}`);
  if (rss.samples.length) {
    console.log(`\nRSS of the app under load (scenario 2):\n${rssLines(rss.samples).join('\n')}`);
  }
  printCpu(ordered, notes);

  const targets: Target[] = [];
  const ratioTarget = (id: ScenarioId, name: string, wanted: number): void => {
    const r = results.get(id);
    if (r?.percentOfCeiling !== undefined) {
      targets.push({
        name,
        target: `≥ ${wanted}% of ceiling`,
        actual: `${r.percentOfCeiling.toFixed(1)}%${r.flagged ? ' (flagged)' : ''}`,
        met: r.percentOfCeiling >= wanted && !r.flagged,
      });
    }
  };
  ratioTarget('2', 'GET /v1/user with JWT', 50);
  ratioTarget('3', 'GET /v1/projects with API key', 40);
  if (cc?.timesPeer !== undefined) {
    targets.push({
      name: 'client_credentials vs oidc-provider',
      target: '≥ 3× peer',
      actual: `${cc.timesPeer.toFixed(2)}×${cc.flagged || peer?.flagged ? ' (flagged)' : ''}`,
      met: cc.timesPeer >= 3 && !cc.flagged && !peer?.flagged,
    });
  }
  const servingRss = rss.samples.filter((s) => s.role !== 'primary');
  if (servingRss.length) {
    const peak = Math.max(...servingRss.map((s) => s.peakMb));
    targets.push({
      name: 'RSS per worker under load',
      target: '≤ 200 MB',
      actual: `${peak} MB`,
      met: peak <= 200,
    });
  }
  printTargets(targets);

  const appLines = app.child.output.filter((line) => line.trim() && !/listening on/.test(line));
  if (appLines.length) {
    notes.push(
      `the app printed ${appLines.length} line(s) at LOG_LEVEL=warn; the last: ${appLines.slice(-3).join(' | ').slice(0, 600)}`,
    );
  }
  notes.push(
    'autocannon runs in the benchmark process and PostgreSQL on the same machine: on 2 cores the load generator, the server under test and the database share the CPUs, so ratios (same run) matter more than absolute figures.',
  );
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
      rateLimits: settings.keepRateLimits ? 'app defaults' : `raised to ${UNLIMITED}`,
    },
    scenarios: ordered,
    skipped: Object.fromEntries(skipped),
    rss: { scenario: '2', processes: rss.samples },
    targets,
    notes,
    ...(profiler.summaries.length ? { profiles: profiler.summaries } : {}),
    table: scenarioTable(ordered),
  });
  return skipped.size === 0 && !ordered.some((r) => r.flagged);
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
  for (const row of rows.slice(1)) row.percentOfCeiling = percentOf(row.rps, ceilingResult.rps);
  const ratio = Math.round((rows[2].rps / rows[1].rps) * 100) / 100;

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
            target: '≤ 200 MB',
            actual: `${workerPeak} MB`,
            met: workerPeak <= 200,
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
