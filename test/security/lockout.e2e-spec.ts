import { setTimeout as sleep } from 'node:timers/promises';

import { DataSource } from 'typeorm';

import { AuditEvent } from '../../src/audit/audit-event.entity';
import { lockoutDelayMs } from '../../src/platform/rate-limit/rate-limit-store';
import { createUser, uniqueEmail } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { loginForm } from './support';

// These specs test the per-process (memory) counters: a REDIS_URL inherited from CI would share them with
// every other test file logging in from 127.0.0.1 at the same time. redis.e2e-spec covers Redis.
const inheritedRedisUrl = process.env.REDIS_URL;
beforeAll(() => {
  delete process.env.REDIS_URL;
});
afterAll(() => {
  if (inheritedRedisUrl !== undefined) process.env.REDIS_URL = inheritedRedisUrl;
});

/** The sign-in attempts the audit log saw for one email, in order: true where the lockout refused it. */
async function lockedFlags(t: TestApp, email: string): Promise<boolean[]> {
  const rows = await t.app
    .get(DataSource)
    .getRepository(AuditEvent)
    .createQueryBuilder('e')
    .where(`e.type = 'sign_in.failed' AND e.details->>'email' = :email`, { email })
    .orderBy('e.seq', 'ASC')
    .getMany();
  return rows.map((r) => (r.details as { locked?: boolean } | null)?.locked === true);
}

describe('sign-in lockout', () => {
  describe('threshold 5 (the default)', () => {
    let t: TestApp;
    beforeAll(async () => {
      // Roomy request limits: this spec is about the lockout alone. A 60 s first delay, so the whole
      // burst (50 argon2 verifications take more than 1 s) falls inside it.
      t = await bootApp({
        LOGIN_LOCKOUT_BASE_DELAY: '60',
        RATE_LIMIT_LOGIN_ACCOUNT: '1000/1m',
        RATE_LIMIT_LOGIN_IP: '1000/1m',
      });
    });
    afterAll(() => t.close());

    it('checks exactly 5 of 50 parallel wrong passwords; the other 45 look the same but were never checked', async () => {
      const user = await createUser(t.app);
      const { attempt } = await loginForm(t.url);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => attempt(user.email, 'wrong-password')),
      );
      expect(results.every((r) => r.status === 401)).toBe(true);
      expect(results.every((r) => r.text.includes('Email or password is incorrect.'))).toBe(true);
      const flags = await lockedFlags(t, user.email);
      expect(flags).toHaveLength(50);
      expect(flags.filter((locked) => !locked)).toHaveLength(5);

      // Locked: even the right password gets the same 401.
      const refused = await attempt(user.email, user.password);
      expect(refused.status).toBe(401);
      expect(refused.text).toContain('Email or password is incorrect.');
    });

    it('locks unknown emails the same way (keyed by the lowercased email, account or not)', async () => {
      const ghost = uniqueEmail('ghost');
      const { attempt } = await loginForm(t.url);
      for (let i = 0; i < 6; i++) await attempt(i % 2 ? ` ${ghost.toUpperCase()}` : ghost, 'nope');
      // Audit rows keep the email as typed; the lockout key is the trimmed, lowercased email: one count.
      expect(await lockedFlags(t, ghost)).toEqual([false, false, false]);
      expect(await lockedFlags(t, ` ${ghost.toUpperCase()}`)).toEqual([false, false, true]);
    });
  });

  describe('growing delay', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await bootApp({
        LOGIN_LOCKOUT_THRESHOLD: '2',
        LOGIN_LOCKOUT_BASE_DELAY: '1',
        RATE_LIMIT_LOGIN_ACCOUNT: '1000/1m',
        RATE_LIMIT_LOGIN_IP: '1000/1m',
      });
    });
    afterAll(() => t.close());

    it('a successful sign-in resets the count', async () => {
      const user = await createUser(t.app);
      const { attempt } = await loginForm(t.url);
      for (let round = 0; round < 3; round++) {
        expect((await attempt(user.email, 'wrong')).status).toBe(401);
        expect((await attempt(user.email, user.password)).status).toBe(303);
      }
      expect(await lockedFlags(t, user.email)).toEqual([false, false, false]);
    });

    it('waits out the delay, then lets the right password in', async () => {
      const user = await createUser(t.app);
      const { attempt } = await loginForm(t.url);
      await attempt(user.email, 'wrong-1');
      await attempt(user.email, 'wrong-2'); // → 1 s
      expect((await attempt(user.email, user.password)).status).toBe(401); // refused, unchecked
      await sleep(1100);
      expect((await attempt(user.email, user.password)).status).toBe(303);
    });

    it('doubles the wait per further failure: 1 s after the 2nd, 2 s after the 3rd', async () => {
      const user = await createUser(t.app);
      const { attempt } = await loginForm(t.url);
      await attempt(user.email, 'wrong-1'); // checked
      await attempt(user.email, 'wrong-2'); // checked → 1 s
      await attempt(user.email, 'wrong-3'); // refused
      await sleep(1100);
      await attempt(user.email, 'wrong-4'); // checked → 2 s
      await sleep(1100);
      await attempt(user.email, 'wrong-5'); // refused (1.1 s < 2 s)
      await sleep(1000);
      await attempt(user.email, 'wrong-6'); // checked → 4 s
      expect(await lockedFlags(t, user.email)).toEqual([false, false, true, false, true, false]);
    });
  });

  it('caps the delay', () => {
    const policy = { threshold: 5, baseDelayMs: 1000, maxDelayMs: 900_000, windowMs: 3_600_000 };
    expect([4, 5, 6, 7, 14, 15, 16, 1000].map((f) => lockoutDelayMs(f, policy))).toEqual([
      0, 1000, 2000, 4000, 512_000, 900_000, 900_000, 900_000,
    ]);
    expect(lockoutDelayMs(100, { ...policy, threshold: 0 })).toBe(0);
  });
});
