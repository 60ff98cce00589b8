import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

import { IdentityProvidersService } from '../../src/auth/idp/identity-providers.service';
import type { TestApp } from '../support/app';
import { freePort } from '../support/app';
import type { Browser } from '../support/browser';
import { eventually } from '../support/eventually';
import { http, type HttpResult } from '../support/http';

export interface UpstreamOp {
  issuer: string;
  /** Who the next upstream interaction signs in (or `deny: true` for access_denied). */
  next(profile: Record<string, unknown>): Promise<void>;
  /** Re-sign the following id_tokens with these claims changed; `{}` stops. */
  tamper(claims: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export interface UpstreamClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
}

/** node-oidc-provider in its own process (test/idp/upstream-op.mjs) on its own port. */
export async function startUpstreamOp(clients: UpstreamClient[]): Promise<UpstreamOp> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [
      join(__dirname, 'upstream-op.mjs'),
      JSON.stringify({
        port,
        clients: clients.map((c) => ({ ...c, token_endpoint_auth_method: 'client_secret_post' })),
      }),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await new Promise<void>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
    child.once('exit', (code) => reject(new Error(`upstream OP exited (${code}): ${err}`)));
  });
  const issuer = `http://127.0.0.1:${port}`;
  const post = async (path: string, body: Record<string, unknown>) => {
    await fetch(`${issuer}${path}`, { method: 'POST', body: JSON.stringify(body) });
  };
  return {
    issuer,
    next: (profile) => post('/_test/next', profile),
    tamper: (claims) => post('/_test/tamper', claims),
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}

export function uniqueSlug(tag: string): string {
  return `${tag}-${randomBytes(4).toString('hex')}`;
}

/** Adds a provider the way idp:create does, and waits until this instance shows its button. */
export async function addProvider(
  t: TestApp,
  input: Parameters<IdentityProvidersService['create']>[0],
): Promise<void> {
  await t.app.get(IdentityProvidersService).create(input);
  await eventually(
    async () => (await http(`${t.url}/auth/login`)).text.includes(`/auth/idp/${input.slug}?`),
    5000,
  );
}

export async function disableProviders(t: TestApp, ...slugs: string[]): Promise<void> {
  for (const slug of slugs) {
    await t.app
      .get(IdentityProvidersService)
      .disable(slug)
      .catch(() => undefined);
  }
}

/** The href of "Continue with …" for `slug` on a page. */
export function continueHref(page: HttpResult, slug: string): string {
  const m = new RegExp(`href="(/auth/idp/${slug}\\?[^"]*)"`).exec(page.text);
  if (!m) throw new Error(`no button for ${slug} on:\n${page.text.slice(0, 1500)}`);
  return m[1].replace(/&amp;/g, '&');
}

/**
 * Follows the redirects from `first` through the upstream provider until the browser is sent to our
 * callback; returns the upstream authorization request's URL and the callback URL (not yet fetched).
 */
export async function throughUpstream(
  browser: Browser,
  first: HttpResult,
  base: string,
): Promise<{ authorizationRequest: URL; callback: URL }> {
  let res = first;
  let authorizationRequest: URL | undefined;
  for (let hop = 0; hop < 10; hop++) {
    const location = res.headers.get('location');
    if (![302, 303].includes(res.status) || !location) {
      throw new Error(`expected a redirect, got ${res.status}: ${res.text.slice(0, 500)}`);
    }
    const url = new URL(location, hop === 0 ? base : authorizationRequest?.origin);
    if (url.origin === base) return { authorizationRequest: authorizationRequest!, callback: url };
    authorizationRequest ??= url;
    res = await browser.get(url.href);
  }
  throw new Error('too many redirects');
}
