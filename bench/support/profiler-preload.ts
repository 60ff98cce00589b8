/**
 * Loaded into the app with `-r` when BENCH_PROFILE=1. PROFILE_SIGNAL (SIGWINCH) starts the V8 sampling
 * profiler and a count of the SQL statements the app sends; the next one stops both and writes
 * `<BENCH_PROFILE_DIR>/<pid>-<n>.queries.json`, then `<pid>-<n>.cpuprofile` (Chrome DevTools format).
 * `node --cpu-prof` is no use here: it writes only on a normal exit, and Nest's shutdown hook re-raises
 * SIGTERM, so the process dies by signal and the profile is lost; per-scenario profiles are also clearer.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

import { Client } from 'pg';

import { PROFILE_SIGNAL } from './profile-signal';

const dir = process.env.BENCH_PROFILE_DIR;

/** Atomic: the benchmark waits for the final name to appear. */
function writeAtomically(file: string, text: string): void {
  writeFileSync(`${file}.partial`, text);
  renameSync(`${file}.partial`, file);
}

if (dir) {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object): Promise<unknown> =>
    new Promise((resolve, reject) =>
      session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
    );

  // Every statement goes through pg's Client#query (TypeORM's driver and pg's Pool both end there): count
  // them by text, so "queries per request" and "which ones" come with each profile. The app resolves the
  // same `pg` module from the same node_modules, so patching its prototype here reaches the app's clients.
  const statements = new Map<string, number>();
  let profiling = false;
  const proto = Client.prototype as unknown as { query: (...args: unknown[]) => unknown };
  const query = proto.query;
  proto.query = function countingQuery(this: unknown, ...args: unknown[]): unknown {
    if (profiling) {
      const first = args[0];
      const text = typeof first === 'string' ? first : (first as { text?: unknown } | undefined)?.text;
      const key = typeof text === 'string' ? text.replace(/\s+/g, ' ').trim().slice(0, 200) : '(other)';
      statements.set(key, (statements.get(key) ?? 0) + 1);
    }
    return query.apply(this, args);
  };

  let sequence = 0;
  const toggle = async (): Promise<void> => {
    if (!profiling) {
      statements.clear();
      profiling = true;
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
      return;
    }
    profiling = false;
    const { profile } = (await post('Profiler.stop')) as { profile: unknown };
    const base = join(dir, `${process.pid}-${++sequence}`);
    const counted = [...statements].sort((a, b) => b[1] - a[1]).map(([sql, count]) => ({ sql, count }));
    writeAtomically(`${base}.queries.json`, JSON.stringify(counted));
    writeAtomically(`${base}.cpuprofile`, JSON.stringify(profile));
  };
  process.on(PROFILE_SIGNAL, () => {
    toggle().catch((error: unknown) => console.error('profiler:', error));
  });
}
