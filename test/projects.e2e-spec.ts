import { randomUUID } from 'node:crypto';

import { DataSource } from 'typeorm';

import { Project } from '../src/projects/project.entity';
import { createApiKey, withKey } from './factories/api-keys';
import { createClient } from './factories/clients';
import { createProject } from './factories/projects';
import { signInAs } from './factories/sessions';
import { createUser } from './factories/users';
import { bootApp, type TestApp } from './support/app';
import { http, type HttpResult } from './support/http';

const PROJECT_FIELDS = ['created_at', 'description', 'id', 'name', 'owner_id', 'updated_at'];

describe('projects (real PostgreSQL over HTTP)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
    return http(`${t.url}${path}`, { method, headers, body });
  }

  /** A fresh user and a key holding exactly `scopes`. */
  async function userWithKey(scopes: string[] = ['read:user', 'read:projects', 'write:projects']) {
    const user = await createUser(t.app);
    const { key } = await createApiKey(t.app, user.id, { scopes });
    return { user, key, headers: withKey(key) };
  }

  describe('scopes (RFC 6750 §3.1)', () => {
    type Route = {
      name: string;
      scope: string;
      expected: number;
      request: (h: Record<string, string>) => Promise<HttpResult>;
    };

    it('every route × {key with the scope, key without it, no credential} → success / 403 insufficient_scope / 401', async () => {
      const owner = await createUser(t.app);
      const full = withKey((await createApiKey(t.app, owner.id)).key);
      // Each key holds every scope but the one a route needs.
      const without = async (scope: string) =>
        withKey(
          (
            await createApiKey(t.app, owner.id, {
              scopes: ['read:user', 'read:projects', 'write:projects'].filter((s) => s !== scope),
            })
          ).key,
        );
      const fresh = async () => (await createProject(t.app, owner.id)).id;

      const routes: Route[] = [
        {
          name: 'GET /v1/user',
          scope: 'read:user',
          expected: 200,
          request: (h) => call('GET', '/v1/user', h),
        },
        {
          name: 'GET /v1/projects',
          scope: 'read:projects',
          expected: 200,
          request: (h) => call('GET', '/v1/projects', h),
        },
        {
          name: 'GET /v1/projects/:id',
          scope: 'read:projects',
          expected: 200,
          request: async (h) => call('GET', `/v1/projects/${await fresh()}`, h),
        },
        {
          name: 'POST /v1/projects',
          scope: 'write:projects',
          expected: 201,
          request: (h) => call('POST', '/v1/projects', h, { name: 'scoped' }),
        },
        {
          name: 'PATCH /v1/projects/:id',
          scope: 'write:projects',
          expected: 200,
          request: async (h) => call('PATCH', `/v1/projects/${await fresh()}`, h, { name: 'renamed' }),
        },
        {
          name: 'DELETE /v1/projects/:id',
          scope: 'write:projects',
          expected: 204,
          request: async (h) => call('DELETE', `/v1/projects/${await fresh()}`, h),
        },
      ];

      for (const route of routes) {
        const ok = await route.request(full);
        expect({ route: route.name, status: ok.status }).toEqual({
          route: route.name,
          status: route.expected,
        });

        const denied = await route.request(await without(route.scope));
        expect({ route: route.name, status: denied.status, body: denied.json }).toEqual({
          route: route.name,
          status: 403,
          body: {
            error: 'insufficient_scope',
            error_description: `this request needs the scope: ${route.scope}`,
            scope: route.scope,
          },
        });
        expect(denied.headers.get('www-authenticate')).toBe(
          `Bearer realm="iiniit", error="insufficient_scope", scope="${route.scope}"`,
        );

        const anonymous = await route.request({});
        expect({ route: route.name, status: anonymous.status, error: anonymous.json.error }).toEqual({
          route: route.name,
          status: 401,
          error: 'unauthorized',
        });
        expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="iiniit"');
      }
    });

    it('does not accept the console session on the resource API', async () => {
      const user = await createUser(t.app);
      const session = await signInAs(t.app, user.id);
      expect((await call('GET', '/v1/projects', session.headers)).status).toBe(401);
    });
  });

  describe('CRUD', () => {
    it('creates, reads, updates and deletes a project', async () => {
      const { user, headers } = await userWithKey();
      const created = await call('POST', '/v1/projects', headers, {
        name: '  Apollo  ',
        description: 'to the moon',
      });
      expect(created.status).toBe(201);
      expect(Object.keys(created.json).sort()).toEqual(PROJECT_FIELDS);
      expect(created.json).toMatchObject({ owner_id: user.id, name: 'Apollo', description: 'to the moon' });
      expect(created.headers.get('location')).toBe(`/v1/projects/${created.json.id}`);
      const id: string = created.json.id;

      const read = await call('GET', `/v1/projects/${id}`, headers);
      expect(read.status).toBe(200);
      expect(read.json).toEqual(created.json);

      const noDescription = await call('POST', '/v1/projects', headers, { name: 'Gemini' });
      expect(noDescription.json.description).toBe('');

      const renamed = await call('PATCH', `/v1/projects/${id}`, headers, { name: 'Artemis' });
      expect(renamed.status).toBe(200);
      expect(renamed.json).toMatchObject({
        id,
        name: 'Artemis',
        description: 'to the moon',
        owner_id: user.id,
      });
      expect(Date.parse(renamed.json.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.json.updated_at));
      expect(renamed.json.created_at).toBe(created.json.created_at);

      const cleared = await call('PATCH', `/v1/projects/${id}`, headers, { description: '' });
      expect(cleared.json).toMatchObject({ name: 'Artemis', description: '' });
      const unchanged = await call('PATCH', `/v1/projects/${id}`, headers, {});
      expect(unchanged.status).toBe(200);
      expect(unchanged.json).toEqual(cleared.json);

      const deleted = await call('DELETE', `/v1/projects/${id}`, headers);
      expect(deleted.status).toBe(204);
      expect(deleted.text).toBe('');
      expect((await call('GET', `/v1/projects/${id}`, headers)).status).toBe(404);
      expect((await call('DELETE', `/v1/projects/${id}`, headers)).status).toBe(404);
      expect((await call('PATCH', `/v1/projects/${id}`, headers, { name: 'x' })).status).toBe(404);
    });
  });

  describe('ownership', () => {
    it("another user's project is 404 for read, change and delete; the listing shows only one's own", async () => {
      const alice = await userWithKey();
      const bob = await userWithKey();
      const bobs = await createProject(t.app, bob.user.id, { name: 'bob secret' });
      const alices = await createProject(t.app, alice.user.id, { name: 'alice' });
      const nobody = await call('GET', `/v1/projects/${randomUUID()}`, alice.headers);
      expect(nobody.status).toBe(404);

      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { name: 'pwned' }],
        ['DELETE', undefined],
      ] as const) {
        const res = await call(method, `/v1/projects/${bobs.id}`, alice.headers, body);
        // Not 403: the answer must not reveal that the project exists.
        expect({ method, status: res.status, body: res.json }).toEqual({
          method,
          status: 404,
          body: nobody.json,
        });
      }
      const intact = await t.app.get(DataSource).getRepository(Project).findOneByOrFail({ id: bobs.id });
      expect(intact.name).toBe('bob secret');

      const list = await call('GET', '/v1/projects', alice.headers);
      expect(list.json.data.map((p: { id: string }) => p.id)).toEqual([alices.id]);
      expect(list.json.next_cursor).toBeNull();
      const bobsList = await call('GET', '/v1/projects', bob.headers);
      expect(bobsList.json.data.map((p: { id: string }) => p.id)).toEqual([bobs.id]);
    });

    it('a user or their key cannot create a project for someone else (owner_id is 400)', async () => {
      const alice = await userWithKey();
      const bob = await createUser(t.app);
      for (const ownerId of [bob.id, alice.user.id, null]) {
        const res = await call('POST', '/v1/projects', alice.headers, { name: 'x', owner_id: ownerId });
        expect(res.status).toBe(400);
        expect(res.json.fields.map((f: { field: string }) => f.field)).toEqual(['owner_id']);
      }
      expect((await call('GET', '/v1/projects', alice.headers)).json.data).toEqual([]);
    });

    describe('an internal service (client_credentials token)', () => {
      async function serviceToken(scope: string): Promise<Record<string, string>> {
        const { clientId, clientSecret } = await createClient(t.app, {
          grantTypes: ['client_credentials'],
          scopes: ['read:projects', 'write:projects'],
        });
        const res = await http(`${t.url}/oauth2/token`, {
          method: 'POST',
          form: { grant_type: 'client_credentials', scope },
          headers: {
            authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret!}`).toString('base64')}`,
          },
        });
        expect(res.status).toBe(200);
        return { authorization: `Bearer ${res.json.access_token}` };
      }

      it('reads and writes every owner’s projects, and must name the owner when creating', async () => {
        const service = await serviceToken('read:projects write:projects');
        const alice = await createUser(t.app);
        const bob = await createUser(t.app);
        const alices = await createProject(t.app, alice.id);
        const bobs = await createProject(t.app, bob.id);

        expect((await call('GET', `/v1/projects/${alices.id}`, service)).status).toBe(200);
        const patched = await call('PATCH', `/v1/projects/${bobs.id}`, service, { description: 'by ops' });
        expect(patched.json).toMatchObject({ id: bobs.id, owner_id: bob.id, description: 'by ops' });

        const missingOwner = await call('POST', '/v1/projects', service, { name: 'orphan' });
        expect(missingOwner.status).toBe(400);
        expect(missingOwner.json.fields).toEqual([{ field: 'owner_id', messages: [expect.any(String)] }]);
        const unknownOwner = await call('POST', '/v1/projects', service, {
          name: 'x',
          owner_id: randomUUID(),
        });
        expect(unknownOwner.status).toBe(400);
        expect(unknownOwner.json.fields[0].field).toBe('owner_id');
        const forAlice = await call('POST', '/v1/projects', service, {
          name: 'provisioned',
          owner_id: alice.id,
        });
        expect(forAlice.status).toBe(201);
        expect(forAlice.json.owner_id).toBe(alice.id);

        const seen = new Set<string>();
        let cursor: string | null = null;
        do {
          const page: HttpResult = await call(
            'GET',
            `/v1/projects?limit=100${cursor ? `&cursor=${cursor}` : ''}`,
            service,
          );
          for (const p of page.json.data as { id: string }[]) seen.add(p.id);
          cursor = page.json.next_cursor;
        } while (cursor && !(seen.has(alices.id) && seen.has(bobs.id)));
        expect(seen.has(alices.id) && seen.has(bobs.id)).toBe(true);

        expect((await call('DELETE', `/v1/projects/${alices.id}`, service)).status).toBe(204);
        // A service token with only read:projects cannot write.
        const reader = await serviceToken('read:projects');
        expect((await call('DELETE', `/v1/projects/${bobs.id}`, reader)).status).toBe(403);
      });
    });
  });

  describe('pagination', () => {
    it('walks every project exactly once, newest first, also across equal and microsecond-apart timestamps', async () => {
      const { user, headers } = await userWithKey(['read:projects']);
      const ds = t.app.get(DataSource);
      // 12 rows created in one statement share one created_at (now() is per transaction): only the id
      // orders them. 12 more lie one microsecond apart inside one millisecond: a cursor rounded to JS
      // milliseconds would skip or repeat them.
      await ds.query(
        `INSERT INTO projects (owner_id, name) SELECT $1, 'same-' || g FROM generate_series(1, 12) AS g`,
        [user.id],
      );
      await ds.query(
        `INSERT INTO projects (owner_id, name, created_at)
         SELECT $1, 'micro-' || g, timestamptz '2024-06-01 12:00:00.000100+00' + g * interval '1 microsecond'
         FROM generate_series(1, 12) AS g`,
        [user.id],
      );
      for (let i = 0; i < 5; i++) await createProject(t.app, user.id, { name: `single-${i}` });
      const all = await ds.query<{ id: string }[]>(
        'SELECT id FROM projects WHERE owner_id = $1 ORDER BY created_at DESC, id DESC',
        [user.id],
      );
      expect(all).toHaveLength(29);

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: HttpResult = await call(
          'GET',
          `/v1/projects?limit=5${cursor ? `&cursor=${cursor}` : ''}`,
          headers,
        );
        expect(res.status).toBe(200);
        expect(res.json.data.length).toBeLessThanOrEqual(5);
        seen.push(...(res.json.data as { id: string }[]).map((p) => p.id));
        cursor = res.json.next_cursor;
        if (cursor) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
        pages++;
      } while (cursor && pages < 20);
      expect(pages).toBe(6);
      expect(seen).toEqual(all.map((r) => r.id));

      const defaults = await call('GET', '/v1/projects', headers);
      expect(defaults.json.data).toHaveLength(20);
      expect(defaults.json.next_cursor).not.toBeNull();
      const exact = await call('GET', '/v1/projects?limit=29', headers);
      expect(exact.json.data).toHaveLength(29);
      expect(exact.json.next_cursor).toBeNull();
    });

    it('rejects a bad limit or cursor with a field error', async () => {
      const { headers } = await userWithKey(['read:projects']);
      for (const [query, field] of [
        ['limit=0', 'limit'],
        ['limit=101', 'limit'],
        ['limit=abc', 'limit'],
        ['limit=1.5', 'limit'],
        ['limit=', 'limit'],
        ['cursor=nope', 'cursor'],
        [`cursor=${Buffer.from('["2024-02-30T00:00:00.000000Z","x"]').toString('base64url')}`, 'cursor'],
        ['sort=name', 'sort'],
      ]) {
        const res = await call('GET', `/v1/projects?${query}`, headers);
        expect({ query, status: res.status, error: res.json.error }).toEqual({
          query,
          status: 400,
          error: 'invalid_request',
        });
        expect(res.json.fields.map((f: { field: string }) => f.field)).toContain(field);
      }
    });
  });

  describe('validation', () => {
    it('rejects bad names, long descriptions and unknown fields with field errors', async () => {
      const { headers } = await userWithKey();
      const project = await call('POST', '/v1/projects', headers, { name: 'valid' });
      const cases: [string, string, unknown, string][] = [
        ['POST', '/v1/projects', { name: '' }, 'name'],
        ['POST', '/v1/projects', { name: '    ' }, 'name'],
        ['POST', '/v1/projects', { name: 'x'.repeat(101) }, 'name'],
        ['POST', '/v1/projects', {}, 'name'],
        ['POST', '/v1/projects', { name: 42 }, 'name'],
        ['POST', '/v1/projects', { name: 'ok', description: 'd'.repeat(2001) }, 'description'],
        ['POST', '/v1/projects', { name: 'ok', description: null }, 'description'],
        ['POST', '/v1/projects', { name: 'ok', color: 'red' }, 'color'],
        ['PATCH', `/v1/projects/${project.json.id}`, { name: '' }, 'name'],
        ['PATCH', `/v1/projects/${project.json.id}`, { name: null }, 'name'],
        ['PATCH', `/v1/projects/${project.json.id}`, { name: 'x'.repeat(101) }, 'name'],
        ['PATCH', `/v1/projects/${project.json.id}`, { description: 'd'.repeat(2001) }, 'description'],
        ['PATCH', `/v1/projects/${project.json.id}`, { owner_id: randomUUID() }, 'owner_id'],
      ];
      for (const [method, path, body, field] of cases) {
        const res = await call(method, path, headers, body);
        expect({ method, body, status: res.status, error: res.json.error }).toEqual({
          method,
          body,
          status: 400,
          error: 'invalid_request',
        });
        expect(res.json.fields.map((f: { field: string }) => f.field)).toContain(field);
      }

      // The limits themselves are fine, counted in characters (as PostgreSQL counts them).
      const longest = await call('POST', '/v1/projects', headers, {
        name: '🚀'.repeat(100),
        description: 'é'.repeat(2000),
      });
      expect(longest.status).toBe(201);
      expect(longest.json.name).toBe('🚀'.repeat(100));
      const tooMany = await call('POST', '/v1/projects', headers, { name: '🚀'.repeat(101) });
      expect(tooMany.status).toBe(400);
    });

    it('answers a malformed id with 400 in the API error format, for every route', async () => {
      const { headers } = await userWithKey();
      for (const [method, body] of [
        ['GET', undefined],
        ['PATCH', { name: 'x' }],
        ['DELETE', undefined],
      ] as const) {
        for (const id of ['not-a-uuid', '123', `${randomUUID()}x`]) {
          const res = await call(method, `/v1/projects/${id}`, headers, body);
          expect({ method, id, status: res.status, body: res.json }).toEqual({
            method,
            id,
            status: 400,
            body: {
              error: 'invalid_request',
              error_description: 'invalid fields: id',
              fields: [{ field: 'id', messages: ['must be a UUID'] }],
            },
          });
        }
      }
    });

    it('never answers bad input with a 500', async () => {
      const { headers } = await userWithKey();
      for (const raw of ['{not json', '[]', '"string"', 'null', '{"name": {"$gt": ""}}']) {
        const res = await http(`${t.url}/v1/projects`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: raw,
        });
        expect({ raw, status: res.status }).toEqual({ raw, status: 400 });
      }
    });
  });
});
