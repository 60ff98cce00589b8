import SwaggerParser from '@apidevtools/swagger-parser';

import { listNestRoutes, type NestRoute } from '../src/platform/http/api-docs';
import { describeInBrowser, freshPage, launchChromium } from './console/support';
import { createClient } from './factories/clients';
import { bootApp, type TestApp } from './support/app';
import { http } from './support/http';
import { basic, tokenRequest } from './support/oauth';

/**
 * The API reference at /docs/json: a valid OpenAPI document that covers every route the app registers
 * (or hides it on purpose), declares security on every operation, and answers every 4xx/5xx with the
 * one `Error` schema the API really writes.
 */

/**
 * Routes deliberately left out of the reference, with the reason. A new route that is neither documented
 * nor listed here fails the coverage test by name.
 */
const HIDDEN: { pattern: RegExp; reason: string }[] = [
  { pattern: /^\/$/, reason: 'the site root only redirects a browser to the console' },
  { pattern: /^\/console(\/|$)/, reason: 'developer console: HTML pages (@Page)' },
  { pattern: /^\/auth\/(?!session$)/, reason: 'sign-in, sign-up, consent, password and e-mail pages (HTML)' },
  { pattern: /^\/assets\//, reason: 'stylesheet and script of the pages' },
  { pattern: /^\/device$/, reason: 'device verification page (RFC 8628 §3.3), HTML' },
  { pattern: /^\/metrics$/, reason: 'Prometheus scrape endpoint (own port or token), not part of the API' },
];
const HIDDEN_METHODS: { method: string; path: string; reason: string }[] = [
  { method: 'OPTIONS', path: '/oauth2/userinfo', reason: 'CORS preflight, sent by browsers only' },
];

function hiddenReason(route: { method: string; path: string }): string | undefined {
  return (
    HIDDEN_METHODS.find((h) => h.method === route.method && h.path === route.path)?.reason ??
    HIDDEN.find((h) => h.pattern.test(route.path))?.reason
  );
}

/** Browser endpoints whose client/redirect errors are HTML pages (RFC 6749 §4.1.2.1), not JSON. */
const BROWSER_ENDPOINTS = new Set(['/oauth2/authorize', '/oauth2/logout']);

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Operation {
  operationId?: string;
  summary?: string;
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: any }> };
  responses: Record<
    string,
    { description: string; content?: Record<string, { schema?: any; examples?: any }> }
  >;
}

const ERROR_REF = '#/components/schemas/Error';

describe('OpenAPI reference (/docs/json)', () => {
  let t: TestApp;
  let doc: any;
  let routes: NestRoute[];

  const operations = (): [string, string, Operation][] =>
    Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(([path, item]) =>
      HTTP_METHODS.filter((m) => item[m]).map((m): [string, string, Operation] => [path, m, item[m]]),
    );
  const op = (path: string, method: string): Operation => doc.paths[path][method];

  beforeAll(async () => {
    t = await bootApp();
    const res = await http(`${t.url}/docs/json`);
    expect(res.status).toBe(200);
    doc = res.json;
    routes = listNestRoutes(t.app).filter((r) => r.method !== 'HEAD');
  });
  afterAll(() => t?.close());

  it('is a valid OpenAPI 3 document (@apidevtools/swagger-parser)', async () => {
    // validate() dereferences in place: give it a copy.
    await expect(SwaggerParser.validate(structuredClone(doc))).resolves.toBeDefined();
    expect(doc.openapi).toMatch(/^3\./);
  });

  it('enumerates the routes from the running router', () => {
    const fastify = t.app.getHttpAdapter().getInstance();
    expect(routes.length).toBeGreaterThan(50);
    for (const route of routes) {
      const url = route.path.replace(/\{([^}]+)\}/g, ':$1');
      expect({
        route: `${route.method} ${url}`,
        registered: fastify.hasRoute({ method: route.method, url }),
      }).toEqual({ route: `${route.method} ${url}`, registered: true });
    }
  });

  it('documents every registered route, or hides it on purpose (listed above with a reason)', () => {
    const problems: string[] = [];
    for (const route of routes) {
      const documented = doc.paths[route.path]?.[route.method.toLowerCase()] !== undefined;
      const reason = hiddenReason(route);
      const where = `${route.method} ${route.path} (${route.controller.name}.${route.handler})`;
      if (!documented && !reason) {
        problems.push(
          `${where} is not in the API reference: document it (@ApiOperation, @ApiFormBody, @ApiOAuthErrors ` +
            `… from src/platform/http/api-docs.ts), or, for a page, hide it (@Page() or @HiddenFromApiDocs()) ` +
            `and add it to HIDDEN in test/openapi.e2e-spec.ts with the reason`,
        );
      }
      if (documented && reason) {
        problems.push(`${where} is a hidden route (${reason}) but appears in the reference`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('documents no route that does not exist', () => {
    const real = new Set(routes.map((r) => `${r.method.toLowerCase()} ${r.path}`));
    const stale = operations()
      .map(([path, method]) => `${method} ${path}`)
      .filter((key) => !real.has(key));
    expect(stale).toEqual([]);
  });

  it('covers every /oauth2/* and /.well-known/* endpoint with a summary', () => {
    const protocol = routes.filter((r) => /^\/(oauth2|\.well-known)\//.test(r.path) && !hiddenReason(r));
    expect(protocol.length).toBeGreaterThanOrEqual(18);
    for (const route of protocol) {
      expect({
        route: `${route.method} ${route.path}`,
        summary: op(route.path, route.method.toLowerCase()).summary,
      }).toEqual({ route: `${route.method} ${route.path}`, summary: expect.any(String) });
    }
  });

  it('declares security on every operation, with known schemes only', () => {
    const schemes = Object.keys(doc.components.securitySchemes);
    for (const [path, method, operation] of operations()) {
      expect({ op: `${method} ${path}`, security: Array.isArray(operation.security) }).toEqual({
        op: `${method} ${path}`,
        security: true,
      });
      for (const requirement of operation.security!) {
        for (const name of Object.keys(requirement)) expect(schemes).toContain(name);
      }
    }
  });

  it('derives security from what the guard enforces', () => {
    expect(op('/v1/projects', 'get').security).toEqual([
      { bearer: [] },
      { oauth2: ['read:projects'] },
      { api_key: [] },
    ]);
    expect(op('/v1/admin/clients', 'get').security).toEqual([{ bearer: [] }, { oauth2: ['manage:clients'] }]);
    // Session routes: the cookie, plus the CSRF header on unsafe methods.
    expect(op('/v1/api-keys', 'get').security).toEqual([{ session: [] }]);
    expect(op('/v1/api-keys', 'post').security).toEqual([{ session: [], csrf: [] }]);
    expect(op('/auth/session', 'get').security).toEqual([{ session: [] }]);
    expect(op('/oauth2/userinfo', 'get').security).toEqual([{ bearer: [] }, { oauth2: ['openid'] }]);
    // Client authentication: HTTP Basic, or the credentials in the form ({}).
    for (const path of ['/oauth2/token', '/oauth2/introspect', '/oauth2/revoke', '/oauth2/par']) {
      expect(op(path, 'post').security).toEqual([{ client_secret_basic: [] }, {}]);
    }
    expect(op('/oauth2/register/{clientId}', 'get').security).toEqual([{ registration_token: [] }]);
    for (const path of ['/.well-known/jwks.json', '/.well-known/openid-configuration', '/health']) {
      expect(op(path, 'get').security).toEqual([]);
    }
  });

  it('offers the Authorize dialog every way in: bearer, API key, session + CSRF, client Basic, OAuth 2.0', () => {
    const s = doc.components.securitySchemes;
    expect(s.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(s.api_key).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(s.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'iiniit_session' });
    expect(s.csrf).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-CSRF-Token' });
    expect(s.client_secret_basic).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(s.oauth2.type).toBe('oauth2');
    expect(s.oauth2.flows.authorizationCode).toMatchObject({
      authorizationUrl: `${t.url}/oauth2/authorize`,
      tokenUrl: `${t.url}/oauth2/token`,
    });
    expect(s.oauth2.flows.authorizationCode.scopes).toHaveProperty('openid');
    expect(s.oauth2.flows.clientCredentials).toMatchObject({ tokenUrl: `${t.url}/oauth2/token` });
    expect(doc.servers).toEqual([{ url: t.url }]);
  });

  it('runs the Authorize dialog’s code flow with PKCE', async () => {
    const init = await http(`${t.url}/docs/swagger-ui-init.js`);
    expect(init.status).toBe(200);
    expect(init.text).toMatch(/"usePkceWithAuthorizationCodeGrant":\s*true/);
    // Swagger UI's redirect page loads its script from a file, which the docs CSP allows.
    const redirect = await http(`${t.url}/docs/oauth2-redirect.html`);
    expect(redirect.status).toBe(200);
    expect(redirect.text).toContain('<script src="oauth2-redirect.js"></script>');
  });

  it('answers every 4xx and 5xx with the one Error schema (HTML pages only on browser endpoints)', () => {
    expect(doc.components.schemas.Error).toMatchObject({
      type: 'object',
      required: ['error', 'error_description'],
    });
    for (const [path, method, operation] of operations()) {
      const errors = Object.entries(operation.responses).filter(([status]) => /^[45]/.test(status));
      expect({ op: `${method} ${path}`, has500: '500' in operation.responses }).toEqual({
        op: `${method} ${path}`,
        has500: true,
      });
      for (const [status, response] of errors) {
        const types = Object.keys(response.content ?? {});
        const json = response.content?.['application/json']?.schema?.$ref;
        const label = `${method} ${path} ${status}`;
        const allowed = BROWSER_ENDPOINTS.has(path)
          ? ['application/json', 'text/html']
          : ['application/json'];
        expect({
          label,
          types: types.filter((type) => !allowed.includes(type)),
          json: types.length > 0,
        }).toEqual({
          label,
          types: [],
          json: true,
        });
        if (types.includes('application/json')) expect({ label, json }).toEqual({ label, json: ERROR_REF });
      }
    }
  });

  it('documents the OAuth endpoints’ form parameters and RFC error codes', () => {
    const form = (path: string, method = 'post') =>
      op(path, method).requestBody?.content['application/x-www-form-urlencoded']?.schema;
    const examples = (path: string, status: string) =>
      Object.keys(op(path, 'post').responses[status]?.content?.['application/json']?.examples ?? {});

    expect(Object.keys(form('/oauth2/token').properties)).toEqual(
      expect.arrayContaining([
        'grant_type',
        'code',
        'redirect_uri',
        'code_verifier',
        'refresh_token',
        'scope',
        'resource',
        'client_id',
        'client_secret',
      ]),
    );
    expect(form('/oauth2/token').required).toEqual(['grant_type']);
    expect(form('/oauth2/token').properties.grant_type.enum).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token', 'client_credentials']),
    );
    expect(examples('/oauth2/token', '400')).toEqual(
      expect.arrayContaining([
        'invalid_request',
        'invalid_grant',
        'unauthorized_client',
        'unsupported_grant_type',
        'invalid_scope',
      ]),
    );
    expect(examples('/oauth2/token', '401')).toEqual(['invalid_client']);
    expect(examples('/oauth2/token', '429')).toEqual(['too_many_requests']);

    expect(form('/oauth2/introspect').required).toEqual(['token']);
    expect(Object.keys(form('/oauth2/introspect').properties)).toEqual(
      expect.arrayContaining(['token', 'token_type_hint', 'client_id', 'client_secret']),
    );
    expect(form('/oauth2/revoke').required).toEqual(['token']);
    expect(Object.keys(form('/oauth2/par').properties)).toEqual(
      expect.arrayContaining(['response_type', 'redirect_uri', 'code_challenge', 'scope', 'client_id']),
    );
    expect(Object.keys(form('/oauth2/authorize').properties)).toEqual(
      expect.arrayContaining(['response_type', 'client_id', 'redirect_uri', 'code_challenge', 'state']),
    );
    const query = op('/oauth2/authorize', 'get') as Operation & {
      parameters: { name: string; in: string }[];
    };
    expect(query.parameters.filter((p) => p.in === 'query').map((p) => p.name)).toEqual(
      expect.arrayContaining([
        'response_type',
        'client_id',
        'redirect_uri',
        'scope',
        'state',
        'code_challenge',
      ]),
    );
    expect(Object.keys(form('/oauth2/logout').properties)).toEqual(
      expect.arrayContaining(['id_token_hint', 'post_logout_redirect_uri', 'state']),
    );
    // RFC 7591 registration is JSON, not a form.
    expect(op('/oauth2/register', 'post').requestBody?.content).toHaveProperty(['application/json']);
  });

  describe('matches what the server really answers ("Try it out")', () => {
    const errorProperties = () => Object.keys(doc.components.schemas.Error.properties);

    function expectErrorShape(body: Record<string, unknown>) {
      expect(body).toEqual(
        expect.objectContaining({ error: expect.any(String), error_description: expect.any(String) }),
      );
      expect(errorProperties()).toEqual(expect.arrayContaining(Object.keys(body)));
    }

    it('a documented token request works and its error bodies fit the Error schema', async () => {
      const { clientId, clientSecret } = await createClient(t.app, {
        grantTypes: ['client_credentials'],
        redirectUris: [],
        scopes: ['read:projects'],
      });
      // As Swagger UI sends it: the documented form fields, client_secret_basic.
      const granted = await tokenRequest(
        t.url,
        { grant_type: 'client_credentials', scope: 'read:projects' },
        { authorization: basic(clientId, clientSecret!) },
      );
      expect(granted.status).toBe(200);
      expect(
        Object.keys(
          op('/oauth2/token', 'post').responses['200'].content!['application/json'].schema.properties,
        ),
      ).toEqual(expect.arrayContaining(Object.keys(granted.json)));
      const projects = await http(`${t.url}/v1/projects`, {
        headers: { authorization: `Bearer ${granted.json.access_token}` },
      });
      expect(projects.status).toBe(200);

      const missing = await tokenRequest(t.url, {}, { authorization: basic(clientId, clientSecret!) });
      expect(missing.status).toBe(400);
      expectErrorShape(missing.json);
      const badClient = await tokenRequest(
        t.url,
        { grant_type: 'client_credentials' },
        {
          authorization: basic(clientId, 'wrong'),
        },
      );
      expect(badClient.status).toBe(401);
      expect(badClient.json.error).toBe('invalid_client');
      expectErrorShape(badClient.json);

      // insufficient_scope carries `scope`; validation failures carry `fields`.
      const write = await http(`${t.url}/v1/projects`, {
        method: 'POST',
        body: { name: 'x' },
        headers: { authorization: `Bearer ${granted.json.access_token}` },
      });
      expect(write.status).toBe(403);
      expect(write.json.scope).toBe('write:projects');
      expectErrorShape(write.json);
    });

    it('an invalid JSON API request answers the documented Error shape with fields', async () => {
      const { clientId, clientSecret } = await createClient(t.app, {
        grantTypes: ['client_credentials'],
        redirectUris: [],
        scopes: ['write:projects'],
      });
      const token = (
        await tokenRequest(
          t.url,
          { grant_type: 'client_credentials' },
          { authorization: basic(clientId, clientSecret!) },
        )
      ).json.access_token;
      const invalid = await http(`${t.url}/v1/projects`, {
        method: 'POST',
        body: { name: 42 },
        headers: { authorization: `Bearer ${token}` },
      });
      expect(invalid.status).toBe(400);
      expect(invalid.json.fields).toEqual(
        expect.arrayContaining([expect.objectContaining({ field: 'name' })]),
      );
      expectErrorShape(invalid.json);
    });
  });
  describeInBrowser('Swagger UI in Chromium', () => {
    it('gets a token through the Authorize dialog (client credentials) and tries GET /v1/projects with it', async () => {
      const { clientId, clientSecret } = await createClient(t.app, {
        grantTypes: ['client_credentials'],
        redirectUris: [],
        scopes: ['read:projects'],
      });
      const browser = await launchChromium();
      try {
        const { page, cspViolations } = await freshPage(browser);
        await page.goto(`${t.url}/docs`);
        await page.locator('.btn.authorize').first().click();
        await page.locator('#client_id_clientCredentials').fill(clientId);
        await page.locator('#client_secret_clientCredentials').fill(clientSecret!);
        await page.locator('label[for="read:projects-clientCredentials-checkbox-oauth2"]').click();
        await page.getByRole('button', { name: 'Apply given OAuth2 credentials' }).nth(1).click();
        // Swagger UI fetched the token from /oauth2/token (CSP connect-src 'self') and shows it as held.
        await page.locator('.modal-ux').getByText('Authorized', { exact: true }).first().waitFor();
        await page.locator('.modal-ux .close-modal').click();

        const operation = page.locator('#operations-projects-ProjectsController_list');
        await operation.locator('.opblock-summary').click();
        await operation.locator('.try-out__btn').click();
        await operation.locator('.execute').click();
        const status = operation.locator('.live-responses-table tr.response .response-col_status').first();
        await status.waitFor();
        expect((await status.innerText()).trim()).toBe('200');
        expect(cspViolations).toEqual([]);
      } finally {
        await browser.close();
      }
    }, 60_000);
  });
});
