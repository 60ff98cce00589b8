/**
 * `node -r ts-node/register/transpile-only bench/statements.ts`: PostgreSQL statements and Redis commands
 * per operation, for the capacity model in docs/scaling.md. pg_stat_statements is not available on the
 * bench machine, so the script boots the app in this process and counts at the drivers: every
 * `pg.Client#query` (BEGIN/COMMIT included: they are round trips too) and every ioredis command. Each
 * operation is warmed up first (read caches filled), then repeated STATEMENTS_N times; the figure is
 * the average per request in the steady state.
 *
 * Needs DATABASE_URL (migrations are applied) and, for the Redis column, REDIS_URL.
 */
import Redis from 'ioredis';
import { Client, Pool } from 'pg';

import { DEFAULT_DATABASE_POOL_MAX } from '../src/database/data-source';
import { createApiKey, withKey } from '../test/factories/api-keys';
import { createClient, REDIRECT_URI } from '../test/factories/clients';
import { createProject } from '../test/factories/projects';
import { createUser } from '../test/factories/users';
import { bootApp } from '../test/support/app';
import { Browser } from '../test/support/browser';
import { http } from '../test/support/http';

// test/support/oauth.ts asserts with Jest's expect; the same steps without it.
const basic = (id: string, secret: string) =>
  `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
const tokenRequest = (base: string, form: Record<string, string>, headers: Record<string, string>) =>
  http(`${base}/oauth2/token`, { method: 'POST', form, headers });
async function authorizeInBrowser(
  base: string,
  user: { email: string; password: string },
  params: Record<string, string>,
  { browser }: { browser: Browser },
): Promise<URLSearchParams> {
  let page = await browser.get(`/oauth2/authorize?${new URLSearchParams(params).toString()}`);
  if (page.status === 200 && page.text.includes('action="/auth/login"')) {
    const afterLogin = await browser.submit(page, { email: user.email, password: user.password });
    page = await browser.get(afterLogin.headers.get('location')!);
  }
  if (page.status === 200 && page.text.includes('action="/auth/consent"')) {
    page = await browser.submit(page, { decision: 'approve' });
  }
  if (page.status !== 302 && page.status !== 303) throw new Error(`authorize: ${page.status} (${base})`);
  return new URL(page.headers.get('location')!).searchParams;
}

const N = Number(process.env.STATEMENTS_N ?? 50);

/** STATEMENTS_LOG=1: also print each operation's statements (first 120 characters, with counts). */
const LOG = process.env.STATEMENTS_LOG === '1';

const counts = {
  pg: 0,
  texts: new Map<string, number>(),
  redis: 0,
  pgByVerb: new Map<string, number>(),
  redisByCommand: new Map<string, number>(),
};
const bump = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);

// eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound with apply below
const pgQuery = Client.prototype.query;

(Client.prototype as any).query = function (this: Client, ...args: any[]) {
  counts.pg++;
  const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? '');
  bump(counts.pgByVerb, text.trim().split(/\s+/)[0].toUpperCase());
  if (LOG) bump(counts.texts, text.replace(/\s+/g, ' ').trim().slice(0, 120));
  return (pgQuery as (...a: unknown[]) => unknown).apply(this, args);
};
// eslint-disable-next-line @typescript-eslint/unbound-method -- re-bound with call below
const sendCommand = Redis.prototype.sendCommand;

(Redis.prototype as any).sendCommand = function (this: Redis, command: { name: string }, ...rest: unknown[]) {
  counts.redis++;
  bump(counts.redisByCommand, command.name);
  return (sendCommand as (...a: unknown[]) => unknown).call(this, command, ...rest);
};

function reset(): void {
  counts.pg = 0;
  counts.redis = 0;
  counts.pgByVerb.clear();
  counts.texts.clear();
  counts.redisByCommand.clear();
}

async function measure(
  name: string,
  op: (i: number) => Promise<void>,
  prepare?: (i: number) => Promise<unknown>,
  /** Requests one `op` sends (the figures are per request). */
  requests = 1,
) {
  const N_REQ = N * requests;
  let pg = 0;
  let redis = 0;
  const verbs = new Map<string, number>();
  const texts = new Map<string, number>();
  const commands = new Map<string, number>();
  for (let i = -3; i < N; i++) {
    const prepared = prepare ? await prepare(i) : undefined;
    void prepared;
    reset();
    await op(i);
    // Background work the request started (audit write, cache fill) settles well within 150 ms.
    await new Promise((r) => setTimeout(r, 150));
    if (i < 0) continue;
    pg += counts.pg;
    redis += counts.redis;
    for (const [k, v] of counts.pgByVerb) verbs.set(k, (verbs.get(k) ?? 0) + v);
    for (const [k, v] of counts.texts) texts.set(k, (texts.get(k) ?? 0) + v);
    for (const [k, v] of counts.redisByCommand) commands.set(k, (commands.get(k) ?? 0) + v);
  }
  const per = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${(v / N_REQ).toFixed(2)}`)
      .join(', ');
  console.log(
    `| ${name} | ${(pg / N_REQ).toFixed(2)} | ${per(verbs)} | ${(redis / N_REQ).toFixed(2)} | ${per(commands)} |`,
  );
  if (LOG) for (const [k, v] of texts) console.error(`    ${(v / N_REQ).toFixed(2)}  ${k}`);
}

async function main(): Promise<void> {
  // The per-client limit (600/1m) would refuse the concurrent client_credentials rounds: this counts statements.
  const t = await bootApp({ DB_MIGRATIONS_RUN: 'true', RATE_LIMIT_CLIENT: '100000/1m' });
  try {
    const user = await createUser(t.app);
    await createProject(t.app, user.id);
    const key = await createApiKey(t.app, user.id);
    const client = await createClient(t.app);
    const service = await createClient(t.app, {
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes: ['read:projects'],
    });
    const browser = new Browser(t.url);
    const code = async () =>
      (
        await authorizeInBrowser(
          t.url,
          user,
          {
            response_type: 'code',
            client_id: client.clientId,
            redirect_uri: REDIRECT_URI,
            scope: 'read:user read:projects',
          },
          { browser },
        )
      ).get('code')!;
    const exchange = async (c: string) => {
      const res = await tokenRequest(
        t.url,
        { grant_type: 'authorization_code', code: c, redirect_uri: REDIRECT_URI },
        { authorization: basic(client.clientId, client.clientSecret!) },
      );
      if (res.status !== 200) throw new Error(`code exchange: ${res.status} ${res.text}`);
      return res.json as { access_token: string; refresh_token: string };
    };
    const first = await exchange(await code());
    const ok = (status: number, what: string) => {
      if (status !== 200) throw new Error(`${what}: ${status}`);
    };

    console.log(
      `per request, steady state, average of ${N} (REDIS_URL ${process.env.REDIS_URL ? 'set' : 'unset'})\n`,
    );
    console.log('| operation | PostgreSQL statements | by verb | Redis commands | by command |');
    console.log('| --- | ---: | --- | ---: | --- |');
    await measure('GET /v1/user (JWT)', async () =>
      ok(
        (await http(`${t.url}/v1/user`, { headers: { authorization: `Bearer ${first.access_token}` } }))
          .status,
        'user',
      ),
    );
    await measure('GET /v1/projects (API key)', async () =>
      ok((await http(`${t.url}/v1/projects`, { headers: withKey(key.key) })).status, 'projects'),
    );
    await measure('POST /oauth2/token client_credentials', async () =>
      ok(
        (
          await tokenRequest(
            t.url,
            { grant_type: 'client_credentials', scope: 'read:projects' },
            { authorization: basic(service.clientId, service.clientSecret!) },
          )
        ).status,
        'client_credentials',
      ),
    );
    // Concurrent requests share the audit log's group commits: what one request costs under load.
    const cc = () =>
      tokenRequest(
        t.url,
        { grant_type: 'client_credentials', scope: 'read:projects' },
        { authorization: basic(service.clientId, service.clientSecret!) },
      );
    await measure(
      'POST /oauth2/token client_credentials, 20 concurrent',
      async () => {
        for (const res of await Promise.all(Array.from({ length: 20 }, cc))) {
          ok(res.status, 'client_credentials');
        }
      },
      undefined,
      20,
    );
    let refresh = first.refresh_token;
    await measure('POST /oauth2/token refresh_token', async () => {
      const res = await tokenRequest(
        t.url,
        { grant_type: 'refresh_token', refresh_token: refresh },
        { authorization: basic(client.clientId, client.clientSecret!) },
      );
      ok(res.status, 'refresh');
      refresh = res.json.refresh_token;
    });
    let pending = '';
    await measure(
      'POST /oauth2/token authorization_code',
      async () => void (await exchange(pending)),
      async () => (pending = await code()),
    );
    await measure('GET /oauth2/authorize (signed in, consent remembered → 302 with code)', async () => {
      await code();
    });
  } finally {
    await t.close();
  }
}

/**
 * What PostgreSQL can commit here: single-row update+insert transactions (the shape of a refresh rotation,
 * one data-modifying CTE) through a pool of the app's size (DATABASE_POOL_MAX, else the default), kept
 * saturated for STATEMENTS_CEILING_SECONDS (default 5; 0 skips). The reference for the token paths' rate.
 */
async function commitCeiling(): Promise<void> {
  const seconds = Number(process.env.STATEMENTS_CEILING_SECONDS ?? 5);
  if (!seconds || !process.env.DATABASE_URL) return;
  const max = Number(process.env.DATABASE_POOL_MAX || DEFAULT_DATABASE_POOL_MAX);
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max });
  const table = `bench_ceiling_${process.pid}`;
  try {
    await pool.query(
      `CREATE TABLE ${table} (id bigserial PRIMARY KEY, parent_id bigint, used_at timestamptz, hash text NOT NULL)`,
    );
    await pool.query(`INSERT INTO ${table} (hash) SELECT md5(i::text) FROM generate_series(1, 100000) i`);
    const deadline = Date.now() + seconds * 1000;
    let commits = 0;
    const worker = async () => {
      while (Date.now() < deadline) {
        await pool.query(
          `WITH hit AS (UPDATE ${table} SET used_at = now() WHERE id = $1 RETURNING id)
           INSERT INTO ${table} (parent_id, hash) SELECT id, md5(random()::text) FROM hit`,
          [1 + Math.floor(Math.random() * 100000)],
        );
        commits++;
      }
    };
    await Promise.all(Array.from({ length: max * 2 }, worker));
    console.log(
      `\nPostgreSQL commit ceiling (update+insert, pool ${max}): ${Math.round(commits / seconds)} tx/s`,
    );
  } finally {
    await pool.query(`DROP TABLE IF EXISTS ${table}`).catch(() => undefined);
    await pool.end();
  }
}

main()
  .then(commitCeiling)
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
