import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { DataSource } from 'typeorm';

import { ClientsService } from '../../src/clients/clients.service';
import { createUser } from '../factories/users';
import { bootApp, closeAll, type TestApp } from '../support/app';
import { Browser } from '../support/browser';
import { http } from '../support/http';
import { authorizeUrl, pkcePair, signInOnPage, tokenRequest } from '../support/oauth';

type Handler = (res: import('node:http').ServerResponse) => void;

/**
 * Client ID Metadata Documents over HTTP against PostgreSQL. The test serves the documents itself on
 * 127.0.0.1; the draft requires https, which this server relaxes to http://127.0.0.1 only while
 * CIMD_ALLOW_PRIVATE_HOSTS=true (tests and local development).
 */
describe('Client ID Metadata Documents', () => {
  let t: TestApp;
  let strict: TestApp;
  let docs: Server;
  let base: string;
  const routes = new Map<string, Handler>();
  let fetches = 0;

  beforeAll(async () => {
    docs = createServer((req, res) => {
      fetches++;
      const handler = routes.get(req.url ?? '');
      if (!handler) return res.writeHead(404).end();
      handler(res);
    });
    await new Promise<void>((resolve) => docs.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(docs.address() as AddressInfo).port}`;
    t = await bootApp({ CIMD_ALLOW_PRIVATE_HOSTS: 'true' });
    strict = await bootApp({ CIMD_ALLOW_PRIVATE_HOSTS: 'false' });
  });
  afterAll(async () => {
    await closeAll(t, strict);
    docs.closeAllConnections();
    await new Promise((resolve) => docs.close(resolve));
  });

  let n = 0;
  /** Serves `doc` (a function of its own URL) at a fresh path; returns the client_id. */
  function serve(
    doc: (clientId: string) => unknown,
    headers: Record<string, string> = {},
    delayMs = 0,
  ): string {
    const path = `/clients/${++n}/metadata.json`;
    const clientId = `${base}${path}`;
    routes.set(path, (res) => {
      const send = () =>
        res
          .writeHead(200, { 'content-type': 'application/json', ...headers })
          .end(JSON.stringify(doc(clientId)));
      if (delayMs) setTimeout(send, delayMs);
      else send();
    });
    return clientId;
  }

  const REDIRECT = 'http://127.0.0.1:6274/oauth/callback';
  const good = (clientId: string) => ({
    client_id: clientId,
    client_name: 'Claude-ish Agent',
    redirect_uris: [REDIRECT],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: 'none',
    logo_uri: 'https://agent.example.com/logo.png',
  });

  function authorize(app: TestApp, clientId: string, extra: Record<string, string> = {}) {
    const { verifier, challenge } = pkcePair();
    const browser = new Browser(app.url);
    const url = authorizeUrl({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: REDIRECT,
      scope: 'read:projects',
      state: 'st',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra,
    });
    return { browser, verifier, page: browser.get(url) };
  }

  it('a URL client_id completes the code flow; consent shows the name and redirect host as not verified', async () => {
    const clientId = serve(good);
    const user = await createUser(t.app);
    // A public client gets a refresh token only with offline_access (OIDC Core §11).
    const { browser, verifier, page } = authorize(t, clientId, { scope: 'read:projects offline_access' });
    const login = await page;
    expect(login.status).toBe(200);
    const consent = await signInOnPage(browser, login, user.email, user.password);
    expect(consent.text).toContain('Claude-ish Agent');
    expect(consent.text).toContain('<strong>127.0.0.1:6274</strong>');
    expect(consent.text).toContain('not verified by iiniit');
    expect(consent.text).toContain(clientId);
    const done = await browser.submit(consent, { decision: 'approve' });
    const back = new URL(done.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    const tokens = await tokenRequest(t.url, {
      grant_type: 'authorization_code',
      code: back.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      client_id: clientId,
      code_verifier: verifier,
    });
    expect(tokens.status).toBe(200);
    // A refresh works with the same URL client_id.
    const refreshed = await tokenRequest(t.url, {
      grant_type: 'refresh_token',
      refresh_token: tokens.json.refresh_token,
      client_id: clientId,
    });
    expect(refreshed.status).toBe(200);
  });

  async function refusal(app: TestApp, clientId: string): Promise<string> {
    const res = await authorize(app, clientId).page;
    expect(res.status).toBe(400);
    expect(res.text).toContain('invalid_client');
    return res.text;
  }

  it('refuses a document whose client_id differs from its URL', async () => {
    const clientId = serve((id) => ({ ...good(id), client_id: `${id}?other` }));
    expect(await refusal(t, clientId)).toContain('client_id in the document differs from its URL');
  });

  it('refuses an oversized document (over 5 KB)', async () => {
    const clientId = serve((id) => ({ ...good(id), padding: 'x'.repeat(6000) }));
    expect(await refusal(t, clientId)).toContain('larger than 5120 bytes');
  });

  it('refuses a slow document (3 s timeout)', async () => {
    const clientId = serve(good, {}, 3500);
    const started = Date.now();
    expect(await refusal(t, clientId)).toContain('within 3000 ms');
    expect(Date.now() - started).toBeLessThan(3400);
  });

  it('does not follow redirects', async () => {
    const target = serve(good);
    const path = `/clients/redirecting-${++n}`;
    routes.set(path, (res) => res.writeHead(302, { location: target }).end());
    expect(await refusal(t, `${base}${path}`)).toContain('HTTP 302');
  });

  it('refuses a document with a secret or an unsupported auth method', async () => {
    expect(
      await refusal(
        t,
        serve((id) => ({ ...good(id), client_secret: 's' })),
      ),
    ).toContain('client secret');
    expect(
      await refusal(
        t,
        serve((id) => ({ ...good(id), token_endpoint_auth_method: 'client_secret_basic' })),
      ),
    ).toContain('token_endpoint_auth_method');
    expect(
      await refusal(
        t,
        serve((id) => ({ ...good(id), token_endpoint_auth_method: 'private_key_jwt' })),
      ),
    ).toContain('jwks_uri');
  });

  it('refuses a redirect_uri that is not in the document (page, never a redirect)', async () => {
    const clientId = serve(good);
    const res = await authorize(t, clientId, { redirect_uri: 'http://127.0.0.1:9999/elsewhere' }).page;
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(res.text).toContain('redirect address is not registered');
  });

  it('refuses private, loopback and link-local addresses unless CIMD_ALLOW_PRIVATE_HOSTS=true', async () => {
    const before = fetches;
    for (const clientId of [
      'https://127.0.0.1/clients/metadata.json',
      'https://169.254.169.254/latest/meta-data.json',
      'https://10.0.0.1/client.json',
      'https://[::1]/client.json',
      'https://localhost/client.json',
    ]) {
      const text = await refusal(strict, clientId);
      expect(text).toMatch(/private or reserved/);
    }
    // Plain http is never a metadata document URL there: it is just an unknown client_id.
    const plain = await authorize(strict, serve(good)).page;
    expect(plain.status).toBe(400);
    expect(fetches).toBe(before);
  });

  it('caches per HTTP caching headers, within a floor: a changed document is not refetched at once', async () => {
    let name = 'First name';
    const clientId = serve((id) => ({ ...good(id), client_name: name }), { 'cache-control': 'max-age=0' });
    const user = await createUser(t.app);
    const first = authorize(t, clientId);
    const consent = await signInOnPage(first.browser, await first.page, user.email, user.password);
    expect(consent.text).toContain('First name');
    const count = fetches;
    name = 'Second name';
    const again = await authorize(t, clientId).page;
    expect(again.status).toBe(200);
    expect(fetches).toBe(count);
  });

  it("an operator's disable and delete win over the document", async () => {
    const clientId = serve(good);
    expect((await authorize(t, clientId).page).status).toBe(200);
    const [row] = await t.app
      .get(DataSource)
      .query(`SELECT "id" FROM "oauth_clients" WHERE "metadata_url" = $1`, [clientId]);
    const clients = t.app.get(ClientsService);
    await clients.setDisabled(row.id, true);
    expect(await refusal(t, clientId)).toContain('disabled by an operator');
    await clients.setDisabled(row.id, false);
    await clients.delete(null, row.id);
    expect(await refusal(t, clientId)).toContain('removed by an operator');
  });

  it('advertises client_id_metadata_document_supported', async () => {
    const meta = await http(`${t.url}/.well-known/oauth-authorization-server`);
    expect(meta.json.client_id_metadata_document_supported).toBe(true);
  });
});
