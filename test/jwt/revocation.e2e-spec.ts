import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';

import { Authorization } from '../../src/tokens/authorizations/authorization.entity';
import { AuthorizationsService } from '../../src/tokens/authorizations/authorizations.service';
import { AccessTokensService } from '../../src/tokens/jwt/access-tokens.service';
import { REVOCATIONS_CHANNEL } from '../../src/tokens/jwt/jwt.constants';
import { RevocationService } from '../../src/tokens/revocation/revocation.service';
import { RevokedToken } from '../../src/tokens/revocation/revoked-token.entity';
import { createUser } from '../factories/users';
import type { TestApp } from '../support/app';
import { http } from '../support/http';
import { bearer, bootJwtApp } from './support';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

async function newGrant(t: TestApp, userId: string): Promise<string> {
  const grant = await t.app
    .get(DataSource)
    .getRepository(Authorization)
    .save({ userId, clientId: 'test-client', scopes: ['read:user'] });
  return grant.id;
}

async function status(t: TestApp, token: string): Promise<number> {
  return (await http(`${t.url}/v1/user`, bearer(token))).status;
}

/** Polls until `done` or the deadline; returns the elapsed milliseconds. */
async function waitFor(done: () => Promise<boolean>, deadlineMs: number, stepMs = 5): Promise<number> {
  const started = performance.now();
  while (!(await done())) {
    if (performance.now() - started > deadlineMs) throw new Error(`not within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return Math.round(performance.now() - started);
}

describe('revocation of JWT access tokens before exp', () => {
  describe('one instance', () => {
    let t: TestApp;
    let userId: string;
    beforeAll(async () => {
      t = await bootJwtApp();
      userId = (await createUser(t.app)).id;
    });
    afterAll(() => t.close());

    it('revokeAccessToken: the next request is refused, even though the token was cached as verified', async () => {
      const issued = await t.app
        .get(AccessTokensService)
        .issue({ subject: userId, clientId: 'test-client', scopes: ['read:user'] });
      expect(await status(t, issued.token)).toBe(200);
      await t.app.get(RevocationService).revokeAccessToken(issued.jti, issued.expiresAt);
      const res = await http(`${t.url}/v1/user`, bearer(issued.token));
      expect(res.status).toBe(401);
      expect(res.json.error).toBe('invalid_token');
      const row = await t.app.get(DataSource).getRepository(RevokedToken).findOneBy({ jti: issued.jti });
      expect(row?.expiresAt.getTime()).toBe(issued.expiresAt.getTime());
      // Idempotent (RFC 7009 §2.2: revoking a revoked token is fine).
      await t.app.get(RevocationService).revokeAccessToken(issued.jti, issued.expiresAt);
    });

    it('revokeGrant: every token of the grant is refused, others keep working', async () => {
      const grantId = await newGrant(t, userId);
      const service = t.app.get(AccessTokensService);
      const request = { subject: userId, clientId: 'test-client', scopes: ['read:user'] };
      const first = await service.issue({ ...request, grantId });
      const second = await service.issue({ ...request, grantId });
      const unrelated = await service.issue(request);
      expect(await status(t, first.token)).toBe(200);

      await t.app.get(AuthorizationsService).revoke(grantId);
      expect(await status(t, first.token)).toBe(401);
      expect(await status(t, second.token)).toBe(401);
      expect(await status(t, unrelated.token)).toBe(200);
      const grant = await t.app.get(DataSource).getRepository(Authorization).findOneBy({ id: grantId });
      expect(grant?.revokedAt).toBeInstanceOf(Date);
      expect(t.app.get(RevocationService).isRevoked('unrelated-jti', grantId.toUpperCase())).toBe(true);
    });

    it('ignores ids that no token of ours can carry instead of failing', async () => {
      const revocation = t.app.get(RevocationService);
      await expect(t.app.get(AuthorizationsService).revoke('not-a-uuid')).resolves.toBeUndefined();
      await expect(revocation.denyAuthorization('not-a-uuid')).resolves.toBeUndefined();
      await expect(revocation.revokeAccessToken('x'.repeat(65), new Date())).resolves.toBeUndefined();
    });

    it('a new instance loads earlier revocations at start', async () => {
      const grantId = await newGrant(t, userId);
      const service = t.app.get(AccessTokensService);
      const byJti = await service.issue({ subject: userId, clientId: 'test-client', scopes: ['read:user'] });
      const byGrant = await service.issue({
        subject: userId,
        clientId: 'test-client',
        scopes: ['read:user'],
        grantId,
      });
      await t.app.get(RevocationService).revokeAccessToken(byJti.jti, byJti.expiresAt);
      await t.app.get(AuthorizationsService).revoke(grantId);

      const later = await bootJwtApp();
      try {
        later.config.issuer = t.config.issuer; // the tokens name the first instance as issuer
        expect(await status(later, byJti.token)).toBe(401);
        expect(await status(later, byGrant.token)).toBe(401);
      } finally {
        await later.close();
      }
    });
  });

  describe('several instances without Redis: the database poll is the safety net', () => {
    it('instance B refuses a token revoked on instance A after its next poll', async () => {
      const a = await bootJwtApp();
      const b = await bootJwtApp({ timings: { revocationPollMs: 200 } });
      try {
        b.config.issuer = a.config.issuer;
        const userId = (await createUser(a.app)).id;
        const issued = await a.app
          .get(AccessTokensService)
          .issue({ subject: userId, clientId: 'test-client', scopes: ['read:user'] });
        expect(await status(b, issued.token)).toBe(200);
        await a.app.get(RevocationService).revokeAccessToken(issued.jti, issued.expiresAt);
        const ms = await waitFor(async () => (await status(b, issued.token)) === 401, 3000, 20);
        console.log(`revocation reached the other instance by database poll in ${ms} ms (poll every 200 ms)`);
      } finally {
        await Promise.all([a.close(), b.close()]);
      }
    });
  });

  it('starts without a reachable Redis (after a bounded wait), revokes in-process and closes cleanly', async () => {
    const started = performance.now();
    const t = await bootJwtApp({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
    try {
      expect(performance.now() - started).toBeLessThan(15_000);
      const userId = (await createUser(t.app)).id;
      const issued = await t.app
        .get(AccessTokensService)
        .issue({ subject: userId, clientId: 'test-client', scopes: ['read:user'] });
      expect(await status(t, issued.token)).toBe(200);
      await t.app.get(RevocationService).revokeAccessToken(issued.jti, issued.expiresAt);
      expect(await status(t, issued.token)).toBe(401);
    } finally {
      await t.close();
    }
  });

  describe('several instances sharing the database and Redis', () => {
    let a: TestApp;
    let b: TestApp;
    let userId: string;
    beforeAll(async () => {
      // Default 30 s poll: anything faster than that came through Redis.
      const env = { REDIS_URL };
      [a, b] = await Promise.all([bootJwtApp({ env }), bootJwtApp({ env })]);
      b.config.issuer = a.config.issuer;
      userId = (await createUser(a.app)).id;
    });
    afterAll(() => Promise.all([a.close(), b.close()]));

    it('a token revoked on A is refused by B within 1 s', async () => {
      const issued = await a.app
        .get(AccessTokensService)
        .issue({ subject: userId, clientId: 'test-client', scopes: ['read:user'] });
      expect(await status(b, issued.token)).toBe(200);
      const started = performance.now();
      await a.app.get(RevocationService).revokeAccessToken(issued.jti, issued.expiresAt);
      await waitFor(async () => b.app.get(RevocationService).isRevoked(issued.jti), 1000, 1);
      const ms = Math.round(performance.now() - started);
      console.log(`revocation propagated in ${ms} ms (jti, instance A → instance B via Redis)`);
      expect(ms).toBeLessThan(1000);
      expect(await status(b, issued.token)).toBe(401);
    });

    it('a grant revoked on A is refused by B within 1 s', async () => {
      const grantId = await newGrant(a, userId);
      const issued = await a.app
        .get(AccessTokensService)
        .issue({ subject: userId, clientId: 'test-client', scopes: ['read:user'], grantId });
      expect(await status(b, issued.token)).toBe(200);
      const started = performance.now();
      await a.app.get(AuthorizationsService).revoke(grantId);
      const ms = await waitFor(async () => (await status(b, issued.token)) === 401, 1000, 1);
      console.log(
        `revocation propagated in ${Math.round(performance.now() - started)} ms (grant, A → B, over HTTP; ${ms} ms after the call returned)`,
      );
    });

    it('ignores malformed messages on the channel', async () => {
      const publisher = new Redis(REDIS_URL);
      const marker = `marker-${Date.now()}`;
      try {
        for (const junk of ['nope', '{}', '{"type":"grant","id":"x","exp":1}', 'null', '[1]']) {
          await publisher.publish(REVOCATIONS_CHANNEL, junk);
        }
        // Messages arrive in order: once the marker is applied, the junk before it has been handled.
        const exp = Math.floor(Date.now() / 1000) + 60;
        await publisher.publish(REVOCATIONS_CHANNEL, JSON.stringify({ type: 'jti', id: marker, exp }));
      } finally {
        await publisher.quit();
      }
      await waitFor(async () => b.app.get(RevocationService).isRevoked(marker), 1000, 1);
      const issued = await b.app
        .get(AccessTokensService)
        .issue({ subject: userId, clientId: 'test-client', scopes: ['read:user'] });
      expect(await status(b, issued.token)).toBe(200);
    });
  });
});
