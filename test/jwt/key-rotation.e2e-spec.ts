import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';

import { ManualClock } from '../../src/tokens/jwt/clock';
import { SigningKey } from '../../src/tokens/keys/signing-key.entity';
import { SigningKeysService } from '../../src/tokens/keys/signing-keys.service';
import { createUser } from '../factories/users';
import type { TestApp } from '../support/app';
import { http } from '../support/http';
import { bearer, bootJwtApp, type IsolatedDatabase, isolatedDatabase, issueToken } from './support';

const HOUR = 3600;
const DAY = 24 * HOUR;

/**
 * Signing-key lifecycle with a simulated clock. Each block runs on its own database: rotating keys and
 * moving time by weeks must not disturb suites that share the e2e database.
 */

async function jwks(t: TestApp): Promise<JSONWebKeySet> {
  const res = await http(`${t.url}/.well-known/jwks.json`);
  expect(res.status).toBe(200);
  return res.json;
}

const kids = (set: JSONWebKeySet): string[] => set.keys.map((k) => k.kid!);

async function rows(t: TestApp): Promise<SigningKey[]> {
  return t.app
    .get(DataSource)
    .getRepository(SigningKey)
    .find({ order: { createdAt: 'ASC' } });
}

async function userStatus(t: TestApp, token: string): Promise<number> {
  return (await http(`${t.url}/v1/user`, bearer(token))).status;
}

describe('signing key rotation (simulated clock)', () => {
  // Long timer: the tests call rotateIfDue themselves, with the clock where they want it.
  const timings = { keyRefreshMs: HOUR * 1000 };

  describe('scheduled rotation', () => {
    let db: IsolatedDatabase;
    let t: TestApp;
    let clock: ManualClock;
    let userId: string;
    const start = new Date('2030-01-01T00:00:00Z');
    beforeAll(async () => {
      db = await isolatedDatabase();
      clock = new ManualClock(start);
      t = await bootJwtApp({ env: { DATABASE_URL: db.url }, clock, timings });
      userId = (await createUser(t.app)).id;
    });
    afterAll(async () => {
      await t?.close();
      await db?.drop();
    });

    it('first start creates one active key and one next key published KEY_PREPUBLISH ahead', async () => {
      const all = await rows(t);
      expect(all.map((r) => r.status).sort()).toEqual(['active', 'next']);
      const next = all.find((r) => r.status === 'next')!;
      expect(next.activatesAt.getTime()).toBe(start.getTime() + t.config.keyPrepublish * 1000);
      const active = all.find((r) => r.status === 'active')!;
      expect(active.activatesAt.getTime()).toBe(start.getTime());
      expect(kids(await jwks(t)).sort()).toEqual([active.kid, next.kid].sort());
    });

    it('rotateIfDue does nothing before KEY_ROTATION_INTERVAL, then rotates; old tokens verify until they expire', async () => {
      const keys = t.app.get(SigningKeysService);
      const before = await rows(t);
      const oldKid = before.find((r) => r.status === 'active')!.kid;
      const nextKid = before.find((r) => r.status === 'next')!.kid;

      clock.set(new Date(start.getTime() + 10 * DAY * 1000));
      expect(await keys.rotateIfDue()).toEqual({ rotated: false, activeKid: oldKid, retiredKid: null });

      // Ten minutes before the rotation: a token signed by the old key, and the JWKS a verifier caches.
      const interval = t.config.keyRotationInterval;
      clock.set(new Date(start.getTime() + (interval - 600) * 1000));
      expect((await keys.rotateIfDue()).rotated).toBe(false);
      const oldToken = await issueToken(t, { subject: userId });
      const cachedJwks = await jwks(t);
      expect(kids(cachedJwks)).toContain(nextKid); // published long before it signs anything

      clock.set(new Date(start.getTime() + interval * 1000));
      const rotation = await keys.rotateIfDue();
      expect(rotation).toEqual({ rotated: true, activeKid: nextKid, retiredKid: oldKid });

      const after = await rows(t);
      const retired = after.find((r) => r.kid === oldKid)!;
      expect(retired.status).toBe('retired');
      expect(retired.retiredAt?.getTime()).toBe(clock.now().getTime());
      expect(retired.expiresAt?.getTime()).toBe(clock.now().getTime() + t.config.accessTokenTtl * 1000);
      expect(after.filter((r) => r.status === 'active').map((r) => r.kid)).toEqual([nextKid]);
      const newNext = after.filter((r) => r.status === 'next');
      expect(newNext).toHaveLength(1);
      expect(newNext[0].activatesAt.getTime()).toBe(clock.now().getTime() + t.config.keyPrepublish * 1000);

      // The JWKS now holds the new active, the retired and the new next key.
      expect(kids(await jwks(t)).sort()).toEqual([nextKid, oldKid, newNext[0].kid].sort());

      // New tokens: signed by the key verifiers already had in their cached JWKS.
      const newToken = await issueToken(t, { subject: userId });
      const verified = await jwtVerify(newToken, createLocalJWKSet(cachedJwks), {
        typ: 'at+jwt',
        currentDate: clock.now(),
      });
      expect(verified.protectedHeader.kid).toBe(nextKid);

      // HTTP verification runs on the simulated clock too: the old token (exp in 50 min) still works.
      expect(await userStatus(t, oldToken)).toBe(200);
      expect(await userStatus(t, newToken)).toBe(200);

      // Past the old token's exp (and the retired key's expiresAt): the old key leaves the JWKS.
      clock.advance(t.config.accessTokenTtl + 60);
      expect(await userStatus(t, oldToken)).toBe(401);
      expect(kids(await jwks(t))).not.toContain(oldKid);
      await keys.rotateIfDue();
      expect((await rows(t)).map((r) => r.kid)).not.toContain(oldKid); // deleted once expired
    });

    it('a due rotation waits until the next key has been published for KEY_PREPUBLISH', async () => {
      const keys = t.app.get(SigningKeysService);
      // A manual (non-emergency) rotation just made a fresh next key.
      const manual = await keys.rotateNow({ emergency: false });
      const fresh = (await rows(t)).find((r) => r.status === 'next')!;
      // Far past the rotation interval, but the fresh next key is only an hour old in the JWKS.
      clock.advance(HOUR);
      const saved = t.config.keyRotationInterval;
      t.config.keyRotationInterval = HOUR;
      try {
        expect(await keys.rotateIfDue()).toEqual({
          rotated: false,
          activeKid: manual.activeKid,
          retiredKid: null,
        });
        clock.set(fresh.activatesAt);
        expect(await keys.rotateIfDue()).toEqual({
          rotated: true,
          activeKid: fresh.kid,
          retiredKid: manual.activeKid,
        });
      } finally {
        t.config.keyRotationInterval = saved;
      }
    });

    it('normal rotateNow: old-key tokens keep working, the old key stays published', async () => {
      const keys = t.app.get(SigningKeysService);
      const token = await issueToken(t, { subject: userId });
      expect(await userStatus(t, token)).toBe(200);
      const { activeKid, retiredKid } = await keys.rotateNow({ emergency: false });
      expect(retiredKid).not.toBeNull();
      expect(activeKid).not.toBe(retiredKid);
      expect(keys.signingKey().kid).toBe(activeKid);
      expect(await userStatus(t, token)).toBe(200);
      expect(kids(await jwks(t))).toEqual(expect.arrayContaining([activeKid, retiredKid]));
    });

    it('emergency rotateNow: old-key tokens fail at once and the key leaves the JWKS', async () => {
      const keys = t.app.get(SigningKeysService);
      const token = await issueToken(t, { subject: userId });
      expect(await userStatus(t, token)).toBe(200); // now also in the verified-token cache
      const { activeKid, retiredKid } = await keys.rotateNow({ emergency: true });
      expect(await userStatus(t, token)).toBe(401);
      const published = kids(await jwks(t));
      expect(published).not.toContain(retiredKid);
      expect(published).toContain(activeKid);
      const retired = (await rows(t)).find((r) => r.kid === retiredKid)!;
      expect(retired.expiresAt?.getTime()).toBe(clock.now().getTime());
      expect(await userStatus(t, await issueToken(t, { subject: userId }))).toBe(200);
      // Invariant after everything above: one active, one next.
      const statuses = (await rows(t)).map((r) => r.status);
      expect(statuses.filter((s) => s === 'active')).toHaveLength(1);
      expect(statuses.filter((s) => s === 'next')).toHaveLength(1);
    });
  });

  describe('several instances', () => {
    let db: IsolatedDatabase;
    beforeAll(async () => {
      db = await isolatedDatabase();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('three instances starting at once on an empty table end with exactly one active and one next key', async () => {
      const apps = await Promise.all(
        [1, 2, 3].map(() => bootJwtApp({ env: { DATABASE_URL: db.url }, timings })),
      );
      try {
        const all = await rows(apps[0]);
        expect(all.filter((r) => r.status === 'active')).toHaveLength(1);
        expect(all.filter((r) => r.status === 'next')).toHaveLength(1);
        expect(all).toHaveLength(2);
        const signing = apps.map((a) => a.app.get(SigningKeysService).signingKey().kid);
        expect(new Set(signing).size).toBe(1);
        const sets = await Promise.all(apps.map((a) => jwks(a)));
        for (const set of sets) expect(kids(set).sort()).toEqual(kids(sets[0]).sort());

        // The start-up path (rotateIfDue on an empty table) raced harder: 3 instances × 3 calls, 10 rounds.
        // This database is private to this block, so emptying the table is safe.
        const repository = apps[0].app.get(DataSource).getRepository(SigningKey);
        for (let round = 0; round < 10; round++) {
          await repository.clear();
          await Promise.all(
            apps.flatMap((a) => [1, 2, 3].map(() => a.app.get(SigningKeysService).rotateIfDue())),
          );
          const statuses = (await repository.find()).map((r) => r.status).sort();
          expect(statuses).toEqual(['active', 'next']);
        }
      } finally {
        await Promise.all(apps.map((a) => a.close()));
      }
    });

    it('every instance converges on a rotation made by another (timer refresh, no Redis)', async () => {
      const [a, b] = await Promise.all([
        bootJwtApp({ env: { DATABASE_URL: db.url }, timings }),
        bootJwtApp({ env: { DATABASE_URL: db.url }, timings: { keyRefreshMs: 100 } }),
      ]);
      try {
        const { activeKid, retiredKid } = await a.app.get(SigningKeysService).rotateNow({ emergency: true });
        const started = performance.now();
        while (b.app.get(SigningKeysService).signingKey().kid !== activeKid) {
          if (performance.now() - started > 3000) throw new Error('instance B did not converge');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        expect(kids(await jwks(b))).not.toContain(retiredKid);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('with Redis, an emergency rotation reaches the other instance at once', async () => {
      const env = { DATABASE_URL: db.url, REDIS_URL: 'redis://127.0.0.1:6379' };
      const [a, b] = await Promise.all([bootJwtApp({ env, timings }), bootJwtApp({ env, timings })]);
      try {
        b.config.issuer = a.config.issuer;
        const userId = (await createUser(a.app)).id;
        const token = await issueToken(a, { subject: userId });
        expect(await userStatus(b, token)).toBe(200);
        const started = performance.now();
        await a.app.get(SigningKeysService).rotateNow({ emergency: true });
        while ((await userStatus(b, token)) !== 401) {
          if (performance.now() - started > 1000) throw new Error('instance B still accepts the old key');
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });

    it('refuses to start with another APP_SECRET, with a clear message', async () => {
      await expect(
        bootJwtApp({
          env: { DATABASE_URL: db.url, APP_SECRET: 'another-secret-that-is-long-enough-1234567' },
          timings,
        }),
      ).rejects.toThrow('APP_SECRET does not match the one the signing keys were encrypted with');
    });
  });
});
