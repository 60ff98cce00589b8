import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { log } from './log';
import { processTree } from './processes';
import { PROFILE_SIGNAL } from './profile-signal';
import { type ProfileSummary, summarizeProfile } from './profile-summary';
import type { RunningApp } from './servers';
import { RESULTS, ROOT } from './settings';

export interface QueryCount {
  total: number;
  perRequest: number;
  top: { sql: string; count: number; perRequest: number }[];
}

/** BENCH_PROFILE=1: a CPU profile of the app per scenario (see profiler-preload.ts). */
export class Profiler {
  private readonly sequence = new Map<number, number>();
  readonly summaries: (ProfileSummary & { scenario: string; queries?: QueryCount })[] = [];
  private readonly dir = join(RESULTS, 'profiles');

  constructor(readonly enabled: boolean) {
    if (enabled) mkdirSync(this.dir, { recursive: true });
  }

  /** The processes that serve requests: the app itself, or its workers. */
  private targets(app: RunningApp): number[] {
    const tree = processTree(app.child.pid);
    return tree.length > 1 ? tree.slice(1) : tree;
  }

  start(app: RunningApp): void {
    if (!this.enabled) return;
    for (const pid of this.targets(app)) process.kill(pid, PROFILE_SIGNAL);
  }

  /** `requests`: responses in the profiled run, to express SQL statements per request. */
  async stop(app: RunningApp, scenario: string, requests: number): Promise<void> {
    if (!this.enabled) return;
    for (const pid of this.targets(app)) {
      process.kill(pid, PROFILE_SIGNAL);
      const n = (this.sequence.get(pid) ?? 0) + 1;
      this.sequence.set(pid, n);
      const written = join(this.dir, `${pid}-${n}.cpuprofile`);
      const deadline = Date.now() + 30_000;
      while (!existsSync(written) && Date.now() < deadline) await sleep(100);
      if (!existsSync(written)) {
        log(`profile of pid ${pid} did not appear`);
        continue;
      }
      const file = join(this.dir, `scenario-${scenario}-pid${pid}.cpuprofile`);
      renameSync(written, file);
      const summary = summarizeProfile(file);
      const queries = this.queries(
        written.replace(/\.cpuprofile$/, '.queries.json'),
        requests,
        scenario,
        pid,
      );
      this.summaries.push({ scenario, ...summary, file: relative(ROOT, file), queries });
      log(`profile ${relative(ROOT, file)} (${summary.sampledMs} ms on CPU), self time:`);
      for (const entry of summary.byOwner.slice(0, 8)) {
        log(`    ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}`);
      }
      log('  top functions:');
      for (const entry of summary.topFunctions.slice(0, 10)) {
        log(`    ${entry.percent.toFixed(1).padStart(5)}%  ${entry.name}`);
      }
      if (queries) {
        log(`  SQL statements: ${queries.perRequest} per request (${queries.total} in ${requests} requests)`);
        for (const q of queries.top.slice(0, 8)) {
          log(`    ${q.perRequest.toFixed(2).padStart(5)}/req  ${q.sql.slice(0, 150)}`);
        }
      }
    }
  }

  /** The statement counts written beside the profile (see profiler-preload.ts). */
  private queries(path: string, requests: number, scenario: string, pid: number): QueryCount | undefined {
    if (!existsSync(path)) return undefined;
    const counted = JSON.parse(readFileSync(path, 'utf8')) as { sql: string; count: number }[];
    const kept = join(this.dir, `scenario-${scenario}-pid${pid}.queries.json`);
    renameSync(path, kept);
    const per = (n: number): number => Math.round((n / Math.max(1, requests)) * 100) / 100;
    const total = counted.reduce((sum, q) => sum + q.count, 0);
    return {
      total,
      perRequest: per(total),
      top: counted.slice(0, 15).map((q) => ({ sql: q.sql, count: q.count, perRequest: per(q.count) })),
    };
  }

  /** Leftovers of an earlier run would be confused with this one's. */
  clean(): void {
    if (!this.enabled) return;
    for (const name of readdirSync(this.dir)) {
      if (/^\d+-\d+\.(cpuprofile|queries\.json)/.test(name)) {
        renameSync(join(this.dir, name), join(this.dir, `stale-${name}`));
      }
    }
  }
}
