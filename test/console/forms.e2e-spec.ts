import { ApiKeysService } from '../../src/api-keys/api-keys.service';
import { ClientsService } from '../../src/clients/clients.service';
import { AuthorizationsService } from '../../src/tokens/authorizations/authorizations.service';
import { createApiKey } from '../factories/api-keys';
import { createClient } from '../factories/clients';
import { type SignedIn, signInAs } from '../factories/sessions';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { hiddenFields } from '../support/browser';
import { http, type HttpResult } from '../support/http';

/** The console over plain HTTP: what a browser cannot show, and what an attacker's page would try. */
describe('developer console: routes, headers, CSRF and validation', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  async function developer() {
    const user = await createUser(t.app);
    const session = await signInAs(t.app, user.id);
    return { user, session };
  }

  function get(path: string, s?: SignedIn): Promise<HttpResult> {
    return http(`${t.url}${path}`, { headers: s ? { cookie: s.cookie } : {} });
  }

  function post(path: string, s: SignedIn | undefined, form: Record<string, string | string[]>) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(form)) for (const item of [v].flat()) body.append(k, item);
    return http(`${t.url}${path}`, {
      method: 'POST',
      body: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(s ? { cookie: s.cookie } : {}) },
    });
  }

  describe('navigation', () => {
    it('GET / redirects to the console', async () => {
      const res = await get('/');
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/console');
    });

    it('signed out, pages send the browser to sign in (303) and back', async () => {
      const home = await get('/console');
      expect(home.status).toBe(303);
      expect(home.headers.get('location')).toBe('/auth/login?return_to=%2Fconsole');
      const deep = await get('/console/apps/new');
      expect(deep.headers.get('location')).toBe('/auth/login?return_to=%2Fconsole%2Fapps%2Fnew');
      const form = await post('/console/api-keys', undefined, { name: 'x' });
      expect(form.status).toBe(303);
      expect(form.headers.get('location')).toBe('/auth/login?return_to=%2Fconsole%2Fapi-keys%2Fnew');
    });

    it('an expired or forged session cookie counts as signed out', async () => {
      const res = await get('/console', { cookie: 'iiniit_session=forged', csrf: '', headers: {} });
      expect(res.status).toBe(303);
    });
  });

  describe('every page', () => {
    it('carries the page security headers, has no inline script or style, and a label for every input', async () => {
      const { user, session } = await developer();
      const { client } = await createClient(t.app, { ownerId: user.id });
      const key = await createApiKey(t.app, user.id);
      const paths = [
        '/console',
        '/console/apps',
        '/console/apps/new',
        `/console/apps/${client.id}`,
        `/console/apps/${client.id}/rotate-secret`,
        `/console/apps/${client.id}/delete`,
        '/console/api-keys',
        '/console/api-keys/new',
        `/console/api-keys/${key.id}/roll`,
        `/console/api-keys/${key.id}/revoke`,
        '/console/authorized-apps',
        '/console/security',
      ];
      for (const path of paths) {
        const res = await get(path, session);
        expect({ path, status: res.status }).toEqual({ path, status: 200 });
        const csp = res.headers.get('content-security-policy')!;
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).not.toContain('unsafe-inline');
        expect(res.headers.get('x-frame-options')).toBe('DENY');
        expect(res.headers.get('referrer-policy')).toBe('no-referrer');
        expect(res.headers.get('cache-control')).toBe('no-store');
        expect(res.text).not.toMatch(/<script(?![^>]*\ssrc=)/);
        expect(res.text).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
        expect(res.text).toContain('<script src="/assets/console.js" defer></script>');
        // A visible input without a <label for> must sit inside a label (checkboxes, radios).
        const labelled = new Set([...res.text.matchAll(/<label for="([^"]+)"/g)].map((m) => m[1]));
        for (const m of res.text.matchAll(/<(input|textarea|select)\b([^>]*)>/g)) {
          if (/type="hidden"/.test(m[2])) continue;
          const id = /\sid="([^"]+)"/.exec(m[2])?.[1];
          const wrapped =
            res.text.slice(Math.max(0, m.index - 200), m.index).lastIndexOf('<label') >
            res.text.slice(Math.max(0, m.index - 200), m.index).lastIndexOf('</label>');
          expect({ path, input: m[0], labelled: (id !== undefined && labelled.has(id)) || wrapped }).toEqual({
            path,
            input: m[0],
            labelled: true,
          });
        }
      }
    });

    it('serves the copy-button script from its own origin with a script type', async () => {
      const res = await get('/assets/console.js');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
      expect(res.text).toContain('navigator.clipboard');
    });

    it("another developer's app or key, or a malformed id, is a 404 page (never a 500)", async () => {
      const owner = await developer();
      const other = await developer();
      const { client } = await createClient(t.app, { ownerId: owner.user.id });
      const key = await createApiKey(t.app, owner.user.id);
      for (const path of [
        `/console/apps/${client.id}`,
        `/console/apps/${client.id}/delete`,
        `/console/api-keys/${key.id}/revoke`,
        '/console/apps/not-a-uuid',
        '/console/api-keys/1%27%20or%201=1/roll',
      ]) {
        const res = await get(path, other.session);
        expect({ path, status: res.status }).toEqual({ path, status: 404 });
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(res.text).not.toContain(client.clientId);
      }
      const steal = await post(`/console/apps/${client.id}/delete`, other.session, {
        csrf_token: other.session.csrf,
      });
      expect(steal.status).toBe(404);
      expect(await t.app.get(ClientsService).findActive(client.clientId)).not.toBeNull();
    });
  });

  describe('CSRF', () => {
    it('refuses every form without the session’s token (403) and changes nothing', async () => {
      const { user, session } = await developer();
      const intruder = await developer();
      const { client, clientSecret } = await createClient(t.app, { ownerId: user.id });
      const key = await createApiKey(t.app, user.id);
      const thirdParty = await createClient(t.app);
      const grant = await t.app
        .get(AuthorizationsService)
        .approve(user.id, thirdParty.clientId, ['read:user']);
      const forms: [string, Record<string, string | string[]>][] = [
        [
          '/console/apps',
          { name: 'Evil', type: 'public', redirect_uris: 'https://evil.example/cb', scopes: 'read:user' },
        ],
        [
          `/console/apps/${client.id}`,
          { name: 'Renamed', redirect_uris: 'https://evil.example/cb', scopes: 'read:user' },
        ],
        [`/console/apps/${client.id}/rotate-secret`, {}],
        [`/console/apps/${client.id}/delete`, {}],
        ['/console/api-keys', { name: 'Evil', scopes: 'write:projects' }],
        [`/console/api-keys/${key.id}/roll`, {}],
        [`/console/api-keys/${key.id}/revoke`, {}],
        [`/console/authorized-apps/${grant.id}/revoke`, {}],
      ];
      for (const [path, form] of forms) {
        for (const token of [undefined, '', intruder.session.csrf, `${session.csrf}x`]) {
          const res = await post(path, session, token === undefined ? form : { ...form, csrf_token: token });
          expect({ path, token, status: res.status }).toEqual({ path, token, status: 403 });
          expect(res.text).toContain('This form expired or did not come from this site');
        }
      }
      // The X-CSRF-Token header of the JSON API does not stand in for the form field either.
      const header = await http(`${t.url}/console/api-keys`, {
        method: 'POST',
        form: { name: 'Evil', scopes: 'read:user' },
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
      });
      expect(header.status).toBe(403);

      expect(await t.app.get(ClientsService).listOwned(user.id)).toEqual([
        expect.objectContaining({ id: client.id, name: 'Test App' }),
      ]);
      expect(await t.app.get(ClientsService).verifySecret(client.clientId, clientSecret!)).toBe(true);
      const keys = await t.app.get(ApiKeysService).list(user.id);
      expect(keys.map((k) => [k.id, k.expiresAt])).toEqual([[key.id, null]]);
      expect(await t.app.get(AuthorizationsService).isActive(grant.id)).toBe(true);

      // The token the page puts in its forms works.
      const page = await get('/console/api-keys/new', session);
      const ok = await post('/console/api-keys', session, {
        ...hiddenFields(page.text),
        name: 'Legit',
        scopes: 'read:user',
      });
      expect(ok.status).toBe(303);
    });
  });

  describe('forms', () => {
    it('create app: errors next to the fields, values kept, 400 — then 303 to the app with its secret shown once', async () => {
      const { user, session } = await developer();
      const bad = await post('/console/apps', session, {
        csrf_token: session.csrf,
        name: 'My <App>',
        type: 'confidential',
        redirect_uris: 'http://example.com/callback',
        scopes: [],
      });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('value="My &lt;App&gt;"');
      expect(bad.text).toMatch(
        /<fieldset id="scopes" aria-invalid="true"\s+aria-describedby="scopes-hint scopes-error"/,
      );
      expect(bad.text).toContain('id="scopes-error">Choose at least one scope');

      const badUri = await post('/console/apps', session, {
        csrf_token: session.csrf,
        name: 'My app',
        type: 'confidential',
        redirect_uris: 'https://ok.example/cb\nhttp://example.com/callback',
        scopes: ['read:user', 'read:projects'],
      });
      expect(badUri.status).toBe(400);
      expect(badUri.text).toMatch(
        /<p class="error" id="redirect_uris-error">Redirect URIs: http:\/\/example.com\/callback: must use https/,
      );
      expect(badUri.text).toContain('https://ok.example/cb\nhttp://example.com/callback</textarea>');
      expect(badUri.text).toMatch(/value="read:projects"\s+checked/);

      const badType = await post('/console/apps', session, {
        csrf_token: session.csrf,
        name: 'My app',
        type: 'superuser',
        redirect_uris: 'https://ok.example/cb',
        scopes: 'read:user',
      });
      expect(badType.status).toBe(400);
      expect(badType.text).toContain('id="type-error">Choose the kind of app.');
      expect(await t.app.get(ClientsService).listOwned(user.id)).toEqual([]);

      const created = await post('/console/apps', session, {
        csrf_token: session.csrf,
        name: 'My app',
        type: 'public',
        redirect_uris: 'com.example.app:/callback',
        scopes: 'read:user',
      });
      expect(created.status).toBe(303);
      const location = created.headers.get('location')!;
      // A public app has no secret: nothing to flash.
      expect(location).toMatch(/^\/console\/apps\/[0-9a-f-]{36}\?notice=created$/);
      const page = await get(location, session);
      expect(page.text).toContain('Public app: no client secret');
      expect(page.text).not.toContain('Rotate secret');
    });

    it('edit app: saves redirect URIs and scopes (303), shows service errors next to the field', async () => {
      const { user, session } = await developer();
      const { client } = await createClient(t.app, { ownerId: user.id });
      const bad = await post(`/console/apps/${client.id}`, session, {
        csrf_token: session.csrf,
        name: 'x'.repeat(101),
        redirect_uris: 'https://a.example/cb',
        scopes: 'read:user',
      });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('id="name-error">Name must be 1 to 100 characters.');
      const ok = await post(`/console/apps/${client.id}`, session, {
        csrf_token: session.csrf,
        name: 'Renamed',
        redirect_uris: 'https://a.example/cb\r\nhttp://127.0.0.1:8080/cb',
        scopes: ['read:projects', 'write:projects'],
      });
      expect(ok.status).toBe(303);
      expect(ok.headers.get('location')).toBe(`/console/apps/${client.id}?notice=saved`);
      const saved = await t.app.get(ClientsService).getOwned(user.id, client.id);
      expect(saved).toEqual(
        expect.objectContaining({
          name: 'Renamed',
          redirectUris: ['https://a.example/cb', 'http://127.0.0.1:8080/cb'],
          scopes: ['read:projects', 'write:projects'],
        }),
      );
    });

    it('rotate secret: a confirmation step, then the new secret once; the old one stops', async () => {
      const { user, session } = await developer();
      const { client, clientSecret } = await createClient(t.app, { ownerId: user.id });
      const confirm = await get(`/console/apps/${client.id}/rotate-secret`, session);
      expect(confirm.text).toContain('stops working immediately');
      const rotated = await post(`/console/apps/${client.id}/rotate-secret`, session, {
        csrf_token: session.csrf,
      });
      expect(rotated.status).toBe(303);
      const location = rotated.headers.get('location')!;
      expect(location).toMatch(/\?notice=rotated&secret=[A-Za-z0-9_-]{22}$/);
      const first = await get(location, session);
      const secret = /<code class="secret" id="client-secret">([^<]+)<\/code>/.exec(first.text)![1];
      const clients = t.app.get(ClientsService);
      expect(await clients.verifySecret(client.clientId, secret)).toBe(true);
      expect(await clients.verifySecret(client.clientId, clientSecret!)).toBe(false);
      const again = await get(location, session);
      expect(again.text).not.toContain(secret);
      expect(again.text).toContain('was shown once and is no longer available');
    });

    it('delete app: a confirmation step, then gone from the list; its client_id stops working', async () => {
      const { user, session } = await developer();
      const { client } = await createClient(t.app, { ownerId: user.id, name: 'Doomed' });
      expect((await get(`/console/apps/${client.id}/delete`, session)).text).toContain('Delete Doomed?');
      const res = await post(`/console/apps/${client.id}/delete`, session, { csrf_token: session.csrf });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/console/apps?notice=deleted');
      const list = await get(res.headers.get('location')!, session);
      expect(list.text).not.toContain('Doomed');
      expect(list.text).toContain('App deleted.');
      expect(await t.app.get(ClientsService).findActive(client.clientId)).toBeNull();
    });

    it('create key: validates scopes, name and expiry next to the fields', async () => {
      const { user, session } = await developer();
      const bad = await post('/console/api-keys', session, {
        csrf_token: session.csrf,
        name: 'k',
        expires_on: '2001-01-01',
      });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('id="scopes-error">Choose at least one scope');
      expect(bad.text).toContain('id="expires_on-error">Expiry date must be today or later.');
      expect(bad.text).toMatch(/id="expires_on"[^>]*aria-invalid="true"/);
      const longName = await post('/console/api-keys', session, {
        csrf_token: session.csrf,
        name: ' ',
        scopes: 'read:user',
      });
      expect(longName.status).toBe(400);
      expect(longName.text).toContain('id="name-error">Name must be 1 to 100 characters.');
      const unknownScope = await post('/console/api-keys', session, {
        csrf_token: session.csrf,
        name: 'k',
        scopes: 'admin:everything',
      });
      expect(unknownScope.status).toBe(400);
      expect(unknownScope.text).toContain('id="scopes-error">Scopes must each be one of');
      expect(await t.app.get(ApiKeysService).list(user.id)).toEqual([]);

      const tomorrow = new Date(Date.now() + 86400_000).toISOString().slice(0, 10);
      const ok = await post('/console/api-keys', session, {
        csrf_token: session.csrf,
        name: 'Expiring',
        scopes: 'read:user',
        expires_on: tomorrow,
      });
      expect(ok.status).toBe(303);
      const [key] = await t.app.get(ApiKeysService).list(user.id);
      expect(key.expiresAt!.toISOString()).toBe(
        `${new Date(Date.parse(tomorrow) + 86400_000).toISOString()}`,
      );
    });

    it('roll key: says when the old key dies, shows the new key once; both work during the overlap', async () => {
      const { user, session } = await developer();
      const old = await createApiKey(t.app, user.id, { name: 'Deploys' });
      const confirm = await get(`/console/api-keys/${old.id}/roll`, session);
      expect(confirm.text).toMatch(
        /The old key keeps working until\s+<strong>\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/strong>/,
      );
      expect(confirm.text).toContain('in 1 day');
      const res = await post(`/console/api-keys/${old.id}/roll`, session, { csrf_token: session.csrf });
      expect(res.status).toBe(303);
      const page = await get(res.headers.get('location')!, session);
      const fresh = /<code class="secret" id="new-key">([^<]+)<\/code>/.exec(page.text)![1];
      expect(page.text).toContain(`The old key <code>${old.prefix}…</code>`);
      expect(page.text).toContain('keeps working until');
      for (const key of [old.key, fresh]) {
        const call = await http(`${t.url}/v1/user`, { headers: { 'x-api-key': key } });
        expect(call.status).toBe(200);
      }
      expect((await get(res.headers.get('location')!, session)).text).not.toContain(fresh);
    });
  });

  describe('one-time secrets', () => {
    it('are bound to the session that created them, never in a redirect, and gone after one view', async () => {
      const a = await developer();
      const b = await developer();
      const res = await post('/console/api-keys', a.session, {
        csrf_token: a.session.csrf,
        name: 'Mine',
        scopes: 'read:user',
      });
      const location = res.headers.get('location')!;
      expect(location).toMatch(/^\/console\/api-keys\?notice=created&secret=[A-Za-z0-9_-]{22}$/);
      expect(res.text).toBe('');
      // Another browser with the same link sees no key (and does not use up the owner's view).
      const stolen = await get(location, b.session);
      expect(stolen.text).not.toMatch(/id="new-key"/);
      const first = await get(location, a.session);
      const key = /<code class="secret" id="new-key">([^<]+)<\/code>/.exec(first.text)![1];
      expect(key).toMatch(/^iik_test_/);
      for (const path of [location, '/console/api-keys', '/console', '/console/security']) {
        const page = await get(path, a.session);
        expect({ path, leaked: page.text.includes(key) }).toEqual({ path, leaked: false });
      }
    });
  });
});
