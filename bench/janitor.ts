/**
 * `node -r ts-node/register/transpile-only bench/janitor.ts`: rows per table after N token requests,
 * with the data-lifecycle janitor off and on. For each mode: a throwaway database, the production build,
 * a user and a client seeded as `npm run bench` does, then BENCH_JANITOR_REFRESHES refresh-token
 * rotations (one chain, sequential: each rotation leaves one more used token) and
 * BENCH_JANITOR_CLIENT_CREDENTIALS client_credentials requests (16 at a time), then the row counts.
 * "On" runs the janitor every 2 s with REFRESH_TOKEN_RETENTION=0, i.e. what a deployment converges to
 * once its retention periods have passed; audit events keep their 400-day retention in both modes.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'pg';

import { ensureBuilt } from './support/build';
import { BenchDatabase } from './support/database';
import { stopAllChildren, stopChild } from './support/processes';
import { seedAccounts, signInAndAuthorize } from './support/seed';
import { startApp } from './support/servers';
import { ROOT, type Settings } from './support/settings';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
const REFRESHES = Number(process.env.BENCH_JANITOR_REFRESHES ?? 10_000);
const CLIENT_CREDENTIALS = Number(process.env.BENCH_JANITOR_CLIENT_CREDENTIALS ?? 10_000);
const TABLES = ['refresh_tokens', 'authorization_codes', 'revoked_tokens', 'sessions', 'audit_events'];

async function post(url: string, form: Record<string, string>, authorization: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  const body = (await res.json()) as Record<string, string>;
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

async function measure(janitor: boolean): Promise<Record<string, number>> {
  const db = new BenchDatabase(ADMIN_URL, `janitor_${janitor ? 'on' : 'off'}_${process.pid}`);
  await db.create();
  try {
    Object.assign(process.env, {
      JANITOR_ENABLED: String(janitor),
      JANITOR_INTERVAL: '2',
      REFRESH_TOKEN_RETENTION: '0',
    });
    const settings = { keepRateLimits: false, profile: false } as Settings;
    const app = await startApp(settings, db, randomBytes(30).toString('base64url'), 1);
    try {
      const accounts = await seedAccounts(ROOT, app.env);
      const seed = await signInAndAuthorize(app.base, app.base, accounts);
      const token = `${app.base}/oauth2/token`;
      let refreshToken = seed.refreshToken;
      for (let i = 0; i < REFRESHES; i++) {
        refreshToken = (
          await post(token, { grant_type: 'refresh_token', refresh_token: refreshToken }, seed.client.basic)
        ).refresh_token;
      }
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next++ < CLIENT_CREDENTIALS) {
            await post(token, { grant_type: 'client_credentials' }, seed.client.basic);
          }
        }),
      );
      // One more janitor interval, so the last requests' rows are seen by a run too.
      if (janitor) await sleep(5000);
      const client = new Client({ connectionString: db.url });
      await client.connect();
      try {
        const counts: Record<string, number> = {};
        for (const table of TABLES) {
          const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM "${table}"`);
          counts[table] = Number(rows[0].n);
        }
        return counts;
      } finally {
        await client.end();
      }
    } finally {
      await stopChild(app.child);
    }
  } finally {
    await db.drop();
  }
}

async function main(): Promise<void> {
  ensureBuilt(ROOT, (line) => console.error(line));
  const off = await measure(false);
  const on = await measure(true);
  console.log(
    `rows after ${REFRESHES} refresh + ${CLIENT_CREDENTIALS} client_credentials requests (janitor off → on):`,
  );
  console.log('| table | janitor off | janitor on |\n| --- | ---: | ---: |');
  for (const table of TABLES) console.log(`| ${table} | ${off[table]} | ${on[table]} |`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => void stopAllChildren());
