import { collectDefaultMetrics, Counter, Gauge, register, type Registry } from 'prom-client';

import { FastHistogram } from './fast-histogram';

/**
 * The process's Prometheus metrics, in prom-client's global registry (the cluster aggregator reads that
 * one from every worker). Created once per process: several app instances in one process (tests) share
 * them, as they share the process metrics.
 *
 * Labels are bounded, closed sets: route templates (never the raw path), status classes, grant types,
 * error codes, limit names, cache and table names. No label ever carries a user id, client id, secret,
 * IP address or raw path.
 */
export interface Metrics {
  registry: Registry;
  httpDuration: FastHistogram<'method' | 'route' | 'status_class'>;
  tokensIssued: Counter<'grant_type'>;
  authFailures: Counter<'reason'>;
  rateLimitRejections: Counter<'limit'>;
  cacheLookups: Counter<'cache' | 'result'>;
  janitorDeleted: Counter<'table'>;
  janitorRuns: Counter<'outcome'>;
  redisFallbacks: Counter<'component'>;
}

/** Sampled at scrape time: each running app instance adds its sources, and removes them on close. */
export const gaugeSources = {
  pools: new Set<() => { inUse: number; idle: number; waiting: number }>(),
  redis: new Map<string, () => boolean>(),
  signingKeyActivatedAt: new Set<() => Promise<Date | undefined>>(),
};

let instance: Metrics | undefined;

export function metrics(): Metrics {
  return (instance ??= create());
}

function create(): Metrics {
  collectDefaultMetrics({ register });
  new Gauge({
    name: 'iiniit_db_pool_connections',
    help: 'Database pool connections by state (in_use, idle, waiting = requests queued for one)',
    labelNames: ['state'],
    registers: [register],
    collect() {
      let inUse = 0;
      let idle = 0;
      let waiting = 0;
      for (const sample of gaugeSources.pools) {
        const s = sample();
        inUse += s.inUse;
        idle += s.idle;
        waiting += s.waiting;
      }
      this.set({ state: 'in_use' }, inUse);
      this.set({ state: 'idle' }, idle);
      this.set({ state: 'waiting' }, waiting);
    },
  });
  new Gauge({
    name: 'iiniit_redis_connected',
    help: '1 when the named Redis connection is ready, 0 when it is down (absent without REDIS_URL)',
    labelNames: ['connection'],
    registers: [register],
    aggregator: 'min',
    collect() {
      this.reset();
      for (const [name, connected] of gaugeSources.redis) this.set({ connection: name }, connected() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'iiniit_signing_key_age_seconds',
    help: 'Seconds since the active signing key started signing (compare with KEY_ROTATION_INTERVAL)',
    registers: [register],
    aggregator: 'max',
    async collect() {
      for (const source of gaugeSources.signingKeyActivatedAt) {
        const since = await source().catch(() => undefined);
        if (since) this.set(Math.max(0, (Date.now() - since.getTime()) / 1000));
      }
    },
  });
  return {
    registry: register,
    httpDuration: new FastHistogram({
      name: 'iiniit_http_request_duration_seconds',
      help: 'HTTP request duration by route template and status class',
      labelNames: ['method', 'route', 'status_class'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [register],
    }),
    tokensIssued: new Counter({
      name: 'iiniit_tokens_issued_total',
      help: 'Token responses issued by the token endpoint, by grant type',
      labelNames: ['grant_type'],
      registers: [register],
      collect: flushPending,
    }),
    authFailures: new Counter({
      name: 'iiniit_authentication_failures_total',
      help: 'Failed authentications by reason (the error code, or sign_in for a failed sign-in)',
      labelNames: ['reason'],
      registers: [register],
    }),
    rateLimitRejections: new Counter({
      name: 'iiniit_rate_limit_rejections_total',
      help: 'Requests refused by a rate limit, by limit name',
      labelNames: ['limit'],
      registers: [register],
      collect: flushPending,
    }),
    cacheLookups: new Counter({
      name: 'iiniit_read_cache_lookups_total',
      help: 'Read-cache lookups by cache and result (hit, miss)',
      labelNames: ['cache', 'result'],
      registers: [register],
      collect: flushPending,
    }),
    janitorDeleted: new Counter({
      name: 'iiniit_janitor_rows_deleted_total',
      help: 'Rows the data-lifecycle janitor deleted, by table',
      labelNames: ['table'],
      registers: [register],
    }),
    janitorRuns: new Counter({
      name: 'iiniit_janitor_runs_total',
      help: 'Janitor runs by outcome (completed, skipped: another instance held the lock, failed)',
      labelNames: ['outcome'],
      registers: [register],
    }),
    redisFallbacks: new Counter({
      name: 'iiniit_redis_fallback_total',
      help: 'Operations served by per-instance state because Redis was unreachable (rate_limit: a counter or lockout step kept in memory; change_feed: a message not published)',
      labelNames: ['component'],
      registers: [register],
      collect: flushPending,
    }),
  };
}

/** Auth failures are counted by the error code a client sees: a closed set. */
const AUTH_FAILURE_REASONS = new Set([
  'invalid_client',
  'invalid_token',
  'invalid_grant',
  'unauthorized',
  'invalid_api_key',
  'sign_in',
  'refresh_token_reuse',
  'authorization_code_reuse',
]);

export function countAuthFailure(reason: string): void {
  metrics()
    .authFailures.labels(AUTH_FAILURE_REASONS.has(reason) ? reason : 'other')
    .inc();
}

/**
 * Hot-path counting without prom-client on the request path: a counter child's `inc()` builds, validates
 * and hashes a label object on every call (~0.4-0.9 µs measured here), so the request only bumps a plain
 * number and the pending counts are added to the prom-client children when a scrape reads them (every
 * counter below has `collect: flushPending`). Scrapes see every increment made before them.
 */
interface Pending {
  child: { inc(value: number): void };
  count: number;
}
const pendingCounts: Pending[] = [];

function pendingChild(child: { inc(value: number): void }): Pending {
  const pending = { child, count: 0 };
  pendingCounts.push(pending);
  return pending;
}

function flushPending(): void {
  for (const pending of pendingCounts) {
    if (pending.count > 0) {
      const n = pending.count;
      pending.count = 0;
      pending.child.inc(n);
    }
  }
}

/** Children bound once per label value: the hot paths skip prom-client's label hashing. */
function boundCounter<L extends string>(counter: () => Counter<L>, label: L) {
  const children = new Map<string, Pending>();
  return (value: string): void => {
    let pending = children.get(value);
    if (!pending) {
      pending = pendingChild(counter().labels({ [label]: value } as Partial<Record<L, string>>));
      children.set(value, pending);
    }
    pending.count++;
  };
}

/** Grant types come from the token endpoint's registry (a closed set), never from raw input. */
export const countTokenIssued = boundCounter(() => metrics().tokensIssued, 'grant_type');
/** Rule names are the limiter's own closed set (login_ip, client, api, ...). */
export const countRateLimitRejection = boundCounter(() => metrics().rateLimitRejections, 'limit');
/** Components are fixed names in code (rate_limit, change_feed). */
export const countRedisFallback = boundCounter(() => metrics().redisFallbacks, 'component');

/** Hit and miss counters for one named read cache. */
export function cacheCounters(cache: string): { hit(): void; miss(): void } {
  const lookups = metrics().cacheLookups;
  const hit = pendingChild(lookups.labels(cache, 'hit'));
  const miss = pendingChild(lookups.labels(cache, 'miss'));
  return {
    hit: () => void hit.count++,
    miss: () => void miss.count++,
  };
}

/** Failures only the audit log sees (pages and grant handlers answer them without the error filter). */
const AUDITED_FAILURES: Record<string, string> = {
  'sign_in.failed': 'sign_in',
  'refresh_token.reuse_detected': 'refresh_token_reuse',
  'authorization_code.reuse_detected': 'authorization_code_reuse',
};

export function countAuditedFailure(eventType: string): void {
  const reason = AUDITED_FAILURES[eventType];
  if (reason) countAuthFailure(reason);
}
