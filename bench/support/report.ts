import type { CpuUse } from './cpu';
import type { LoadResult } from './load';

export interface ScenarioReport {
  id: string;
  name: string;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  seconds: number;
  errors: number;
  non2xx: number;
  /** (errors + non-2xx) / requests. */
  failureRate: number;
  flagged: boolean;
  flagReasons: string[];
  statusCodes: Record<string, number>;
  verified: number;
  verifyFailures: number;
  /** The limit (or, for 2d and 2r, scenario 2) this scenario is judged against, and its share of it. */
  limit?: string;
  percentOfLimit?: number;
  timesPeer?: number;
  pool?: { size: number; buildSeconds: number; buildRps: number };
  /** Limits: req/s of each run (early and late; the report keeps the best). 2r: req/s of each of its turns. */
  runs?: number[];
  /** Cores used during the measured run, by whom. */
  cpu?: CpuUse;
}

/** A scenario is flagged when more than 1% of its requests failed or a sampled response was wrong. */
export const FLAG_THRESHOLD = 0.01;

export function toReport(
  id: string,
  name: string,
  result: LoadResult,
  extra: Partial<ScenarioReport> = {},
): ScenarioReport {
  const failures = result.errors + result.non2xx;
  const failureRate = failures / Math.max(1, result.requests + result.errors);
  const flagReasons: string[] = [];
  if (failureRate > FLAG_THRESHOLD) {
    flagReasons.push(
      `${(failureRate * 100).toFixed(1)}% errors/non-2xx (status codes: ${JSON.stringify(result.statusCodes)})`,
    );
  }
  if (result.verifyFailures > 0) {
    flagReasons.push(
      `${result.verifyFailures} of ${result.verified} sampled responses were wrong, e.g. ${result.firstVerifyFailure}`,
    );
  }
  if (result.requests === 0) flagReasons.push('no responses');
  return {
    id,
    name,
    rps: Math.round(result.rps),
    p50Ms: round2(result.p50),
    p99Ms: round2(result.p99),
    requests: result.requests,
    seconds: round2(result.seconds),
    errors: result.errors,
    non2xx: result.non2xx,
    failureRate: Math.round(failureRate * 10000) / 10000,
    flagged: flagReasons.length > 0,
    flagReasons,
    statusCodes: result.statusCodes,
    verified: result.verified,
    verifyFailures: result.verifyFailures,
    ...(result.cpu ? { cpu: result.cpu } : {}),
    ...extra,
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function ms(n: number): string {
  return n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0);
}

function thousands(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A Markdown table (so it pastes into the README as is), columns padded for the terminal. */
export function markdownTable(headers: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (rightAligned.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

export function scenarioTable(scenarios: ScenarioReport[]): string {
  const rows = scenarios.map((s) => {
    const failures = s.errors + s.non2xx;
    const errors = failures === 0 ? '0' : `${thousands(failures)} (${(s.failureRate * 100).toFixed(1)}%)`;
    return [
      s.id,
      s.name,
      thousands(s.rps),
      ms(s.p50Ms),
      ms(s.p99Ms),
      `${s.flagged ? '⚠ ' : ''}${errors}`,
      s.limit ?? '',
      s.percentOfLimit === undefined ? '—' : `${s.percentOfLimit.toFixed(1)}%`,
      s.timesPeer === undefined ? '' : `${s.timesPeer.toFixed(2)}×`,
    ];
  });
  return markdownTable(
    ['#', 'scenario', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'limit', '% of limit', '× peer'],
    rows,
    new Set([2, 3, 4, 5, 6, 7, 8]),
  );
}

/** Other processes using more than this many cores during a scenario make its figure noisy. */
export const NOISE_CORES = 0.3;

export function cpuTable(scenarios: ScenarioReport[]): string {
  const rows = scenarios
    .filter((s) => s.cpu)
    .map((s) => {
      const c = s.cpu!;
      return [
        s.id,
        c.app.toFixed(2),
        c.postgres.toFixed(2),
        c.loadGenerator.toFixed(2),
        `${c.other > NOISE_CORES ? '⚠ ' : ''}${c.other.toFixed(2)}`,
        c.steal.toFixed(2),
      ];
    });
  return markdownTable(
    ['#', 'server under test', 'postgres', 'autocannon', 'other processes', 'steal'],
    rows,
    new Set([1, 2, 3, 4, 5]),
  );
}
