/**
 * The two limits that are not HTTP servers: what one durable rotation costs the database at best
 * (ceiling-db) and what one argon2id verification costs a core (ceiling-argon2). Each returns a LoadResult
 * so that it reports, and is judged, like any scenario.
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

import { Pool } from 'pg';

import { startCpuMeter } from './cpu';
import { LatencyHistogram, type LoadResult } from './load';
import { describeFailure, type ManagedChild, stopChild } from './processes';
import { startScript } from './servers';
import type { Settings } from './settings';

const SCHEMA = 'bench_ceiling';
const ROWS = 1000;

/**
 * ceiling-db: the shape of one refresh-token rotation (RFC 6749 §6; RFC 9700 §4.14.2 wants the old token
 * retired and a new one issued atomically): BEGIN; UPDATE one row of a small table; INSERT one row; COMMIT,
 * from node-postgres with as many clients as the app's pool (`extra.max`, BENCH_DB_POOL).
 *
 * `pg` rather than `pgbench -b simple-update`: pgbench is a C client that pipelines nothing but still costs
 * far less per statement than a JavaScript driver, and its built-in script runs three updates, a select and
 * an insert; the app reaches PostgreSQL through `pg` with parameterised statements (extended protocol) and
 * four round trips per transaction, as here. So this is the most the app's own driver and pool could commit.
 * Its own schema in the bench database, run while the app is idle, so neither disturbs the other.
 */
export async function ceilingDbScenario(settings: Settings, databaseUrl: string): Promise<LoadResult> {
  const pool = new Pool({ connectionString: databaseUrl, max: settings.dbPool });
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
    // No autovacuum on these tables: thousands of updates and inserts would trigger it within the next minute,
    // landing on whichever app scenario runs then. The run leaves no work behind for PostgreSQL.
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA}.grants (id int PRIMARY KEY, rotations bigint NOT NULL DEFAULT 0, rotated_at timestamptz) WITH (autovacuum_enabled = false)`,
    );
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${SCHEMA}.tokens (id bigserial PRIMARY KEY, grant_id int NOT NULL, token_hash text NOT NULL, created_at timestamptz NOT NULL DEFAULT now()) WITH (autovacuum_enabled = false)`,
    );
    await pool.query(
      `INSERT INTO ${SCHEMA}.grants (id) SELECT generate_series(1, $1::int) ON CONFLICT DO NOTHING`,
      [ROWS],
    );
    let next = 0;
    const run = async (seconds: number, histogram?: LatencyHistogram): Promise<number> => {
      const end = performance.now() + seconds * 1000;
      let errors = 0;
      const lane = async (): Promise<void> => {
        while (performance.now() < end) {
          // Consecutive rows: like rotations of different tokens, concurrent transactions never wait on a row lock.
          const id = (next++ % ROWS) + 1;
          const started = performance.now();
          const client = await pool.connect();
          try {
            await client.query('BEGIN');
            await client.query(
              `UPDATE ${SCHEMA}.grants SET rotations = rotations + 1, rotated_at = now() WHERE id = $1`,
              [id],
            );
            await client.query(`INSERT INTO ${SCHEMA}.tokens (grant_id, token_hash) VALUES ($1, $2)`, [
              id,
              `${id}-${started}`,
            ]);
            await client.query('COMMIT');
            histogram?.record(performance.now() - started);
          } catch {
            errors++;
            await client.query('ROLLBACK').catch(() => undefined);
          } finally {
            client.release();
          }
        }
      };
      await Promise.all(Array.from({ length: settings.dbPool }, lane));
      return errors;
    };
    if (settings.warmup > 0) await run(settings.warmup);
    const histogram = new LatencyHistogram();
    const meter = startCpuMeter(() => []);
    const started = performance.now();
    const errors = await run(settings.duration, histogram);
    const seconds = (performance.now() - started) / 1000;
    const cpu = meter.stop();
    return measured(histogram, seconds, errors, cpu);
  } finally {
    await pool.end();
  }
}

function measured(
  histogram: LatencyHistogram,
  seconds: number,
  errors: number,
  cpu?: LoadResult['cpu'],
): LoadResult {
  return {
    requests: histogram.count,
    seconds,
    rps: histogram.count / seconds,
    p50: histogram.percentile(50),
    p99: histogram.percentile(99),
    errors,
    non2xx: 0,
    statusCodes: {},
    verified: 0,
    verifyFailures: 0,
    cpu,
    histogram,
  };
}

async function message(child: ManagedChild, timeoutMs: number): Promise<Record<string, unknown>> {
  const outcome = await Promise.race([
    (once(child.process, 'message') as Promise<[unknown]>).then(([value]) => value),
    child.exited.then(() => 'exited' as const),
    sleep(timeoutMs, undefined, { ref: false }).then(() => 'timeout' as const),
  ]);
  if (outcome === 'exited') throw new Error(describeFailure(child));
  if (outcome === 'timeout') throw new Error(`${child.name} sent nothing within ${timeoutMs} ms`);
  return outcome as Record<string, unknown>;
}

/**
 * ceiling-argon2: bench/ceiling-argon2.ts with UV_THREADPOOL_SIZE=1 (one libuv thread: one core), its CPU
 * measured from its 'ready' message (after hashing and warm-up) to its result.
 */
export async function ceilingArgon2Scenario(settings: Settings): Promise<LoadResult> {
  const child = startScript('ceiling-argon2', 'ceiling-argon2.ts', {
    UV_THREADPOOL_SIZE: '1',
    ARGON2_DURATION: String(settings.duration),
    ARGON2_WARMUP: String(settings.warmup),
  });
  try {
    const ready = await message(child, 60_000 + settings.warmup * 1000);
    if (!ready.ready) throw new Error(`${child.name} sent an unexpected message`);
    const meter = startCpuMeter(() => [child.pid]);
    const done = await message(child, 60_000 + settings.duration * 1000);
    const cpu = meter.stop();
    const latencies = done.latenciesMs as number[];
    const histogram = new LatencyHistogram();
    for (const ms of latencies) histogram.record(ms);
    return measured(histogram, Number(done.seconds), 0, cpu);
  } finally {
    await stopChild(child);
  }
}
