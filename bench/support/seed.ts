import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';

import { Browser, location, type Page } from './browser';

const run = promisify(execFile);

export const REDIRECT_URI = 'http://127.0.0.1:9/cb';
export const USER_SCOPES = 'read:user read:projects write:projects';

export interface SeededClient {
  clientId: string;
  clientSecret: string;
  /** `Authorization` header value for client_secret_basic (RFC 6749 §2.3.1: form-encode, then Base64). */
  basic: string;
}

export interface Seed {
  user: { id: string; email: string; password: string };
  client: SeededClient;
  /** The signed-in browser (session cookie) that approved the client once; consent is remembered. */
  browser: Browser;
  accessToken: string;
  refreshToken: string;
  pkce: { verifier: string; challenge: string };
  /** GET this with the session cookie → 302 straight back with a fresh code. */
  authorizePath: string;
  apiKey?: string;
  projectIds: string[];
}

export function basicAuth(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** Runs the operator CLI (`node dist/src/cli/admin.js ...`) with the app's environment; it prints one JSON line. */
export async function adminCli(
  root: string,
  env: NodeJS.ProcessEnv,
  args: string[],
): Promise<Record<string, unknown>> {
  try {
    const { stdout } = await run(process.execPath, [join(root, 'dist/src/cli/admin.js'), ...args], {
      cwd: root,
      env,
      timeout: 60_000,
    });
    const line = stdout.trim().split('\n').at(-1) ?? '';
    return JSON.parse(line) as Record<string, unknown>;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? String(error);
    // Nest's logger colours its output; keep the first two plain lines.
    const detail = stripVTControlCharacters(stderr).trim().split('\n').slice(0, 2).join(' ');
    throw new Error(`admin ${args[0]} failed: ${detail}`);
  }
}

function expectStatus(page: Page, expected: number[], what: string): void {
  if (!expected.includes(page.status)) {
    throw new Error(
      `${what}: expected HTTP ${expected.join('/')}, got ${page.status}: ${page.text.slice(0, 400)}`,
    );
  }
}

export function authorizationPath(clientId: string, challenge: string): string {
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    scope: USER_SCOPES,
    state: 'bench',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  return `/oauth2/authorize?${query.toString()}`;
}

/** The code from the client's redirect, after checking `state` and `iss` as a real client would (RFC 9207). */
export function codeFromRedirect(redirect: string, issuer: string): string {
  const url = new URL(redirect);
  const params = url.searchParams;
  if (`${url.origin}${url.pathname}` !== REDIRECT_URI) throw new Error(`redirected elsewhere: ${redirect}`);
  if (params.get('error')) throw new Error(`authorization failed: ${redirect}`);
  if (params.get('state') !== 'bench' || params.get('iss') !== issuer) {
    throw new Error(`bad state/iss in ${redirect}`);
  }
  const code = params.get('code');
  if (!code) throw new Error(`no code in ${redirect}`);
  return code;
}

interface TokenResponse {
  access_token: string;
  refresh_token?: string;
  token_type: string;
}

export async function exchangeCode(
  base: string,
  client: SeededClient,
  code: string,
  verifier: string,
): Promise<TokenResponse> {
  const response = await fetch(`${base}/oauth2/token`, {
    method: 'POST',
    headers: { authorization: client.basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
    }).toString(),
  });
  const body = (await response.json()) as TokenResponse;
  if (response.status !== 200 || !body.access_token || !body.refresh_token) {
    throw new Error(`code exchange failed: HTTP ${response.status} ${JSON.stringify(body)}`);
  }
  return body;
}

/** A user and a confidential client through the operator CLI (both in parallel: ~1 s each). */
export async function seedAccounts(
  root: string,
  env: NodeJS.ProcessEnv,
): Promise<{ user: Seed['user']; client: SeededClient }> {
  const email = `bench-${process.pid}@bench.example`;
  const password = randomBytes(18).toString('base64url');
  const [user, client] = await Promise.all([
    adminCli(root, env, [
      'user:create',
      '--email',
      email,
      // `=`: a random password may start with '-', which would read as a flag (node:util parseArgs).
      `--password=${password}`,
      '--name',
      'Bench User',
    ]),
    adminCli(root, env, [
      'client:create',
      '--name',
      'Bench client',
      '--type',
      'confidential',
      '--redirect-uri',
      REDIRECT_URI,
      '--scope',
      USER_SCOPES,
      '--grant-type',
      'authorization_code',
      '--grant-type',
      'refresh_token',
      '--grant-type',
      'client_credentials',
    ]),
  ]);
  const clientId = String(client.client_id);
  const clientSecret = String(client.client_secret);
  return {
    user: { id: String(user.id), email, password },
    client: { clientId, clientSecret, basic: basicAuth(clientId, clientSecret) },
  };
}

/**
 * The code flow as a browser and a client run it: authorize → login page → POST /auth/login (CSRF
 * token + cookie) → back to authorize → consent page → approve → redirect with code → token exchange.
 */
export async function signInAndAuthorize(
  base: string,
  issuer: string,
  accounts: { user: Seed['user']; client: SeededClient },
  /** A browser that is already signed in (the sign-up fallback); else a fresh one signs in. */
  signedIn?: Browser,
): Promise<Omit<Seed, 'apiKey' | 'projectIds'>> {
  const { user, client } = accounts;
  const verifier = randomBytes(32).toString('base64url');
  const pkce = { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
  const authorizePath = authorizationPath(client.clientId, pkce.challenge);
  const browser = signedIn ?? new Browser(base);

  let page = await browser.request(authorizePath);
  if (!signedIn) {
    expectStatus(page, [200], 'authorization request (expected the login page)');
    if (!page.text.includes('action="/auth/login"')) {
      throw new Error('the authorization request showed no login form');
    }
    const afterLogin = await browser.submit(page, { email: user.email, password: user.password });
    expectStatus(afterLogin, [302, 303], 'login');
    page = await browser.request(location(afterLogin));
  }
  if (page.status === 200 && page.text.includes('action="/auth/consent"')) {
    page = await browser.submit(page, { decision: 'approve' });
  }
  expectStatus(page, [302, 303], 'consent');
  const tokens = await exchangeCode(base, client, codeFromRedirect(location(page), issuer), verifier);

  // Consent is now remembered: the next authorization request must come straight back with a code.
  const again = await browser.request(authorizePath);
  expectStatus(again, [302, 303], 'repeat authorization (consent should be remembered)');
  codeFromRedirect(location(again), issuer);

  return {
    user,
    client,
    browser,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token!,
    pkce,
    authorizePath,
  };
}

/** An API key through the developer self-service API (session cookie + X-CSRF-Token), then a few projects with it. */
export async function seedApiKeyAndProjects(
  seed: Omit<Seed, 'apiKey' | 'projectIds'>,
  projects: number,
): Promise<{ apiKey: string; projectIds: string[] }> {
  const { browser } = seed;
  const session = await browser.request('/auth/session');
  expectStatus(session, [200], 'GET /auth/session');
  const csrf = (JSON.parse(session.text) as { csrf_token?: string }).csrf_token;
  if (!csrf) throw new Error('GET /auth/session returned no csrf_token');
  const created = await browser.request('/v1/api-keys', {
    json: { name: 'bench', scopes: ['read:projects', 'write:projects'] },
    headers: { 'x-csrf-token': csrf },
  });
  expectStatus(created, [201], 'POST /v1/api-keys');
  const apiKey = (JSON.parse(created.text) as { key?: string }).key;
  if (!apiKey) throw new Error(`POST /v1/api-keys returned no key: ${created.text}`);

  const projectIds: string[] = [];
  for (let i = 1; i <= projects; i++) {
    const response = await fetch(`${browser.base}/v1/projects`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: `Bench project ${i}`,
        description: `Seeded by the benchmark (${i} of ${projects})`,
      }),
    });
    const body = (await response.json()) as { id?: string };
    if (response.status !== 201 || !body.id) {
      throw new Error(`POST /v1/projects: HTTP ${response.status} ${JSON.stringify(body)}`);
    }
    projectIds.push(body.id);
  }
  return { apiKey, projectIds };
}

/**
 * Fallback when the operator CLI fails (the app is mid-change): the same accounts through the public
 * interfaces, sign-up page then `POST /v1/clients` with the session. The report says which path ran.
 */
export async function seedAccountsOverHttp(
  base: string,
): Promise<{ user: Seed['user']; client: SeededClient; browser: Browser }> {
  const browser = new Browser(base);
  const email = `bench-${process.pid}@bench.example`;
  const password = randomBytes(18).toString('base64url');
  const signup = await browser.request('/auth/signup');
  expectStatus(signup, [200], 'GET /auth/signup');
  const created = await browser.submit(signup, { email, password, name: 'Bench User' });
  expectStatus(created, [302, 303], 'POST /auth/signup');
  const session = await browser.request('/auth/session');
  expectStatus(session, [200], 'GET /auth/session');
  const { user, csrf_token: csrf } = JSON.parse(session.text) as { user: { id: string }; csrf_token: string };
  const registered = await browser.request('/v1/clients', {
    json: {
      name: 'Bench client',
      type: 'confidential',
      redirect_uris: [REDIRECT_URI],
      scopes: USER_SCOPES.split(' '),
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    },
    headers: { 'x-csrf-token': csrf },
  });
  expectStatus(registered, [201], 'POST /v1/clients');
  const body = JSON.parse(registered.text) as { client_id: string; client_secret: string };
  return {
    user: { id: user.id, email, password },
    client: {
      clientId: body.client_id,
      clientSecret: body.client_secret,
      basic: basicAuth(body.client_id, body.client_secret),
    },
    browser,
  };
}
