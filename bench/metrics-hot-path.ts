/**
 * `node -r ts-node/register/transpile-only bench/metrics-hot-path.ts`: what the metrics cost one
 * request of scenario 3 (GET /v1/projects with an API key: one HTTP duration observation and one
 * read-cache hit), prom-client's own child calls (as before) against FastHistogram and pending counts
 * (now). In-process and CPU-only, so other load on the machine slows both sides alike; rounds alternate
 * the two and the spread is printed. An autocannon A/B on a shared 2-core machine drowns a difference
 * of this size in noise.
 */
import { Counter, Histogram, Registry } from 'prom-client';

import { FastHistogram } from '../src/platform/metrics/fast-histogram';

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const ITERATIONS = 500_000;
const ROUNDS = Number(process.env.ROUNDS ?? 9);
const LABELS = ['method', 'route', 'status_class'] as const;

function before(): (route: string, status: number, seconds: number) => void {
  const registry = new Registry();
  const h = new Histogram({
    name: 'h',
    help: 'h',
    labelNames: LABELS,
    buckets: BUCKETS,
    registers: [registry],
  });
  const hit = new Counter({
    name: 'c',
    help: 'c',
    labelNames: ['cache', 'result'],
    registers: [registry],
  }).labels('api-keys', 'hit');
  const children = new Map<string, (s: number) => void>();
  const classes: Record<number, string> = { 1: '1xx', 2: '2xx', 3: '3xx', 4: '4xx', 5: '5xx' };
  return (route, status, seconds) => {
    hit.inc();
    const statusClass = classes[Math.floor(status / 100)] ?? 'other';
    const key = `GET ${route} ${statusClass}`;
    let observe = children.get(key);
    if (!observe) {
      const child = h.labels('GET', route, statusClass);
      observe = (s) => child.observe(s);
      children.set(key, observe);
    }
    observe(seconds);
  };
}

function after(): (route: string, status: number, seconds: number) => void {
  const registry = new Registry();
  const h = new FastHistogram({
    name: 'h',
    help: 'h',
    labelNames: LABELS,
    buckets: BUCKETS,
    registers: [registry],
  });
  const pending = { count: 0 };
  const byRoute = new Map<string, Map<string, Array<(s: number) => void>>>();
  const classes = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'];
  return (route, status, seconds) => {
    pending.count++;
    let byMethod = byRoute.get(route);
    if (!byMethod) byRoute.set(route, (byMethod = new Map()));
    let observers = byMethod.get('GET');
    if (!observers) {
      observers = classes.map((c) => h.bind({ method: 'GET', route, status_class: c }));
      byMethod.set('GET', observers);
    }
    const c = Math.floor(status / 100);
    observers[c >= 1 && c <= 5 ? c : 0](seconds);
  };
}

function nsPerRequest(record: (route: string, status: number, seconds: number) => void): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) record('/v1/projects', 200, 0.002 + (i % 7) * 0.0004);
  return Number(process.hrtime.bigint() - start) / ITERATIONS;
}

const a = before();
const b = after();
nsPerRequest(a);
nsPerRequest(b);
const results = { before: [] as number[], after: [] as number[] };
for (let r = 0; r < ROUNDS; r++) {
  results.before.push(nsPerRequest(a));
  results.after.push(nsPerRequest(b));
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return `median ${s[Math.floor(s.length / 2)].toFixed(0)} ns, min ${s[0].toFixed(0)}, max ${s[s.length - 1].toFixed(0)}`;
};
console.log(`metrics work per request, ${ROUNDS} alternating rounds of ${ITERATIONS} requests:`);
console.log(`  before (prom-client children): ${stats(results.before)}`);
console.log(`  after  (bound series, pending counts): ${stats(results.after)}`);
const ratios = results.before.map((x, i) => x / results.after[i]).sort((x, y) => x - y);
console.log(`  before/after per round: ${ratios.map((x) => x.toFixed(1)).join(' ')}`);
