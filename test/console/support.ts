import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';

import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

import { TEST_PASSWORD, uniqueEmail } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';

/** Debian's Chromium (`apt-get install chromium`); never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`console e2e: ${CHROMIUM} is missing, browser journeys skipped`);
export const describeInBrowser = hasChromium ? describe : describe.skip;

/** Journeys click through several pages and sign-ups (argon2): more than the global 60 s on a busy machine. */
export const JOURNEY_TIMEOUT = 120_000;

/**
 * The app for browser journeys. Every journey signs up from 127.0.0.1, which the sign-up limit
 * (10 an hour per IP) would soon refuse, across spec files too when REDIS_URL shares the counters. These
 * specs test the console, not rate limits: sign-up limiting is off and the counters get their own prefix.
 */
export function bootConsoleApp(): Promise<TestApp> {
  return bootApp({
    RATE_LIMIT_SIGNUP_IP: '0',
    RATE_LIMIT_KEY_PREFIX: `iiniit:rl:console-${randomUUID().slice(0, 8)}:`,
  });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A fresh, isolated browser profile: no cookies shared between tests. */
export async function freshPage(
  browser: Browser,
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page; cspViolations: string[] }> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const cspViolations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
  });
  return { context, page, cspViolations };
}

export const ARTIFACTS = join(__dirname, '..', 'artifacts');

export async function saveScreenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

const DOCS_SCREENSHOT = join(__dirname, '..', '..', 'docs', 'console.png');

/**
 * The README's screenshot (docs/console.png, committed): written when missing or when
 * UPDATE_DOCS_SCREENSHOT=1, so an ordinary test run leaves the working tree clean. A copy always goes
 * to test/artifacts/. One viewport (1280x800), no secret on it.
 */
export async function saveDocsScreenshot(page: Page): Promise<void> {
  await saveScreenshot(page, 'docs-console', false);
  if (process.env.UPDATE_DOCS_SCREENSHOT === '1' || !existsSync(DOCS_SCREENSHOT)) {
    mkdirSync(dirname(DOCS_SCREENSHOT), { recursive: true });
    await page.screenshot({ path: DOCS_SCREENSHOT });
  }
}

/**
 * A third-party app's loopback redirect URI (RFC 8252 §7.3: http is allowed on 127.0.0.1): records
 * every callback and answers with a plain page, as a real app would.
 */
export interface CallbackServer {
  /** e.g. http://127.0.0.1:41234/callback */
  redirectUri: string;
  hits: URL[];
  close(): Promise<void>;
}

export async function startCallbackServer(): Promise<CallbackServer> {
  const hits: URL[] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname === '/callback') hits.push(url);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>My app</title><h1>Back in the app</h1>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export interface Developer {
  name: string;
  email: string;
  password: string;
}

/** Signs up through the pages, the way a new developer arrives: /console → login → "Create an account". */
export async function signUpInBrowser(page: Page, base: string, name = 'Ada Developer'): Promise<Developer> {
  const dev = { name, email: uniqueEmail('console'), password: TEST_PASSWORD };
  await page.goto(`${base}/`);
  await page.waitForURL((url) => url.pathname === '/auth/login');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByLabel('Name', { exact: true }).fill(dev.name);
  await page.getByLabel('Email', { exact: true }).fill(dev.email);
  await page.getByLabel('Password', { exact: true }).fill(dev.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${base}/console`);
  return dev;
}

/** The browser's session cookie as a Cookie header, for requests the test makes itself. */
export async function sessionCookie(context: BrowserContext, base: string): Promise<string> {
  const cookie = (await context.cookies(base)).find((c) => c.name === 'iiniit_session');
  if (!cookie) throw new Error('not signed in');
  return `${cookie.name}=${cookie.value}`;
}

export async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).textContent()) ?? '').trim();
}
