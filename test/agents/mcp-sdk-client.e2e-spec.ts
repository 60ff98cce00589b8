import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { decodeJwt } from 'jose';

import type { RunningMcpServer } from '../../examples/mcp-server/server';
import { createClient } from '../factories/clients';
import { createProject } from '../factories/projects';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { Browser } from '../support/browser';
import { http } from '../support/http';
import { signInOnPage } from '../support/oauth';
import { AGENT_REDIRECT, agentMetadataDocument, callListMyProjects, startSampleMcp } from './support';

const REDIRECT = AGENT_REDIRECT;

/**
 * An OAuthClientProvider as an MCP host implements it, keeping everything in memory. Its "browser" is
 * the test: redirectToAuthorization remembers the URL, and the test signs in and consents over HTTP.
 */
class TestProvider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = '';
  authorizationUrl?: URL;

  constructor(private readonly metadataClientId?: string) {
    // A Client ID Metadata Document: the URL is the client's identity, nothing is registered.
    if (metadataClientId) this.info = { client_id: metadataClientId };
  }

  get redirectUrl(): string {
    return REDIRECT;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'SDK test agent',
      redirect_uris: [REDIRECT],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

/**
 * The official MCP TypeScript SDK client reaches the sample MCP server through iiniit: discovery from the
 * server's 401 (RFC 9728), authorization server metadata (RFC 8414), a Client ID Metadata Document in one
 * run and dynamic registration (RFC 7591) in the other, code + PKCE with `resource` (RFC 8707), and a tool
 * call that reaches the iiniit API through token exchange.
 */
describe('MCP SDK client → sample MCP server → iiniit', () => {
  let t: TestApp;
  let mcp: RunningMcpServer;
  let docs: Server;
  let docUrl: string;
  let user: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    t = await bootApp({
      DCR_MODE: 'open',
      CIMD_ALLOW_PRIVATE_HOSTS: 'true',
      RESOURCE_METADATA_CHALLENGE: 'true',
    });
    mcp = await startSampleMcp(t.app, t.url);
    user = await createUser(t.app);
    await createProject(t.app, user.id, { name: 'Apollo' });
    await createProject(t.app, user.id, { name: 'Gemini' });

    // The agent's Client ID Metadata Document, served by the test on 127.0.0.1.
    docs = createServer((req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=3600' })
        .end(JSON.stringify(agentMetadataDocument(docUrl, 'SDK test agent (CIMD)')));
    });
    await new Promise<void>((resolve) => docs.listen(0, '127.0.0.1', resolve));
    docUrl = `http://127.0.0.1:${(docs.address() as AddressInfo).port}/agent/client-metadata.json`;
  });
  afterAll(async () => {
    await mcp?.close();
    docs?.closeAllConnections();
    await new Promise((resolve) => docs?.close(resolve));
    await t?.close();
  });

  /** What the user does in the browser: sign in, approve; returns the code from the redirect. */
  async function loginAndConsent(url: URL): Promise<{ code: string; consentText: string }> {
    const browser = new Browser(t.url);
    const login = await browser.get(url.toString());
    const consent = await signInOnPage(browser, login, user.email, user.password);
    expect(consent.text).toContain('action="/auth/consent"');
    const done = await browser.submit(consent, { decision: 'approve' });
    const back = new URL(done.headers.get('location')!);
    expect(back.origin + back.pathname).toBe(REDIRECT);
    expect(back.searchParams.get('iss')).toBe(t.url);
    return { code: back.searchParams.get('code')!, consentText: consent.text };
  }

  async function listProjects(provider: TestProvider): Promise<string> {
    return callListMyProjects(mcp.url, provider);
  }

  it('with a Client ID Metadata Document: the 401 leads the SDK to iiniit, login + consent, then the tool call', async () => {
    const provider = new TestProvider(docUrl);
    const client = new Client({ name: 'iiniit-e2e', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider });
    // The first request has no token: the server's 401 names its resource metadata, the SDK discovers
    // iiniit, and sends the user to the authorization endpoint.
    await expect(client.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    const authorizationUrl = provider.authorizationUrl!;
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${t.url}/oauth2/authorize`);
    expect(authorizationUrl.searchParams.get('client_id')).toBe(docUrl);
    expect(authorizationUrl.searchParams.get('resource')).toBe(mcp.url);
    expect(authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');

    const { code, consentText } = await loginAndConsent(authorizationUrl);
    expect(consentText).toContain('SDK test agent (CIMD)');
    expect(consentText).toContain('not verified by iiniit');
    await transport.finishAuth(code);
    expect(decodeJwt(provider.saved!.access_token)).toMatchObject({ aud: mcp.url, scope: 'read:projects' });

    const text = await listProjects(provider);
    expect(text).toContain('Apollo');
    expect(text).toContain('Gemini');
  });

  it('with dynamic registration (RFC 7591): auth() registers, authorizes and gets the token', async () => {
    const provider = new TestProvider();
    expect(await auth(provider, { serverUrl: mcp.url })).toBe('REDIRECT');
    expect(provider.info?.client_id).toMatch(/^iic_/);
    expect(provider.authorizationUrl!.searchParams.get('resource')).toBe(mcp.url);
    const { code, consentText } = await loginAndConsent(provider.authorizationUrl!);
    expect(consentText).toContain('It registered itself');
    expect(await auth(provider, { serverUrl: mcp.url, authorizationCode: code })).toBe('AUTHORIZED');
    const text = await listProjects(provider);
    expect(text).toContain('Apollo');
  });

  it('the MCP server refuses a token for the iiniit API, and the API refuses a token for the MCP server', async () => {
    const provider = new TestProvider(docUrl);
    // The agent asks for offline_access beside the resource's scopes: a public client's refresh token needs it.
    await auth(provider, { serverUrl: mcp.url, scope: 'read:projects offline_access' });
    const { code } = await loginAndConsent(provider.authorizationUrl!);
    await auth(provider, { serverUrl: mcp.url, authorizationCode: code });
    const mcpToken = provider.saved!.access_token;
    const api = await http(`${t.url}/v1/projects`, { headers: { authorization: `Bearer ${mcpToken}` } });
    expect(api.status).toBe(401);

    // A /v1 token for the same user and client, through the refresh token narrowed... to a resource that
    // was not granted: refused. A v1 token from another flow is refused by the MCP server.
    const narrowed = await http(`${t.url}/oauth2/token`, {
      method: 'POST',
      form: {
        grant_type: 'refresh_token',
        refresh_token: provider.saved!.refresh_token!,
        client_id: docUrl,
        resource: `${t.url}/v1`,
      },
    });
    expect(narrowed.json.error).toBe('invalid_target');
    const service = await createClient(t.app, {
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes: ['read:projects'],
    });
    const v1 = await http(`${t.url}/oauth2/token`, {
      method: 'POST',
      form: {
        grant_type: 'client_credentials',
        client_id: service.clientId,
        client_secret: service.clientSecret!,
      },
    });
    const refused = await http(mcp.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${v1.json.access_token}`,
        accept: 'application/json, text/event-stream',
      },
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('resource_metadata=');
  });
});
