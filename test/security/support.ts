import { randomUUID } from 'node:crypto';

import { Browser } from '../support/browser';
import type { HttpResult } from '../support/http';

/** A browser that has loaded the login page once (CSRF cookie + token), ready to post many attempts. */
export async function loginForm(base: string): Promise<{
  browser: Browser;
  attempt: (email: string, password: string) => Promise<HttpResult>;
}> {
  const browser = new Browser(base);
  const page = await browser.get('/auth/login');
  const csrf = /name="csrf_token" value="([^"]+)"/.exec(page.text)?.[1];
  if (!csrf) throw new Error('no CSRF token on the login page');
  const cookie = browser.cookieHeader;
  return {
    browser,
    // Each attempt sends the same pre-session cookie, as parallel tabs of one browser would.
    attempt: (email, password) =>
      browser.post('/auth/login', { csrf_token: csrf, return_to: '/console', email, password }, { cookie }),
  };
}

/** Unique per test run, so counters in a shared Redis never collide between tests or runs. */
export function uniqueId(tag: string): string {
  return `${tag}-${randomUUID().slice(0, 12)}`;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The parts of a response a 429 must carry. */
export function rateLimitHeaders(result: HttpResult): Record<string, string | null> {
  return {
    'retry-after': result.headers.get('retry-after'),
    'ratelimit-limit': result.headers.get('ratelimit-limit'),
    'ratelimit-remaining': result.headers.get('ratelimit-remaining'),
    'ratelimit-reset': result.headers.get('ratelimit-reset'),
  };
}
