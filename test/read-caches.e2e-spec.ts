import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';

import { DataSource } from 'typeorm';

import { loadConfig } from '../src/config/app-config';
import { ChangeFeed } from '../src/platform/cache/change-feed.service';
import { EmailTaken, InvalidDisplayName } from '../src/users/users.errors';
import { USER_CACHE_TTL_MS, UsersService } from '../src/users/users.service';
import { createApiKey, withKey } from './factories/api-keys';
import { createClient } from './factories/clients';
import { createProject } from './factories/projects';
import { createUser } from './factories/users';
import { bootApp, bootInstances, closeAll, type TestApp } from './support/app';
import { eventually } from './support/eventually';
import { http } from './support/http';
import { basic, tokenRequest } from './support/oauth';
import { type RunningServer, startServer } from './support/server';

const REDIS_URL = 'redis://127.0.0.1:6379';

/** A user with a key for every resource scope, and helpers that call one instance with it. */
async function userWithKey(t: TestApp) {
  const user = await createUser(t.app, { displayName: 'Before' });
  const { key } = await createApiKey(t.app, user.id);
  return { user, key, headers: withKey(key) };
}

function names(body: { data: { name: string }[] }): string[] {
  return body.data.map((p) => p.name);
}

/**
 * The read caches (GET /v1/user, GET /v1/projects) over real HTTP and PostgreSQL: a write is visible to
 * the next read at once, in the same instance, in another instance (Redis change feed) and in another
 * cluster worker (IPC relay, no Redis). No TTL is waited for anywhere.
 */
describe('read caches: one instance, no Redis (local invalidation)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp({ REDIS_URL: '' });
  });
  afterAll(() => t?.close());

  it('GET /v1/user: a cached read is byte-identical, and a profile change shows at once', async () => {
    const { user, headers } = await userWithKey(t);
    const first = await http(`${t.url}/v1/user`, { headers });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({
      id: user.id,
      email: user.email,
      name: 'Before',
      created_at: user.createdAt.toISOString(),
    });
    const cached = await http(`${t.url}/v1/user`, { headers });
    expect(cached.text).toBe(first.text);

    const email = `renamed-${user.id.slice(0, 8)}@example.test`;
    await t.app.get(UsersService).updateProfile(user.id, { displayName: 'After', email });
    const after = await http(`${t.url}/v1/user`, { headers });
    expect(after.json).toEqual({ ...first.json, name: 'After', email });
  });

  it('a refused profile change (email taken, bad name) leaves the cached user as it was', async () => {
    const { user, headers } = await userWithKey(t);
    const other = await createUser(t.app);
    const users = t.app.get(UsersService);
    const before = (await http(`${t.url}/v1/user`, { headers })).text;
    await expect(users.updateProfile(user.id, { email: other.email.toUpperCase() })).rejects.toThrow(
      EmailTaken,
    );
    await expect(users.updateProfile(user.id, { displayName: '  ' })).rejects.toThrow(InvalidDisplayName);
    expect((await http(`${t.url}/v1/user`, { headers })).text).toBe(before);
    expect(await users.updateProfile(randomUUID(), { displayName: 'Nobody' })).toBeNull();
  });

  it('GET /v1/user is served from memory: a change made outside the app shows only after the TTL', async () => {
    const { user, headers } = await userWithKey(t);
    expect((await http(`${t.url}/v1/user`, { headers })).json.name).toBe('Before');
    // By hand in SQL, bypassing UsersService: nothing invalidates, so the documented bound applies.
    await t.app.get(DataSource).query(`UPDATE users SET display_name = 'By hand' WHERE id = $1`, [user.id]);
    expect((await http(`${t.url}/v1/user`, { headers })).json.name).toBe('Before');
    const realNow = Date.now.bind(Date);
    const later = jest.spyOn(Date, 'now').mockImplementation(() => realNow() + USER_CACHE_TTL_MS + 1000);
    try {
      expect((await http(`${t.url}/v1/user`, { headers })).json.name).toBe('By hand');
    } finally {
      later.mockRestore();
    }
  });

  it('GET /v1/projects: create, update and delete show in the next list at once', async () => {
    const { headers } = await userWithKey(t);
    const list = async () => (await http(`${t.url}/v1/projects`, { headers })).json;
    expect(await list()).toEqual({ data: [], next_cursor: null });

    const created = await http(`${t.url}/v1/projects`, {
      method: 'POST',
      headers,
      body: { name: 'first', description: 'd' },
    });
    expect(created.status).toBe(201);
    const listed = await http(`${t.url}/v1/projects`, { headers });
    // The list entry is exactly the created resource (same dates, same format).
    expect(listed.json).toEqual({ data: [created.json], next_cursor: null });
    // Served from memory (a change by hand in SQL is not seen), byte for byte as loaded.
    await t.app
      .get(DataSource)
      .query(`UPDATE projects SET name = 'by hand' WHERE id = $1`, [created.json.id]);
    const again = await http(`${t.url}/v1/projects`, { headers });
    expect(again.text).toBe(listed.text);

    const id = created.json.id as string;
    const patched = await http(`${t.url}/v1/projects/${id}`, {
      method: 'PATCH',
      headers,
      body: { name: 'renamed' },
    });
    expect(patched.status).toBe(200);
    expect(await list()).toEqual({ data: [patched.json], next_cursor: null });

    expect((await http(`${t.url}/v1/projects/${id}`, { method: 'DELETE', headers })).status).toBe(204);
    expect(await list()).toEqual({ data: [], next_cursor: null });
  });

  it('every cached page of the owner is dropped: later pages and other page sizes too', async () => {
    const { user, headers } = await userWithKey(t);
    for (const name of ['p1', 'p2', 'p3']) await createProject(t.app, user.id, { name });
    const page = async (query: string) =>
      (await http(`${t.url}/v1/projects${query}`, { headers })).json as {
        data: { id: string; name: string }[];
        next_cursor: string | null;
      };
    const one = await page('?limit=1');
    expect(names(one)).toEqual(['p3']);
    const two = await page(`?limit=1&cursor=${one.next_cursor}`);
    expect(names(two)).toEqual(['p2']);
    expect(names(await page('?limit=100'))).toEqual(['p3', 'p2', 'p1']);

    // The second page's item is renamed through the service, as another module or the console would.
    const p2 = two.data[0].id;
    expect(
      (
        await http(`${t.url}/v1/projects/${p2}`, {
          method: 'PATCH',
          headers,
          body: { description: 'changed', name: 'p2 renamed' },
        })
      ).status,
    ).toBe(200);
    expect(names(await page(`?limit=1&cursor=${one.next_cursor}`))).toEqual(['p2 renamed']);
    expect(names(await page('?limit=100'))).toEqual(['p3', 'p2 renamed', 'p1']);
  });

  it("an internal service's ('all') pages and the owner's pages see each other's writes at once", async () => {
    const { user, headers } = await userWithKey(t);
    const { clientId, clientSecret } = await createClient(t.app, {
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes: ['read:projects', 'write:projects'],
    });
    const token = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials', scope: 'read:projects write:projects' },
      { authorization: basic(clientId, clientSecret!) },
    );
    expect(token.status).toBe(200);
    const service = { authorization: `Bearer ${token.json.access_token}` };
    const allIds = async () =>
      (
        (await http(`${t.url}/v1/projects?limit=100`, { headers: service })).json.data as { id: string }[]
      ).map((p) => p.id);
    const ownerNames = async () => names((await http(`${t.url}/v1/projects`, { headers })).json);
    await allIds();
    expect(await ownerNames()).toEqual([]);

    // The user writes: the service's cached 'all' page must not hide it.
    const mine = await http(`${t.url}/v1/projects`, { method: 'POST', headers, body: { name: 'by user' } });
    expect(await allIds()).toContain(mine.json.id);

    // The service writes into the user's account (upper-case owner_id is the same UUID).
    const theirs = await http(`${t.url}/v1/projects`, {
      method: 'POST',
      headers: service,
      body: { name: 'by service', owner_id: user.id.toUpperCase() },
    });
    expect(theirs.status).toBe(201);
    expect(await ownerNames()).toEqual(['by service', 'by user']);

    // The service renames it: the owner's cached page must not hide that either.
    const renamed = await http(`${t.url}/v1/projects/${theirs.json.id}`, {
      method: 'PATCH',
      headers: service,
      body: { name: 'renamed by service' },
    });
    expect(renamed.status).toBe(200);
    expect(await ownerNames()).toEqual(['renamed by service', 'by user']);

    // The service deletes the user's project: both views change.
    expect(
      (await http(`${t.url}/v1/projects/${mine.json.id}`, { method: 'DELETE', headers: service })).status,
    ).toBe(204);
    expect(await ownerNames()).toEqual(['renamed by service']);
    expect(await allIds()).not.toContain(mine.json.id);
  });
});

describe('read caches: two instances sharing PostgreSQL and Redis', () => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    [a, b] = await bootInstances(2, { REDIS_URL });
  });
  afterAll(() => closeAll(a, b));

  it('a profile change on A shows on B (which had the user cached) without waiting for the TTL', async () => {
    const { user, headers } = await userWithKey(a);
    expect((await http(`${b.url}/v1/user`, { headers })).json.name).toBe('Before');
    await a.app.get(UsersService).updateProfile(user.id, { displayName: 'Changed on A' });
    const ms = await eventually(
      async () => (await http(`${b.url}/v1/user`, { headers })).json.name === 'Changed on A',
    );
    console.log(`user change reached the other instance in ${ms} ms`);
  });

  it('a short-lived process (like the admin CLI) publishes its invalidation before it exits', async () => {
    const { user, headers } = await userWithKey(a);
    expect((await http(`${b.url}/v1/user`, { headers })).json.name).toBe('Before');
    await a.app
      .get(DataSource)
      .query(`UPDATE users SET display_name = 'Changed by CLI' WHERE id = $1`, [user.id]);
    // What the CLI's UsersService does after its write, then the CLI closes at once.
    const feed = new ChangeFeed(loadConfig({ ...process.env, NODE_ENV: 'test', REDIS_URL }));
    feed.invalidate('user', user.id);
    await feed.onModuleDestroy();
    await eventually(
      async () => (await http(`${b.url}/v1/user`, { headers })).json.name === 'Changed by CLI',
    );
  });

  it('projects created, updated and deleted on A show in the list on B without waiting for the TTL', async () => {
    const { headers } = await userWithKey(a);
    const onB = async () => names((await http(`${b.url}/v1/projects`, { headers })).json);
    expect(await onB()).toEqual([]);

    const created = await http(`${a.url}/v1/projects`, { method: 'POST', headers, body: { name: 'x' } });
    expect(created.status).toBe(201);
    const ms = await eventually(async () => (await onB()).join() === 'x');
    console.log(`project creation reached the other instance in ${ms} ms`);

    const id = created.json.id as string;
    await http(`${a.url}/v1/projects/${id}`, { method: 'PATCH', headers, body: { name: 'y' } });
    await eventually(async () => (await onB()).join() === 'y');

    await http(`${a.url}/v1/projects/${id}`, { method: 'DELETE', headers });
    await eventually(async () => (await onB()).length === 0);
  });
});

/** A new TCP connection per request, so the cluster's round-robin spreads requests over the workers. */
function freshGet(url: string, headers: Record<string, string>): Promise<{ status: number; json: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * The real server (src/main.ts, compiled on the fly like test/support/cli.ts) with WORKERS=2 and no
 * Redis: only the cluster IPC relay can tell one worker about the other's writes.
 */
describe('read caches: WORKERS=2 without Redis (cluster IPC relay)', () => {
  let server: RunningServer;
  let local: TestApp;

  beforeAll(async () => {
    local = await bootApp({ REDIS_URL: '' });
    server = await startServer({ LOG_LEVEL: 'silent', WORKERS: '2', REDIS_URL: '' });
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await local?.close();
  });

  it('a project written on one worker shows on every worker’s next list at once', async () => {
    const { headers } = await userWithKey(local);
    // Eight fresh connections: both workers load and cache the (empty) first page.
    const everyWorker = async () =>
      Promise.all(
        Array.from({ length: 8 }, async () => {
          const res = await freshGet(`${server.url}/v1/projects`, headers);
          expect(res.status).toBe(200);
          return names(res.json).join();
        }),
      );
    expect(new Set(await everyWorker())).toEqual(new Set(['']));

    const created = await http(`${server.url}/v1/projects`, {
      method: 'POST',
      headers,
      body: { name: 'one' },
    });
    expect(created.status).toBe(201);
    // IPC latency is sub-millisecond but not zero: the other worker must see it within a few ms.
    await eventually(async () => (await everyWorker()).every((n) => n === 'one'), 500);

    const id = created.json.id as string;
    await http(`${server.url}/v1/projects/${id}`, { method: 'PATCH', headers, body: { name: 'two' } });
    await eventually(async () => (await everyWorker()).every((n) => n === 'two'), 500);

    await http(`${server.url}/v1/projects/${id}`, { method: 'DELETE', headers });
    await eventually(async () => (await everyWorker()).every((n) => n === ''), 500);
  });
});
