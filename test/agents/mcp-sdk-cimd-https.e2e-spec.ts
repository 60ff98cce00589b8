import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { auth, type OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';

import type { RunningMcpServer } from '../../examples/mcp-server/server';
import { createProject } from '../factories/projects';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { Browser } from '../support/browser';
import { signInOnPage } from '../support/oauth';
import { type RunningServer, startServer } from '../support/server';
import { AGENT_REDIRECT, agentMetadataDocument, callListMyProjects, startSampleMcp } from './support';

const REDIRECT = AGENT_REDIRECT;

/**
 * The SDK's own Client ID Metadata Document path: `clientMetadataUrl` (which the SDK requires to be https)
 * is used as client_id because iiniit's metadata says client_id_metadata_document_supported. The test
 * serves the document over TLS on 127.0.0.1 with a certificate it makes itself; iiniit runs as its own
 * process (src/main.ts) trusting that certificate through Node's NODE_EXTRA_CA_CERTS, the way an
 * operator adds a private CA. CIMD_ALLOW_PRIVATE_HOSTS=true because 127.0.0.1 is a loopback address.
 */
describe('MCP SDK client with clientMetadataUrl (https) against a separately started iiniit', () => {
  let dir: string;
  let t: TestApp;
  let iiniit: RunningServer;
  let mcp: RunningMcpServer;
  let docs: Server;
  let docUrl: string;
  let user: Awaited<ReturnType<typeof createUser>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iiniit-cimd-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    docs = createServer(
      { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) },
      (_req, res) => {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify(agentMetadataDocument(docUrl, 'SDK agent over https')));
      },
    );
    await new Promise<void>((resolve) => docs.listen(0, '127.0.0.1', resolve));
    docUrl = `https://127.0.0.1:${(docs.address() as AddressInfo).port}/agent/client.json`;

    // Rows through an in-process app on the same database; the server under test is its own process.
    t = await bootApp();
    iiniit = await startServer({
      LOG_LEVEL: 'silent',
      NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem'),
      CIMD_ALLOW_PRIVATE_HOSTS: 'true',
    });
    mcp = await startSampleMcp(t.app, iiniit.url);
    user = await createUser(t.app);
    await createProject(t.app, user.id, { name: 'Voyager' });
  }, 90_000);

  afterAll(async () => {
    await mcp?.close();
    await iiniit?.stop();
    await t?.close();
    docs?.closeAllConnections();
    await new Promise((resolve) => docs?.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses the metadata document URL as client_id (no registration) and calls the tool', async () => {
    const store: { info?: OAuthClientInformationMixed; tokens?: OAuthTokens; verifier?: string; url?: URL } =
      {};
    const provider: OAuthClientProvider = {
      redirectUrl: REDIRECT,
      clientMetadataUrl: docUrl,
      clientMetadata: {
        client_name: 'SDK agent over https',
        redirect_uris: [REDIRECT],
        token_endpoint_auth_method: 'none',
      },
      clientInformation: () => store.info,
      saveClientInformation: (info) => void (store.info = info),
      tokens: () => store.tokens,
      saveTokens: (tokens) => void (store.tokens = tokens),
      redirectToAuthorization: (url) => void (store.url = url),
      saveCodeVerifier: (verifier) => void (store.verifier = verifier),
      codeVerifier: () => store.verifier!,
    };
    expect(await auth(provider, { serverUrl: mcp.url })).toBe('REDIRECT');
    expect(store.info?.client_id).toBe(docUrl);
    expect(store.url!.searchParams.get('client_id')).toBe(docUrl);

    const browser = new Browser(iiniit.url);
    const consent = await signInOnPage(
      browser,
      await browser.get(store.url!.toString()),
      user.email,
      user.password,
    );
    expect(consent.text).toContain('SDK agent over https');
    expect(consent.text).toContain('not verified by iiniit');
    const done = await browser.submit(consent, { decision: 'approve' });
    const code = new URL(done.headers.get('location')!).searchParams.get('code')!;
    expect(await auth(provider, { serverUrl: mcp.url, authorizationCode: code })).toBe('AUTHORIZED');

    expect(await callListMyProjects(mcp.url, provider)).toContain('Voyager');
  });
});
