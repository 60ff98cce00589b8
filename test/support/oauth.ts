import { createHash, randomBytes } from 'node:crypto';

import { expect } from '@jest/globals';

import { REDIRECT_URI } from '../factories/clients';
import { Browser } from './browser';
import { http, type HttpResult } from './http';

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function authorizeUrl(params: Record<string, string | undefined>, path = '/oauth2/authorize'): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, v);
  return `${path}?${q.toString()}`;
}

/** Signs in on the login page that an authorization request led to, and returns the next response. */
export async function signInOnPage(
  browser: Browser,
  page: HttpResult,
  email: string,
  password: string,
): Promise<HttpResult> {
  expect(page.status).toBe(200);
  expect(page.text).toContain('action="/auth/login"');
  const afterLogin = await browser.submit(page, { email, password });
  expect(afterLogin.status).toBe(303);
  return browser.get(afterLogin.headers.get('location')!);
}

/**
 * Runs the browser half of the code flow (authorize → login → consent → redirect) and returns the
 * redirect's query parameters.
 */
export async function authorizeInBrowser(
  base: string,
  user: { email: string; password: string },
  params: Record<string, string | undefined>,
  options: { browser?: Browser; decision?: 'approve' | 'deny' } = {},
): Promise<URLSearchParams> {
  const browser = options.browser ?? new Browser(base);
  let page = await browser.get(authorizeUrl(params));
  if (page.status === 200 && page.text.includes('action="/auth/login"')) {
    page = await signInOnPage(browser, page, user.email, user.password);
  }
  if (page.status === 200 && page.text.includes('action="/auth/consent"')) {
    page = await browser.submit(page, { decision: options.decision ?? 'approve' });
  }
  expect([302, 303]).toContain(page.status);
  return new URL(page.headers.get('location')!).searchParams;
}

export async function tokenRequest(
  base: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return http(`${base}/oauth2/token`, { method: 'POST', form, headers });
}

/**
 * The whole code flow for a confidential client registered with REDIRECT_URI: the browser half
 * (authorizeInBrowser, approving `scope`), then the code exchanged with HTTP Basic. Returns the token
 * endpoint's response.
 */
export async function codeFlowTokens(
  base: string,
  user: { email: string; password: string },
  client: { clientId: string; clientSecret?: string },
  scope: string,
): Promise<HttpResult> {
  const q = await authorizeInBrowser(base, user, {
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: REDIRECT_URI,
    scope,
  });
  return tokenRequest(
    base,
    { grant_type: 'authorization_code', code: q.get('code')!, redirect_uri: REDIRECT_URI },
    { authorization: basic(client.clientId, client.clientSecret!) },
  );
}

export function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}
