import { DataSource } from 'typeorm';

import { createClient, REDIRECT_URI } from './factories/clients';
import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { Browser } from './support/browser';
import { http, type HttpResult } from './support/http';
import { authorizeInBrowser, basic, tokenRequest } from './support/oauth';
import { type RunningServer, startServer } from './support/server';

type Client = Awaited<ReturnType<typeof createClient>>;

interface ChainState {
  client: Client;
  /** The newest refresh token this client received. */
  token: string;
  rotations: number;
  /** The request in flight when the server died: its response was lost. */
  lost: boolean;
  failure?: HttpResult;
}

/** Per chain (one client's authorization): usable tokens, and used tokens that have no successor. */
async function chainsOf(db: DataSource, clientIds: string[]) {
  const rows = await db.query<{ client_id: string; usable: number; orphans: number; revoked: number }[]>(
    `SELECT r."client_id",
            count(*) FILTER (WHERE r."rotated_at" IS NULL AND r."revoked_at" IS NULL)::int AS "usable",
            count(*) FILTER (WHERE r."rotated_at" IS NOT NULL
                               AND NOT EXISTS (SELECT 1 FROM "refresh_tokens" c WHERE c."parent_id" = r."id"))::int AS "orphans",
            count(*) FILTER (WHERE r."revoked_at" IS NOT NULL)::int AS "revoked"
       FROM "refresh_tokens" r
      WHERE r."client_id" = ANY($1)
      GROUP BY r."client_id"`,
    [clientIds],
  );
  return new Map(rows.map((r) => [r.client_id, r]));
}

describe('refresh-token rotation is atomic, with a retry grace for lost responses', () => {
  let t: TestApp;
  let user: Awaited<ReturnType<typeof createUser>>;
  let browser: Browser;

  beforeAll(async () => {
    // The default REFRESH_RETRY_GRACE (10 s).
    t = await bootApp();
    user = await createUser(t.app);
    browser = new Browser(t.url);
  });
  afterAll(() => t.close());

  /** A new authorization (user × a new client) through the real code flow: its first refresh token. */
  async function authorization(
    base = t.url,
  ): Promise<{ client: Client; refreshToken: string; access: string }> {
    const client = await createClient(t.app);
    const q = await authorizeInBrowser(
      base,
      user,
      { response_type: 'code', client_id: client.clientId, redirect_uri: REDIRECT_URI, scope: 'read:user' },
      { browser: base === t.url ? browser : undefined },
    );
    const res = await tokenRequest(
      base,
      { grant_type: 'authorization_code', code: q.get('code')!, redirect_uri: REDIRECT_URI },
      { authorization: basic(client.clientId, client.clientSecret!) },
    );
    expect(res.status).toBe(200);
    expect(res.json.refresh_token).toMatch(/^iirt_/);
    return { client, refreshToken: res.json.refresh_token, access: res.json.access_token };
  }

  const refresh = (client: Client, token: string, base = t.url) =>
    tokenRequest(
      base,
      { grant_type: 'refresh_token', refresh_token: token },
      { authorization: basic(client.clientId, client.clientSecret!) },
    );

  /**
   * `n` requests sent at once. The connections are opened first (keep-alive), so the burst really overlaps
   * on the server: a request that only arrives after an earlier one has finished is a sequential retry,
   * which the grace rightly allows.
   */
  const burst = async <T>(n: number, send: () => Promise<T>): Promise<T[]> => {
    await Promise.all(Array.from({ length: n }, () => http(`${t.url}/health`)));
    return Promise.all(Array.from({ length: n }, send));
  };

  const userinfo = (access: string) =>
    http(`${t.url}/v1/user`, { headers: { authorization: `Bearer ${access}` } });

  describe('retry grace (REFRESH_RETRY_GRACE)', () => {
    it('a retry within the grace gets a fresh pair once; the successor it replaces is revoked', async () => {
      const { client, refreshToken: a } = await authorization();
      const first = await refresh(client, a);
      expect(first.status).toBe(200);
      const retry = await refresh(client, a);
      expect(retry.status).toBe(200);
      expect(retry.json.refresh_token).not.toBe(first.json.refresh_token);
      expect(retry.json.token_type).toBe('bearer');
      expect((await userinfo(retry.json.access_token)).status).toBe(200);

      const chains = await chainsOf(t.app.get(DataSource), [client.clientId]);
      expect(chains.get(client.clientId)).toEqual(
        expect.objectContaining({ usable: 1, orphans: 0, revoked: 1 }),
      );
      // The chain goes on from the retry's token.
      const next = await refresh(client, retry.json.refresh_token);
      expect(next.status).toBe(200);

      // Only once: the rotated token presented a third time is reuse, and the family is revoked.
      const third = await refresh(client, a);
      expect(third.status).toBe(400);
      expect(third.json.error).toBe('invalid_grant');
      expect((await refresh(client, next.json.refresh_token)).json.error).toBe('invalid_grant');
      expect((await userinfo(next.json.access_token)).status).toBe(401);
    });

    it('the replaced successor showing up after all revokes the family (it was not lost)', async () => {
      const { client, refreshToken: a } = await authorization();
      const first = await refresh(client, a);
      const retry = await refresh(client, a);
      expect(retry.status).toBe(200);
      const replaced = await refresh(client, first.json.refresh_token);
      expect(replaced.status).toBe(400);
      expect(replaced.json.error).toBe('invalid_grant');
      expect((await refresh(client, retry.json.refresh_token)).json.error).toBe('invalid_grant');
    });

    it('once the successor was used, presenting the rotated token is reuse: the family is revoked', async () => {
      const { client, refreshToken: a } = await authorization();
      const b = await refresh(client, a);
      const c = await refresh(client, b.json.refresh_token);
      expect(c.status).toBe(200);
      const replay = await refresh(client, a);
      expect(replay.status).toBe(400);
      expect(replay.json.error).toBe('invalid_grant');
      expect((await refresh(client, c.json.refresh_token)).json.error).toBe('invalid_grant');
      expect((await userinfo(c.json.access_token)).status).toBe(401);
    });

    it('another client presenting the rotated token gets invalid_grant and no retry', async () => {
      const { client, refreshToken: a } = await authorization();
      const b = await refresh(client, a);
      const other = await createClient(t.app);
      const stolen = await refresh(other, a);
      expect(stolen.json.error).toBe('invalid_grant');
      // The rightful client's successor is untouched.
      expect((await refresh(client, b.json.refresh_token)).status).toBe(200);
    });

    it('after the grace, presenting the rotated token is reuse: the family is revoked', async () => {
      const short = await bootApp({ REFRESH_RETRY_GRACE: '1' });
      try {
        const { client, refreshToken: a } = await authorization(short.url);
        const b = await refresh(client, a, short.url);
        expect(b.status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const late = await refresh(client, a, short.url);
        expect(late.status).toBe(400);
        expect(late.json.error).toBe('invalid_grant');
        expect((await refresh(client, b.json.refresh_token, short.url)).json.error).toBe('invalid_grant');
      } finally {
        await short.close();
      }
    });

    it('20 parallel refreshes with one token: at most one wins, at most one live token remains', async () => {
      const { client, refreshToken: a } = await authorization();
      const results = await burst(20, () => refresh(client, a));
      expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
      for (const r of results.filter((r) => r.status !== 200)) expect(r.json.error).toBe('invalid_grant');
      const chain = (await chainsOf(t.app.get(DataSource), [client.clientId])).get(client.clientId)!;
      expect(chain.usable).toBeLessThanOrEqual(1);
      expect(chain.orphans).toBe(0);
    });

    it('parallel retries within the grace: never more than one live successor', async () => {
      const { client, refreshToken: a } = await authorization();
      expect((await refresh(client, a)).status).toBe(200);
      const retries = await burst(10, () => refresh(client, a));
      expect(retries.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
      const chain = (await chainsOf(t.app.get(DataSource), [client.clientId])).get(client.clientId)!;
      expect(chain.usable).toBeLessThanOrEqual(1);
      expect(chain.orphans).toBe(0);
    });
  });

  describe('a server killed (kill -9) during a burst of refreshes', () => {
    const CHAINS = 48;
    let server: RunningServer | undefined;
    afterEach(async () => {
      await server?.kill('SIGKILL');
      server = undefined;
    });

    it('leaves every chain with its presented token unused or exactly one usable successor', async () => {
      const db = t.app.get(DataSource);
      const chains: ChainState[] = [];
      for (let i = 0; i < CHAINS; i++) {
        const { client, refreshToken } = await authorization();
        chains.push({ client, token: refreshToken, rotations: 0, lost: false });
      }
      const env = {
        DATABASE_URL: process.env.DATABASE_URL!,
        LOG_LEVEL: 'silent',
        RATE_LIMIT_CLIENT: '0',
        // Long enough to cover the restart below: every lost response is retried once after it.
        REFRESH_RETRY_GRACE: '120',
      };
      server = await startServer(env);
      const url = server.url;

      // Each chain refreshes sequentially, as a real client does, until the server dies under it.
      let dead = false;
      let total = 0;
      let enough!: () => void;
      const burstUnderWay = new Promise<void>((resolve) => (enough = resolve));
      const run = async (chain: ChainState) => {
        while (!dead) {
          let res: HttpResult;
          try {
            res = await refresh(chain.client, chain.token, url);
          } catch {
            chain.lost = true;
            return;
          }
          if (res.status !== 200) {
            chain.failure = res;
            return;
          }
          chain.token = res.json.refresh_token;
          chain.rotations++;
          if (++total >= CHAINS * 4) enough();
        }
      };
      const running = chains.map(run);
      await Promise.race([burstUnderWay, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      await server.kill('SIGKILL');
      dead = true;
      await Promise.all(running);
      server = undefined;

      expect(chains.filter((c) => c.failure).map((c) => c.failure!.json)).toEqual([]);
      expect(total).toBeGreaterThan(0);

      // The invariant, straight from the table: no used token without a successor, one usable per chain.
      const ids = chains.map((c) => c.client.clientId);
      const after = await chainsOf(db, ids);
      for (const id of ids) {
        expect({ id, ...after.get(id) }).toEqual(
          expect.objectContaining({ id, usable: 1, orphans: 0, revoked: 0 }),
        );
      }

      // Restarted, every client carries on with the newest token it holds: the unused one, or (its
      // response lost in the crash) the rotated one, which the retry grace answers with a fresh pair.
      server = await startServer(env);
      const resumed = await Promise.all(chains.map((c) => refresh(c.client, c.token, server!.url)));
      expect(resumed.map((r) => r.status)).toEqual(chains.map(() => 200));
      const final = await chainsOf(db, ids);
      for (const id of ids) {
        expect({ id, ...final.get(id) }).toEqual(expect.objectContaining({ id, usable: 1, orphans: 0 }));
      }
      // And the new tokens work.
      const next = await Promise.all(
        chains.map((c, i) => refresh(c.client, resumed[i].json.refresh_token, server!.url)),
      );
      expect(next.map((r) => r.status)).toEqual(chains.map(() => 200));
    }, 180_000);
  });
});
