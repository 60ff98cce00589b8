import { randomUUID } from 'node:crypto';

import { decodeJwt } from 'jose';

import { ResourcesService } from '../../src/resources/resources.service';
import { createClient, REDIRECT_URI } from '../factories/clients';
import { signInAs } from '../factories/sessions';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { Browser } from '../support/browser';
import { runTs } from '../support/cli';
import { http } from '../support/http';
import { basic, tokenRequest } from '../support/oauth';

/** RFC 8707 resource indicators, RFC 9728 challenges and step-up, over HTTP against PostgreSQL. */
describe('resource indicators (RFC 8707) and protected-resource challenges (RFC 9728)', () => {
  let t: TestApp;
  let mcp: string;

  beforeAll(async () => {
    t = await bootApp({ RESOURCE_METADATA_CHALLENGE: 'true' });
    mcp = `https://mcp-${randomUUID().slice(0, 8)}.example.com/mcp`;
    await t.app.get(ResourcesService).create({ uri: mcp, name: 'Projects MCP', scopes: ['read:projects'] });
  });
  afterAll(() => t.close());

  async function codeFor(resource: string[] | undefined, scope: string) {
    const user = await createUser(t.app);
    const client = await createClient(t.app);
    const browser = new Browser(t.url);
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      scope,
    });
    for (const r of resource ?? []) q.append('resource', r);
    let page = await browser.get(`/oauth2/authorize?${q.toString()}`);
    if (page.text.includes('action="/auth/login"')) {
      const after = await browser.submit(page, { email: user.email, password: user.password });
      page = await browser.get(after.headers.get('location')!);
    }
    if (page.text.includes('action="/auth/consent"')) {
      page = await browser.submit(page, { decision: 'approve' });
    }
    const back = new URL(page.headers.get('location')!).searchParams;
    return { user, client, back, auth: basic(client.clientId, client.clientSecret!) };
  }

  it('issues a token whose aud is the requested resource, with scopes limited to it', async () => {
    const { back, auth } = await codeFor([mcp], 'read:projects');
    expect(back.get('code')).toBeTruthy();
    const res = await tokenRequest(
      t.url,
      { grant_type: 'authorization_code', code: back.get('code')!, redirect_uri: REDIRECT_URI },
      { authorization: auth },
    );
    expect(res.status).toBe(200);
    const claims = decodeJwt(res.json.access_token);
    expect(claims.aud).toBe(mcp);
    expect(claims.scope).toBe('read:projects');
    // The product API validates aud strictly: a token for the MCP server is not a token for /v1.
    const api = await http(`${t.url}/v1/projects`, {
      headers: { authorization: `Bearer ${res.json.access_token}` },
    });
    expect(api.status).toBe(401);
    expect(api.json.error).toBe('invalid_token');
  });

  it('keeps the product API as the default audience, and its token is not one for the MCP server', async () => {
    const { back, auth } = await codeFor(undefined, 'read:projects');
    const res = await tokenRequest(
      t.url,
      { grant_type: 'authorization_code', code: back.get('code')!, redirect_uri: REDIRECT_URI },
      { authorization: auth },
    );
    const claims = decodeJwt(res.json.access_token);
    expect(claims.aud).toBe(`${t.url}/v1`);
    expect(claims.aud).not.toBe(mcp);
    const api = await http(`${t.url}/v1/projects`, {
      headers: { authorization: `Bearer ${res.json.access_token}` },
    });
    expect(api.status).toBe(200);
  });

  it('refuses an unknown or malformed resource at authorize with invalid_target (redirected)', async () => {
    for (const resource of ['https://unknown.example.com/api', 'https://x.example.com/a#frag', 'not a uri']) {
      const { back } = await codeFor([resource], 'read:projects');
      expect(back.get('error')).toBe('invalid_target');
      expect(back.get('iss')).toBe(t.url);
    }
  });

  it('refuses scopes the resource does not accept (invalid_scope)', async () => {
    const { back } = await codeFor([mcp], 'read:user');
    expect(back.get('error')).toBe('invalid_scope');
  });

  it('with several resources: the token request names one; a refresh narrows to another, never a new one', async () => {
    const v1 = `${t.url}/v1`;
    const { back, auth } = await codeFor([mcp, v1], 'read:projects read:user');
    const code = back.get('code')!;
    const none = await tokenRequest(
      t.url,
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI },
      { authorization: auth },
    );
    expect(none.status).toBe(400);
    expect(none.json.error).toBe('invalid_target');
    const res = await tokenRequest(
      t.url,
      { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, resource: mcp },
      { authorization: auth },
    );
    expect(res.status).toBe(200);
    expect(decodeJwt(res.json.access_token)).toMatchObject({ aud: mcp, scope: 'read:projects' });

    const toApi = await tokenRequest(
      t.url,
      { grant_type: 'refresh_token', refresh_token: res.json.refresh_token, resource: v1 },
      { authorization: auth },
    );
    expect(toApi.status).toBe(200);
    expect(decodeJwt(toApi.json.access_token)).toMatchObject({ aud: v1, scope: 'read:projects read:user' });

    const elsewhere = await tokenRequest(
      t.url,
      {
        grant_type: 'refresh_token',
        refresh_token: toApi.json.refresh_token,
        resource: 'https://other.example.com/',
      },
      { authorization: auth },
    );
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.json.error).toBe('invalid_target');
  });

  it('client_credentials: resource sets aud; unknown resource is invalid_target', async () => {
    const svc = await createClient(t.app, {
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes: ['read:projects', 'read:user'],
    });
    const auth = { authorization: basic(svc.clientId, svc.clientSecret!) };
    const ok = await tokenRequest(t.url, { grant_type: 'client_credentials', resource: mcp }, auth);
    expect(ok.status).toBe(200);
    expect(decodeJwt(ok.json.access_token)).toMatchObject({ aud: mcp, scope: 'read:projects' });
    const beyond = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials', resource: mcp, scope: 'read:user' },
      auth,
    );
    expect(beyond.json.error).toBe('invalid_scope');
    const bad = await tokenRequest(
      t.url,
      { grant_type: 'client_credentials', resource: 'https://nope.example.com/' },
      auth,
    );
    expect(bad.status).toBe(400);
    expect(bad.json.error).toBe('invalid_target');
  });

  it('401 names the protected-resource metadata; 403 insufficient_scope names the scope to step up to', async () => {
    const anonymous = await http(`${t.url}/v1/projects`);
    expect(anonymous.status).toBe(401);
    const metadataUrl = `${t.url}/.well-known/oauth-protected-resource/v1`;
    expect(anonymous.headers.get('www-authenticate')).toBe(
      `Bearer realm="iiniit", resource_metadata="${metadataUrl}"`,
    );
    const meta = await http(metadataUrl);
    expect(meta.status).toBe(200);
    expect(meta.json).toMatchObject({ resource: `${t.url}/v1`, authorization_servers: [t.url] });

    const { back, auth } = await codeFor(undefined, 'read:user');
    const res = await tokenRequest(
      t.url,
      { grant_type: 'authorization_code', code: back.get('code')!, redirect_uri: REDIRECT_URI },
      { authorization: auth },
    );
    const denied = await http(`${t.url}/v1/projects`, {
      headers: { authorization: `Bearer ${res.json.access_token}` },
    });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ error: 'insufficient_scope', scope: 'read:projects' });
    expect(denied.headers.get('www-authenticate')).toContain('scope="read:projects"');
    expect(denied.headers.get('www-authenticate')).toContain(`resource_metadata="${metadataUrl}"`);
  });

  it('lists resources in the console, read-only, with the built-in API first', async () => {
    const user = await createUser(t.app);
    const session = await signInAs(t.app, user.id);
    const page = await http(`${t.url}/console/resources`, { headers: { cookie: session.cookie } });
    expect(page.status).toBe(200);
    expect(page.text).toContain(`${t.url}/v1`);
    expect(page.text).toContain(mcp);
    expect(page.text.indexOf(`${t.url}/v1`)).toBeLessThan(page.text.indexOf(mcp));
    expect(page.text).not.toContain('<form method="post" action="/console/resources');
  });

  it('advertises agent-ready metadata (RFC 8414)', async () => {
    const meta = await http(`${t.url}/.well-known/oauth-authorization-server`);
    expect(meta.json).toMatchObject({
      pushed_authorization_request_endpoint: `${t.url}/oauth2/par`,
      client_id_metadata_document_supported: true,
      resource_indicators_supported: true,
    });
  });

  it('admin CLI: resource:create registers a resource; bad input is refused', async () => {
    const uri = `https://cli-${randomUUID().slice(0, 8)}.example.com/mcp`;
    const ok = await runTs('src/cli/admin.ts', [
      'resource:create',
      '--uri',
      uri,
      '--scope',
      'read:projects',
      '--name',
      'CLI MCP',
    ]);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ uri, name: 'CLI MCP', scopes: ['read:projects'] });
    expect(await t.app.get(ResourcesService).find(uri)).toMatchObject({ name: 'CLI MCP' });
    const bad = await runTs('src/cli/admin.ts', [
      'resource:create',
      '--uri',
      'https://x.example.com/#f',
      '--scope',
      'read:projects',
    ]);
    expect(bad.code).toBe(1);
    const unknownScope = await runTs('src/cli/admin.ts', [
      'resource:create',
      '--uri',
      `${uri}/2`,
      '--scope',
      'nope',
    ]);
    expect(unknownScope.code).toBe(1);
  });
});
