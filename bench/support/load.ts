import { performance } from 'node:perf_hooks';

import autocannon from 'autocannon';

import { type CpuUse, startCpuMeter } from './cpu';

/**
 * Latency histogram with 10 µs buckets up to 10 s. autocannon's own histogram keeps whole milliseconds,
 * which hides the difference between 1.1 ms and 1.9 ms; its `response` event carries the exact time.
 */
export class LatencyHistogram {
  private static readonly BUCKET_MS = 0.01;
  private readonly counts = new Uint32Array(1_000_000);
  count = 0;

  /** One histogram over several parallel loads (the mixed load's streams). */
  static merge(histograms: LatencyHistogram[]): LatencyHistogram {
    const merged = new LatencyHistogram();
    for (const h of histograms) {
      for (let i = 0; i < h.counts.length; i++) if (h.counts[i]) merged.counts[i] += h.counts[i];
      merged.count += h.count;
    }
    return merged;
  }

  record(ms: number): void {
    const bucket = Math.min(this.counts.length - 1, Math.floor(ms / LatencyHistogram.BUCKET_MS));
    this.counts[bucket]++;
    this.count++;
  }

  percentile(p: number): number {
    if (this.count === 0) return 0;
    const rank = Math.ceil((p / 100) * this.count);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i];
      if (seen >= rank) return (i + 1) * LatencyHistogram.BUCKET_MS;
    }
    return this.counts.length * LatencyHistogram.BUCKET_MS;
  }
}

export type Verify = (status: number, body: string) => string | undefined;

export interface LoadSpec {
  url: string;
  connections: number;
  /** Seconds of measured load (an upper bound when `amount` is set). */
  duration: number;
  /** Unmeasured load first, for the JIT and connection pools; seconds. */
  warmup?: number;
  /** Exactly this many requests (token pools): the run ends when they are spent or `duration` passes. */
  amount?: number;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Rewrites each request (autocannon calls it before every send on a connection). */
  setupRequest?: autocannon.Request['setupRequest'];
  /** Sees every response (for collecting tokens and codes). */
  onResponse?: (status: number, body: string, headers: Record<string, string | string[]>) => void;
  /** Checked on every `verifyEvery`-th response: returns a problem description or undefined. */
  verify?: Verify;
  verifyEvery?: number;
  /**
   * What a successful answer is, checked on every response, when it is not a 2xx (a sign-in answers 303):
   * the responses it refuses are counted as `non2xx` instead of autocannon's own count.
   */
  success?: (status: number, headers: Record<string, string | string[]>) => boolean;
  /** Called between warm-up and the measured run (start a profiler or an RSS sampler). */
  beforeMeasure?: () => void | Promise<void>;
  /** The server under test's pids: its CPU use (and everyone else's) is measured during the run. */
  serverPids?: () => number[];
}

export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Socket errors and timeouts. */
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  verified: number;
  verifyFailures: number;
  firstVerifyFailure?: string;
  cpu?: CpuUse;
  /** The per-response timings, for merging parallel loads. */
  histogram?: LatencyHistogram;
}

function runOnce(spec: LoadSpec, duration: number, measure: boolean): Promise<LoadResult> {
  const histogram = new LatencyHistogram();
  let verified = 0;
  let verifyFailures = 0;
  let firstVerifyFailure: string | undefined;
  let seen = 0;
  let refused = 0;
  const every = Math.max(1, spec.verifyEvery ?? 50);
  const wantsBody =
    measure && (spec.verify !== undefined || spec.onResponse !== undefined || spec.success !== undefined);

  const request: autocannon.Request = {
    method: spec.method ?? 'GET',
    path: spec.path ?? '/',
    headers: spec.headers ?? {},
    body: spec.body,
    ...(spec.setupRequest ? { setupRequest: spec.setupRequest } : {}),
    ...(wantsBody
      ? {
          onResponse: (
            status: number,
            body: string,
            _context: autocannon.Context,
            headers: Record<string, string | string[]>,
          ) => {
            spec.onResponse?.(status, body, headers);
            if (spec.success && !spec.success(status, headers)) refused++;
            if (spec.verify && seen++ % every === 0) {
              verified++;
              const problem = spec.verify(status, body);
              if (problem) {
                verifyFailures++;
                firstVerifyFailure ??= problem;
              }
            }
          },
        }
      : {}),
  };

  const started = performance.now();
  let lastResponse = started;
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    pipelining: 1,
    timeout: 10,
    ...(spec.amount ? { amount: spec.amount } : { duration }),
    requests: [request],
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => {
    histogram.record(responseTime);
    lastResponse = performance.now();
  });
  // With `amount`, autocannon has no clock of its own: stop at `duration` ourselves.
  const timer = spec.amount ? setTimeout(() => instance.stop(), duration * 1000) : undefined;

  return new Promise<LoadResult>((resolve, reject) => {
    instance.then((result) => {
      clearTimeout(timer);
      // Own clock: autocannon only notices the end at its next 1 s tick, which would understate req/s.
      const seconds = Math.max(0.001, (lastResponse - started) / 1000);
      const statusCodes: Record<string, number> = {};
      for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
      resolve({
        requests: histogram.count,
        seconds,
        rps: histogram.count / seconds,
        p50: histogram.percentile(50),
        p99: histogram.percentile(99),
        errors: result.errors,
        non2xx: spec.success ? refused : result.non2xx,
        statusCodes,
        verified,
        verifyFailures,
        firstVerifyFailure,
        histogram,
      });
    }, reject);
  });
}

/** Warm-up (unmeasured), then the measured run. */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  if (spec.warmup && spec.warmup > 0 && !spec.amount) await runOnce(spec, spec.warmup, false);
  await spec.beforeMeasure?.();
  const meter = spec.serverPids ? startCpuMeter(spec.serverPids) : undefined;
  const result = await runOnce(spec, spec.duration, true);
  return { ...result, cpu: meter?.stop() };
}

/** Expects HTTP 200 and a JSON body with the given fields. */
export function expectJson(fields: string[], status = 200): Verify {
  return (actual, body) => {
    if (actual !== status) return `HTTP ${actual}: ${body.slice(0, 200)}`;
    try {
      const parsed = JSON.parse(body) as Record<string, unknown>;
      const missing = fields.filter((f) => parsed[f] === undefined);
      return missing.length ? `response lacks ${missing.join(', ')}: ${body.slice(0, 200)}` : undefined;
    } catch {
      return `not JSON: ${body.slice(0, 200)}`;
    }
  };
}

/**
 * Several loads as one result: counts summed, latencies from the merged histograms. `seconds` and `rps`
 * depend on how the loads ran (side by side or one after another), so the caller gives them.
 */
export function combineLoads(
  results: LoadResult[],
  timing: { seconds: number; rps: number },
  cpu?: CpuUse,
): LoadResult {
  const histogram = LatencyHistogram.merge(results.flatMap((r) => r.histogram ?? []));
  const statusCodes: Record<string, number> = {};
  for (const r of results) {
    for (const [code, count] of Object.entries(r.statusCodes)) {
      statusCodes[code] = (statusCodes[code] ?? 0) + count;
    }
  }
  const sum = (key: 'requests' | 'errors' | 'non2xx' | 'verified' | 'verifyFailures'): number =>
    results.reduce((total, r) => total + r[key], 0);
  return {
    requests: sum('requests'),
    ...timing,
    p50: histogram.percentile(50),
    p99: histogram.percentile(99),
    errors: sum('errors'),
    non2xx: sum('non2xx'),
    statusCodes,
    verified: sum('verified'),
    verifyFailures: sum('verifyFailures'),
    firstVerifyFailure: results.find((r) => r.firstVerifyFailure)?.firstVerifyFailure,
    cpu,
    histogram,
  };
}

/** Loads run one after another against the same target, as one result: requests over their summed time. */
export function inTurns(runs: LoadResult[]): LoadResult {
  const requests = runs.reduce((sum, r) => sum + r.requests, 0);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  const meters = runs.flatMap((r) => r.cpu ?? []);
  const wall = meters.reduce((sum, c) => sum + c.wallSeconds, 0);
  const weighted = (key: 'app' | 'loadGenerator' | 'postgres' | 'other' | 'steal'): number =>
    wall ? meters.reduce((sum, c) => sum + c[key] * c.wallSeconds, 0) / wall : 0;
  const cpu: CpuUse | undefined = meters.length
    ? {
        app: weighted('app'),
        loadGenerator: weighted('loadGenerator'),
        postgres: weighted('postgres'),
        other: weighted('other'),
        steal: weighted('steal'),
        appCpuSeconds: meters.reduce((sum, c) => sum + c.appCpuSeconds, 0),
        wallSeconds: wall,
      }
    : undefined;
  return combineLoads(runs, { seconds, rps: seconds ? requests / seconds : 0 }, cpu);
}
