import { randomUUID } from 'node:crypto';

import { ClientsService } from '../../src/clients/clients.service';
import { SessionsService } from '../../src/sessions/sessions.service';
import { SignInHistory } from '../../src/sessions/sign-in-history.service';
import { createClient } from '../factories/clients';
import { type SignedIn, signInAs } from '../factories/sessions';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { http, type HttpResult } from '../support/http';

/** `@Page()` routes: the global guard authenticates them, their own filter answers as a browser expects. */
describe('console pages through the request pipeline', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.close());

  async function developer() {
    const user = await createUser(t.app);
    return { user, session: await signInAs(t.app, user.id) };
  }

  function get(path: string, s?: SignedIn): Promise<HttpResult> {
    return http(`${t.url}${path}`, { headers: s ? { cookie: s.cookie } : {} });
  }

  function post(path: string, s: SignedIn | undefined, form: Record<string, string>, headers = {}) {
    return http(`${t.url}${path}`, {
      method: 'POST',
      form,
      headers: { ...(s ? { cookie: s.cookie } : {}), ...headers },
    });
  }

  function returnTo(res: HttpResult): string | null {
    expect(res.status).toBe(303);
    expect(res.headers.get('cache-control')).toBe('no-store');
    return new URL(res.headers.get('location')!, t.url).searchParams.get('return_to');
  }

  it('signed out, a form post returns after sign-in to the page that shows the form', async () => {
    const id = randomUUID();
    expect(returnTo(await post(`/console/authorized-apps/${id}/revoke`, undefined, {}))).toBe(
      '/console/authorized-apps',
    );
    expect(returnTo(await post('/console/apps', undefined, {}))).toBe('/console/apps/new');
    expect(returnTo(await post(`/console/apps/${id}`, undefined, {}))).toBe(`/console/apps/${id}`);
    expect(returnTo(await post(`/console/apps/${id}/delete`, undefined, {}))).toBe(
      `/console/apps/${id}/delete`,
    );
    // A GET returns to its own URL, query included; the redirect carries no credential challenge.
    const list = await get('/console/apps?notice=saved');
    expect(returnTo(list)).toBe('/console/apps?notice=saved');
    expect(list.headers.get('www-authenticate')).toBeNull();
    expect(list.text).toBe('');
  });

  it('the JSON API next to the pages keeps its JSON errors', async () => {
    const signedOut = await http(`${t.url}/v1/clients`);
    expect(signedOut.status).toBe(401);
    expect(signedOut.headers.get('content-type')).toMatch(/^application\/json/);
    expect(typeof signedOut.json.error).toBe('string');
    const { session } = await developer();
    const bad = await http(`${t.url}/v1/clients/not-a-uuid`, { headers: session.headers });
    expect(bad.status).toBe(400);
    expect(bad.json).toEqual({
      error: 'invalid_request',
      error_description: 'invalid fields: id',
      fields: [{ field: 'id', messages: ['must be a UUID'] }],
    });
  });

  it('a failed CSRF check is the "please try again" page, with the page headers and a way back', async () => {
    const { user, session } = await developer();
    const { client } = await createClient(t.app, { ownerId: user.id });
    const res = await post(`/console/apps/${client.id}/delete`, session, { csrf_token: 'forged' });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.text).toContain('<h1>Please try again</h1>');
    expect(res.text).toContain('<a href="/console">Back to the console</a>');
    // The header may come along, but only as the form's own token.
    const mismatch = await post(
      `/console/apps/${client.id}/delete`,
      session,
      { csrf_token: 'forged' },
      { 'x-csrf-token': session.csrf },
    );
    expect(mismatch.status).toBe(403);
    expect(await t.app.get(ClientsService).findActive(client.clientId)).not.toBeNull();
    const both = await post(
      `/console/apps/${client.id}/delete`,
      session,
      { csrf_token: session.csrf },
      { 'x-csrf-token': session.csrf },
    );
    expect(both.status).toBe(303);
  });

  it('an id that is a UUID but not a generated one is a 404 page like any unknown id', async () => {
    const { session } = await developer();
    const res = await get('/console/apps/6ba7b810-9dad-11d1-80b4-00c04fd430c8', session);
    expect(res.status).toBe(404);
    expect(res.text).toContain('This app does not exist, or it is not yours.');
  });

  it('an unexpected failure is a page that says nothing internal', async () => {
    const { session } = await developer();
    const clients = t.app.get(ClientsService);
    const spy = jest.spyOn(clients, 'listOwned').mockRejectedValueOnce(new Error('pg: relation "x" secret'));
    try {
      const res = await get('/console/apps', session);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.text).toContain('Something went wrong');
      expect(res.text).not.toContain('secret');
      expect(res.text).not.toContain('relation');
    } finally {
      spy.mockRestore();
    }
  });

  it('sign-in history comes from the sessions module: live sessions only, this browser marked', async () => {
    const user = await createUser(t.app);
    const sessions = t.app.get(SessionsService);
    const first = await sessions.create(user.id, {
      ip: '198.51.100.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0',
    });
    const second = await sessions.create(user.id, { ip: '203.0.113.9' });
    const other = await createUser(t.app);
    await sessions.create(other.id, { ip: '192.0.2.1' });

    const history = await t.app.get(SignInHistory).recent(user.id, second.idHash);
    expect(history.map((h) => [h.ip, h.current])).toEqual([
      ['203.0.113.9', true],
      ['198.51.100.7', false],
    ]);

    const cookie = `${sessions.cookieName}=${first.token}`;
    const page = await http(`${t.url}/console/security`, { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('198.51.100.7');
    expect(page.text).toContain('203.0.113.9');
    expect(page.text).not.toContain('192.0.2.1');
    expect(page.text.match(/this browser/g)).toHaveLength(1);
  });
});

describe('console pages: other errors are pages too', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await bootApp({
      RATE_LIMIT_API: '2/1m',
      RATE_LIMIT_KEY_PREFIX: `iiniit:rl:pages-${randomUUID().slice(0, 8)}:`,
    });
  });
  afterAll(() => t.close());

  it('a rate limit on the console is a 429 page that keeps Retry-After', async () => {
    const user = await createUser(t.app);
    const session = await signInAs(t.app, user.id);
    const statuses: number[] = [];
    let last: HttpResult | undefined;
    for (let i = 0; i < 3; i++) {
      last = await http(`${t.url}/console`, { headers: { cookie: session.cookie } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(last!.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(last!.headers.get('content-type')).toMatch(/^text\/html/);
    expect(last!.text).toContain('<h1>Too many requests</h1>');
  });
});
