import { createUser, uniqueEmail } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import type { HttpResult } from '../support/http';
import { loginForm, median } from './support';

// These specs test the per-process (memory) counters: a REDIS_URL inherited from CI would share them with
// every other test file logging in from 127.0.0.1 at the same time. redis.e2e-spec covers Redis.
const inheritedRedisUrl = process.env.REDIS_URL;
beforeAll(() => {
  delete process.env.REDIS_URL;
});
afterAll(() => {
  if (inheritedRedisUrl !== undefined) process.env.REDIS_URL = inheritedRedisUrl;
});

/** The page without what legitimately differs: the CSRF token and the email echoed into the form. */
function normalized(result: HttpResult): string {
  return result.text
    .replace(/name="csrf_token" value="[^"]*"/, 'name="csrf_token" value=""')
    .replace(/name="email"([\s\S]*?)value="[^"]*"/, 'name="email"$1value=""');
}

/** Header names and the values that must not differ (Date, ids and length aside). */
function headerShape(result: HttpResult): Record<string, string> {
  const varying = new Set(['date', 'x-request-id', 'content-length', 'keep-alive', 'connection']);
  return Object.fromEntries([...result.headers].filter(([name]) => !varying.has(name)));
}

/** Interleaved rounds (the first is a warm-up): medians of 11 samples per path. */
const ROUNDS = 12;

describe('no account enumeration at sign-in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({
      LOGIN_LOCKOUT_THRESHOLD: '3',
      LOGIN_LOCKOUT_BASE_DELAY: '600', // stays locked for the whole test
      RATE_LIMIT_LOGIN_ACCOUNT: '1000/1m',
      RATE_LIMIT_LOGIN_IP: '1000/1m',
    });
  });
  afterAll(() => t.close());

  it('unknown email, wrong password and locked account: same status, page, headers and close timing', async () => {
    // A fresh account per wrong-password sample, so none of them reaches the lockout threshold.
    const existing = await Promise.all(Array.from({ length: ROUNDS }, () => createUser(t.app)));
    const locked = await createUser(t.app);
    const unknown = uniqueEmail('nobody');
    const { attempt } = await loginForm(t.url);
    for (let i = 0; i < 3; i++) expect((await attempt(locked.email, 'wrong')).status).toBe(401);

    // One warm-up round, then interleaved samples so background noise hits every path alike.
    const paths: Record<string, (round: number) => Promise<HttpResult>> = {
      unknownEmail: () => attempt(unknown, 'wrong-password'),
      wrongPassword: (round) => attempt(existing[round].email, 'wrong-password'),
      // Locked: refused even with the right password, and it must look exactly like a wrong one.
      lockedAccount: () => attempt(locked.email, locked.password),
    };
    const times: Record<string, number[]> = { unknownEmail: [], wrongPassword: [], lockedAccount: [] };
    const last: Record<string, HttpResult> = {};
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, send] of Object.entries(paths)) {
        const started = performance.now();
        const result = await send(round);
        const ms = performance.now() - started;
        if (round > 0) times[name].push(ms);
        if (round === 1) last[name] = result;
      }
    }

    const [a, b, c] = [last.unknownEmail, last.wrongPassword, last.lockedAccount];
    expect([a.status, b.status, c.status]).toEqual([401, 401, 401]);
    expect(normalized(b)).toBe(normalized(a));
    expect(normalized(c)).toBe(normalized(a));
    expect(a.text).toContain('Email or password is incorrect.');
    expect(headerShape(b)).toEqual(headerShape(a));
    expect(headerShape(c)).toEqual(headerShape(a));
    expect(c.headers.get('retry-after')).toBeNull();

    const medians = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
    console.log(
      `sign-in failure medians (ms): ${JSON.stringify(medians, (_, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`,
    );
    // Every path runs one argon2id verification (m=19 MiB, t=2: well over 10 ms here) ...
    for (const ms of Object.values(medians)) expect(ms).toBeGreaterThan(10);
    // ... and none is far from the others. Generous, so parallel test load cannot make it flaky: a path
    // that skipped the verification would answer in a few ms, 5-10× faster.
    const values = Object.values(medians);
    expect(Math.max(...values) / Math.min(...values)).toBeLessThan(2.5);
  });
});
