import { randomUUID } from 'node:crypto';

import { createLocalJWKSet, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from 'jose';
import { DataSource } from 'typeorm';

import { AuditService } from '../../src/audit/audit.service';
import { type JanitorReport, JanitorService } from '../../src/janitor/janitor.service';
import { AccessTokensService } from '../../src/tokens/jwt/access-tokens.service';
import { SigningKeysService } from '../../src/tokens/keys/signing-keys.service';
import { createClient } from '../factories/clients';
import { createUser } from '../factories/users';
import { type IsolatedDatabase, isolatedDatabase } from '../jwt/support';
import { bootInstances, closeAll, type TestApp } from '../support/app';
import { eventually } from '../support/eventually';
import { http } from '../support/http';
import { basic, tokenRequest } from '../support/oauth';
import { haveRedisServer, TestRedis } from '../support/redis-server';

const describeRedis = haveRedisServer ? describe : describe.skip;
const LIMIT = 6;
const ISSUER = 'http://iiniit.test';

type Client = Awaited<ReturnType<typeof createClient>>;

/**
 * Three instances on one PostgreSQL database (a private one: key rotation must not disturb other suites)
 * and one Redis (its own redis-server on port 6395), as behind a load balancer: one issuer, shared limits,
 * revocations and keys, and one janitor run at a time.
 */
describeRedis('three instances on one PostgreSQL and one Redis', () => {
  const redis = new TestRedis(6395);
  let db: IsolatedDatabase;
  let nodes: TestApp[] = [];
  let userId: string;

  beforeAll(async () => {
    await redis.start();
    db = await isolatedDatabase();
    nodes = await bootInstances(3, {
      DATABASE_URL: db.url,
      REDIS_URL: redis.url,
      ISSUER,
      RATE_LIMIT_CLIENT: `${LIMIT}/1m`,
      RATE_LIMIT_KEY_PREFIX: `iiniit:rl:three-${randomUUID().slice(0, 8)}:`,
      JANITOR_ENABLED: 'false',
    });
    userId = (await createUser(nodes[0].app)).id;
  }, 120_000);

  afterAll(async () => {
    await closeAll(...nodes);
    await db?.drop();
    await redis.kill();
  }, 60_000);

  const newClient = () =>
    createClient(nodes[0].app, { grantTypes: ['client_credentials'], redirectUris: [] });
  const cc = async (t: TestApp, c: Client): Promise<number> =>
    (
      await tokenRequest(
        t.url,
        { grant_type: 'client_credentials' },
        { authorization: basic(c.clientId, c.clientSecret!) },
      )
    ).status;
  const userToken = async (t: TestApp, c: Client): Promise<string> =>
    (
      await t.app
        .get(AccessTokensService)
        .issue({ subject: userId, clientId: c.clientId, scopes: ['read:user'] })
    ).token;
  const userStatus = async (t: TestApp, token: string): Promise<number> =>
    (await http(`${t.url}/v1/user`, { headers: { authorization: `Bearer ${token}` } })).status;
  const jwks = async (t: TestApp): Promise<JSONWebKeySet> =>
    (await http(`${t.url}/.well-known/jwks.json`)).json;

  it('rate limits are shared: one budget across the three', async () => {
    const c = await newClient();
    for (let i = 0; i < LIMIT; i++) expect(await cc(nodes[i % 3], c)).toBe(200);
    for (const t of nodes) expect(await cc(t, c)).toBe(429);
  });

  it('tokens issued on all three at once are each audited, in one unbroken chain', async () => {
    // Each instance's group commit skips the chain-head read while it wrote the head last; here the
    // three keep moving it under each other, so the guarded commits must fall back and re-seal.
    const clients = await Promise.all(Array.from({ length: 6 }, () => newClient()));
    const statuses = await Promise.all(
      clients.flatMap((c) => Array.from({ length: LIMIT }, (_, i) => cc(nodes[i % 3], c))),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(clients.length * LIMIT);
    const audit = nodes[0].app.get(AuditService);
    expect(await audit.verify()).toMatchObject({ ok: true });
    const [{ count }] = await nodes[0].app
      .get(DataSource)
      .query<{ count: number }[]>(
        `SELECT count(*)::int AS count FROM "audit_events" WHERE "type" = 'token.issued' AND "client_id" = ANY($1)`,
        [clients.map((c) => c.clientId)],
      );
    expect(count).toBe(clients.length * LIMIT);
  });

  it('a token revoked on one instance is refused by the other two within a second', async () => {
    const c = await newClient();
    const token = await userToken(nodes[0], c);
    for (const t of nodes) expect(await userStatus(t, token)).toBe(200);
    const res = await http(`${nodes[1].url}/oauth2/revoke`, {
      method: 'POST',
      form: { token },
      headers: { authorization: basic(c.clientId, c.clientSecret!) },
    });
    expect(res.status).toBe(200);
    for (const t of nodes) await eventually(async () => (await userStatus(t, token)) === 401, 1_000);
  });

  it('a key rotated on one instance is published and used by the others; an emergency rotation kills old tokens everywhere', async () => {
    const c = await newClient();
    const before = await userToken(nodes[2], c);
    const rotated = await nodes[0].app.get(SigningKeysService).rotateNow({ emergency: false });
    for (const t of nodes) {
      await eventually(async () => (await jwks(t)).keys.some((k) => k.kid === rotated.activeKid), 2_000);
      // Signs with the new key, and every instance's JWKS verifies what another one signed.
      await eventually(
        async () => decodeProtectedHeader(await userToken(t, c)).kid === rotated.activeKid,
        2_000,
      );
    }
    const fromB = await userToken(nodes[1], c);
    await jwtVerify(fromB, createLocalJWKSet(await jwks(nodes[2])), { issuer: ISSUER });
    // A normal rotation keeps the retired key verifying until its tokens have expired.
    for (const t of nodes) expect(await userStatus(t, before)).toBe(200);

    const emergency = await nodes[1].app.get(SigningKeysService).rotateNow({ emergency: true });
    expect(emergency.retiredKid).toBe(rotated.activeKid);
    for (const t of nodes) {
      await eventually(async () => (await userStatus(t, fromB)) === 401, 2_000);
      expect((await jwks(t)).keys.some((k) => k.kid === rotated.activeKid)).toBe(false);
    }
  });

  it('the janitor runs on one instance at a time (PostgreSQL advisory lock)', async () => {
    // The embedded database serves every connection of the process as one session, where advisory locks
    // are re-entrant: instances in one process cannot exclude each other there. A real server is needed.
    if (/host=%2F/i.test(db.url)) return;
    const sql = nodes[0].app.get(DataSource);
    const runs: JanitorReport[] = [];
    for (let round = 0; round < 4; round++) {
      await sql.query(
        `INSERT INTO revoked_tokens (jti, expires_at)
         SELECT 'three-' || $1 || '-' || g, now() - interval '1 minute' FROM generate_series(1, 500) g`,
        [`${round}-${randomUUID().slice(0, 8)}`],
      );
      runs.push(...(await Promise.all(nodes.map((t) => t.app.get(JanitorService).run()))));
    }
    const ran = runs.filter((r): r is Extract<JanitorReport, { ran: true }> => r.ran);
    expect(ran.length).toBeGreaterThan(0);
    expect(runs.filter((r) => !r.ran).length).toBeGreaterThan(0);
    ran.sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime());
    for (let i = 1; i < ran.length; i++) {
      expect(ran[i].startedAt.getTime()).toBeGreaterThanOrEqual(ran[i - 1].finishedAt.getTime());
    }
    const [{ n }] = await sql.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM revoked_tokens WHERE jti LIKE 'three-%'`,
    );
    expect(Number(n)).toBe(0);
  });
});
