import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';

/**
 * Who used the CPUs during a scenario, in cores: the app, the load generator (this process), PostgreSQL,
 * the rest of the machine and the hypervisor (steal). On a shared 2-core machine this says whether a
 * figure is trustworthy (other ≈ 0) and what limited it (app at 1.0 core: the app; postgres high: the
 * database; bench near 1.0: the load generator).
 */
export interface CpuUse {
  app: number;
  loadGenerator: number;
  postgres: number;
  other: number;
  steal: number;
  /** CPU-seconds the server under test used (all its processes): cores × the measured wall time. */
  appCpuSeconds: number;
  wallSeconds: number;
}

interface Ticks {
  busy: number;
  all: number;
  steal: number;
}

function machineTicks(): Ticks {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line
    .trim()
    .split(/\s+/)
    .slice(1, 9)
    .map(Number);
  const busy = user + nice + system + irq + softirq;
  return { busy, all: busy + idle + iowait + steal, steal: steal };
}

function processTicks(pid: number): { comm: string; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // Fields 14 and 15 (utime, stime); `fields` starts at field 3.
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const comm = processTicks(Number(entry))?.comm;
    if (comm === 'postgres' || comm === 'postmaster') pids.push(Number(entry));
  }
  return pids;
}

function sum(pids: number[], start: Map<number, number>): number {
  let total = 0;
  for (const pid of pids) {
    const now = processTicks(pid)?.ticks;
    if (now !== undefined) total += now - (start.get(pid) ?? 0);
  }
  return total;
}

function snapshot(pids: number[]): Map<number, number> {
  const map = new Map<number, number>();
  for (const pid of pids) {
    const ticks = processTicks(pid)?.ticks;
    if (ticks !== undefined) map.set(pid, ticks);
  }
  return map;
}

/** Starts measuring; `appPids` are read at start and at stop (cluster workers may appear). */
export function startCpuMeter(appPids: () => number[]): { stop(): CpuUse } {
  const cores = cpus().length;
  const machine = machineTicks();
  const app = snapshot(appPids());
  const postgres = snapshot(postgresPids());
  const self = snapshot([process.pid]);
  const started = performance.now();
  return {
    stop(): CpuUse {
      const now = machineTicks();
      const perCore = Math.max(1, (now.all - machine.all) / cores);
      const appTicks = sum([...new Set([...app.keys(), ...appPids()])], app);
      const postgresTicks = sum([...new Set([...postgres.keys(), ...postgresPids()])], postgres);
      const selfTicks = sum([process.pid], self);
      const busy = now.busy - machine.busy;
      const round = (ticks: number): number => Math.max(0, Math.round((ticks / perCore) * 100) / 100);
      const wallSeconds = (performance.now() - started) / 1000;
      return {
        appCpuSeconds: Math.round((appTicks / perCore) * wallSeconds * 1000) / 1000,
        wallSeconds: Math.round(wallSeconds * 1000) / 1000,
        app: round(appTicks),
        loadGenerator: round(selfTicks),
        postgres: round(postgresTicks),
        other: round(busy - appTicks - postgresTicks - selfTicks),
        steal: round(now.steal - machine.steal),
      };
    },
  };
}
