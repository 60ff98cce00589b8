import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AuditService } from '../../src/audit/audit.service';
import { AuditEvent } from '../../src/audit/audit-event.entity';
import { loadConfig } from '../../src/config/app-config';
import { createDataSource } from '../../src/database/data-source';
import { createClient } from '../factories/clients';
import { bootApp, type TestApp } from '../support/app';
import { startServer } from '../support/server';

/**
 * A PostgreSQL of its own (a second cluster on port 5491, trust auth for 127.0.0.1) that the test stops
 * and starts, never the machine's shared one.
 */
const CLUSTER = 'iiniit_outage';
const PORT = 5491;
const canCluster = existsSync('/usr/bin/pg_createcluster') && process.getuid?.() === 0;
const describeCluster = canCluster ? describe : describe.skip;

function sh(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: 'pipe' });
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('condition not met in time');
}

describeCluster('PostgreSQL outage (needs root and pg_createcluster: a second cluster)', () => {
  let t: TestApp | undefined;
  const url = `postgresql://postgres@127.0.0.1:${PORT}/postgres`;

  beforeAll(async () => {
    try {
      sh('pg_dropcluster', ['--stop', '15', CLUSTER]);
    } catch {
      // not there: fine
    }
    sh('pg_createcluster', ['15', CLUSTER, '--port', String(PORT)]);
    writeFileSync(
      `/etc/postgresql/15/${CLUSTER}/pg_hba.conf`,
      'local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n',
    );
    sh('pg_ctlcluster', ['15', CLUSTER, 'start']);
    const ds = await createDataSource(
      loadConfig({ ...process.env, NODE_ENV: 'test', DATABASE_URL: url, DB_MIGRATIONS_RUN: 'true' }),
    );
    await ds.destroy();
    t = await bootApp({ DATABASE_URL: url });
  }, 120_000);

  afterAll(async () => {
    await t?.close().catch(() => undefined);
    try {
      sh('pg_dropcluster', ['--stop', '15', CLUSTER]);
    } catch {
      // already gone
    }
  }, 60_000);

  const tokenRequest = () =>
    fetch(`${t!.url}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: randomUUID(),
        client_secret: 'not-a-secret',
      }).toString(),
    });

  it('answers 503 temporarily_unavailable quickly while down, stays up, and recovers by itself', async () => {
    expect((await fetch(`${t!.url}/health/ready`)).status).toBe(200);
    expect((await tokenRequest()).status).toBe(401);

    sh('pg_ctlcluster', ['15', CLUSTER, 'stop', '-m', 'fast']);
    const started = Date.now();
    const down = await tokenRequest();
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ error: 'temporarily_unavailable' });
    expect(down.headers.get('retry-after')).toBeTruthy();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await fetch(`${t!.url}/health/ready`)).status).toBe(503);
    expect((await fetch(`${t!.url}/health`)).status).toBe(200);

    sh('pg_ctlcluster', ['15', CLUSTER, 'start']);
    await waitFor(async () => (await tokenRequest()).status === 401, 15_000);
    expect((await fetch(`${t!.url}/health/ready`)).status).toBe(200);
  }, 60_000);

  it('spools audit events to disk while down: a crash during the outage loses none of them', async () => {
    const spoolDir = mkdtempSync(join(tmpdir(), 'iiniit-spool-'));
    const { clientId, clientSecret } = await createClient(t!.app, {
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes: ['read:projects'],
    });
    const env = { DATABASE_URL: url, AUDIT_SPOOL_DIR: spoolDir, LOG_LEVEL: 'silent' };
    const first = await startServer(env);
    const issued = () =>
      fetch(`${first.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId,
          client_secret: clientSecret!,
        }).toString(),
      });
    const events = () =>
      t!.app
        .get(AuditService)
        ['dataSource'].getRepository(AuditEvent)
        .countBy({ type: 'token.issued', clientId });
    try {
      // Warm: the client and signing key are cached, so tokens can be issued while the database is down.
      expect((await issued()).status).toBe(200);
      await waitFor(async () => (await events()) === 1, 10_000);

      sh('pg_ctlcluster', ['15', CLUSTER, 'stop', '-m', 'fast']);
      let answered = 0;
      for (let i = 0; i < 12; i++) if ((await issued()).status === 200) answered++;
      // Give the batch a chance to fail over to the spool, then crash: no shutdown hook runs.
      await waitFor(async () => readdirSync(spoolDir).some((f) => f.endsWith('.jsonl')), 10_000);
      await new Promise((r) => setTimeout(r, 200));
      await first.kill('SIGKILL');
      expect(answered).toBeGreaterThan(0);

      sh('pg_ctlcluster', ['15', CLUSTER, 'start']);
      // The next start on this database (here in-process) delivers the dead process's spool into the chain.
      const second = await bootApp(env);
      try {
        await waitFor(async () => (await events().catch(() => 0)) >= 1 + answered, 20_000);
        expect(await events()).toBe(1 + answered);
        await waitFor(async () => readdirSync(spoolDir).length === 0, 10_000);
      } finally {
        await second.close();
      }
      await expect(t!.app.get(AuditService).verify()).resolves.toMatchObject({ ok: true });
    } finally {
      await first.kill('SIGKILL');
      rmSync(spoolDir, { recursive: true, force: true });
    }
  }, 120_000);
});
