import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Client as PgClient } from 'pg';
import { DataSource } from 'typeorm';

import { AuditService } from '../../src/audit/audit.service';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { UsersService } from '../../src/users/users.service';
import { createApiKey, withKey } from '../factories/api-keys';
import { createClient } from '../factories/clients';
import { createProject } from '../factories/projects';
import { createUser } from '../factories/users';
import { bootApp, type TestApp } from '../support/app';
import { runTs } from '../support/cli';
import { http } from '../support/http';
import { basic, codeFlowTokens, tokenRequest } from '../support/oauth';

/**
 * A fresh PostgreSQL database to import into: a new database on the run's PostgreSQL server when there
 * is one, else (the embedded run, which has no server to create databases on) a second PGlite reached
 * over its socket, the same way as an external PostgreSQL through DATABASE_URL.
 */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const runUrl = new URL(process.env.DATABASE_URL!);
  if (!runUrl.searchParams.get('host')) {
    const name = `iiniit_import_${process.pid}_${Date.now()}`;
    const admin = new PgClient({ connectionString: runUrl.toString() });
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = new URL(runUrl.toString());
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      drop: async () => {
        const c = new PgClient({ connectionString: runUrl.toString() });
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const embedded: EmbeddedPostgres = await startEmbeddedPostgres({
    dataDir: mkdtempSync(join(tmpdir(), 'iiniit-import-target-')),
  });
  const { host, port, user, database } = embedded.connection;
  return {
    url: `postgresql://${user}@localhost:${port}/${database}?host=${encodeURIComponent(host)}`,
    drop: () => embedded.stop(),
  };
}

describe('moving a populated embedded database to PostgreSQL (db:export / db:import)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'iiniit-export-source-'));
  const dumpFile = join(dataDir, '..', `iiniit-dump-${process.pid}.json`);
  const sourceEnv = {
    DATABASE_URL: undefined,
    DATA_DIR: dataDir,
    DB_MIGRATIONS_RUN: 'true',
    SEED_DEMO_DATA: 'false',
  };

  let source: TestApp | undefined;
  let target: TestApp | undefined;
  let targetDb: Awaited<ReturnType<typeof freshDatabase>> | undefined;

  afterAll(async () => {
    await source?.close();
    await target?.close();
    await targetDb?.drop();
  });

  it('keeps every user, client, API key, refresh token, signing key and the audit chain working', async () => {
    // --- populate the embedded database through the real services and the real code flow
    source = await bootApp(sourceEnv);
    const issuer = source.url;
    const users = [];
    for (let i = 0; i < 3; i++) {
      users.push(await createUser(source.app, { password: `moving-day-password-${i}` }));
    }
    for (const u of users) await createProject(source.app, u.id);
    const keys = [];
    for (const u of users) keys.push(await createApiKey(source.app, u.id));
    const service = await createClient(source.app, {
      name: 'Service',
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes: ['read:projects'],
    });
    const serviceToken = await tokenRequest(
      source.url,
      { grant_type: 'client_credentials', scope: 'read:projects' },
      { authorization: basic(service.clientId, service.clientSecret!) },
    );
    expect(serviceToken.status).toBe(200);
    const flows = [];
    for (const u of users) {
      const client = await createClient(source.app);
      const res = await codeFlowTokens(source.url, u, client, 'read:user read:projects');
      expect(res.status).toBe(200);
      expect(res.json.refresh_token).toMatch(/^iirt_/);
      flows.push({
        user: u,
        client,
        access: res.json.access_token as string,
        refresh: res.json.refresh_token as string,
      });
    }
    const jwksBefore = (await http(`${source.url}/.well-known/jwks.json`)).json;
    // Batched audit events (token.issued) are written within ~20 ms: flush them before counting.
    await source.app.get(AuditService).flush();
    const sourceCounts = await rowCounts(source.app.get(DataSource));
    await source.close();
    source = undefined;

    // --- export (the CLI on the embedded data dir): JSON only on stdout
    const exported = await runTs(
      'src/cli/admin.ts',
      ['db:export'],
      { DATABASE_URL: '', DATA_DIR: dataDir },
      120_000,
    );
    expect(exported.stderr).toBe('');
    expect(exported.code).toBe(0);
    const dump = JSON.parse(exported.stdout);
    expect(dump).toMatchObject({ format: 'iiniit-dump', version: 1, schema: expect.any(String) });
    writeFileSync(dumpFile, exported.stdout);
    // Nothing secret travels in clear: no client secret, API key, refresh token or password.
    for (const secret of [
      service.clientSecret!,
      ...keys.map((k) => k.key),
      ...flows.map((f) => f.refresh),
      ...users.map((u) => u.password),
    ]) {
      expect(exported.stdout).not.toContain(secret);
    }

    // --- import into a fresh PostgreSQL database
    targetDb = await freshDatabase();
    const importEnv = { DATABASE_URL: targetDb.url, DB_MIGRATIONS_RUN: 'false' };
    const imported = await runTs('src/cli/admin.ts', ['db:import', '--file', dumpFile], importEnv, 120_000);
    expect(imported.stderr).toBe('');
    expect(imported.code).toBe(0);
    const result = JSON.parse(imported.stdout);
    expect(result).toMatchObject({ schema: dump.schema, replaced: false });
    expect(result.tables).toEqual(sourceCounts);

    // A non-empty target is refused without --force, and nothing is written.
    const again = await runTs('src/cli/admin.ts', ['db:import', '--file', dumpFile], importEnv, 120_000);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain('the target database is not empty');
    // --force replaces the data in one transaction: the same rows again, not twice.
    const forced = await runTs(
      'src/cli/admin.ts',
      ['db:import', '--file', dumpFile, '--force'],
      importEnv,
      120_000,
    );
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ replaced: true, tables: sourceCounts });

    // A dump from another schema version is refused before anything is written.
    const otherSchema = join(dataDir, '..', `iiniit-dump-${process.pid}-other.json`);
    writeFileSync(otherSchema, JSON.stringify({ ...dump, schema: 'Future9999999999999' }));
    const mismatch = await runTs(
      'src/cli/admin.ts',
      ['db:import', '--file', otherSchema, '--force'],
      importEnv,
      120_000,
    );
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain('schema version mismatch');

    // The audit chain (hashes, sequence, anchor) verifies on the target.
    const verify = await runTs('src/cli/admin.ts', ['audit:verify'], importEnv, 120_000);
    expect(verify.code).toBe(0);
    expect(JSON.parse(verify.stdout)).toMatchObject({ ok: true });

    // --- the app on PostgreSQL, same issuer (tokens carry it) and APP_SECRET (encrypted keys need it)
    target = await bootApp({ DATABASE_URL: targetDb.url, ISSUER: issuer });
    expect(await rowCounts(target.app.get(DataSource))).toMatchObject(
      Object.fromEntries(
        Object.entries(sourceCounts).filter(([t]) => t !== 'audit_events' && t !== 'sessions'),
      ),
    );
    // Same signing keys: the JWKS lists the same key ids and the old JWTs still verify.
    const jwksAfter = (await http(`${target.url}/.well-known/jwks.json`)).json;
    expect(jwksAfter.keys.map((k: { kid: string }) => k.kid).sort()).toEqual(
      jwksBefore.keys.map((k: { kid: string }) => k.kid).sort(),
    );
    const svc = await http(`${target.url}/v1/projects`, {
      headers: { authorization: `Bearer ${serviceToken.json.access_token}` },
    });
    expect(svc.status).toBe(200);

    for (const u of users) {
      expect(await target.app.get(UsersService).verifyCredentials(u.email, u.password)).not.toBeNull();
    }
    for (const [i, k] of keys.entries()) {
      const res = await http(`${target.url}/v1/projects`, { headers: withKey(k.key) });
      expect(res.status).toBe(200);
      expect(res.json.data.map((p: { owner_id: string }) => p.owner_id)).toEqual([users[i].id]);
    }
    const cc = await tokenRequest(
      target.url,
      { grant_type: 'client_credentials', scope: 'read:projects' },
      { authorization: basic(service.clientId, service.clientSecret!) },
    );
    expect(cc.status).toBe(200);
    for (const f of flows) {
      const me = await http(`${target.url}/v1/user`, { headers: { authorization: `Bearer ${f.access}` } });
      expect(me.status).toBe(200);
      expect(me.json.id).toBe(f.user.id);
      // The confidential client authenticates and its refresh token rotates.
      const refreshed = await tokenRequest(
        target.url,
        { grant_type: 'refresh_token', refresh_token: f.refresh },
        { authorization: basic(f.client.clientId, f.client.clientSecret!) },
      );
      expect(refreshed.status).toBe(200);
      expect(refreshed.json.refresh_token).toMatch(/^iirt_/);
      expect(refreshed.json.refresh_token).not.toBe(f.refresh);
    }
    // The chain went on from the imported events: new events appended on PostgreSQL still verify.
    await target.close();
    target = undefined;
    const after = await runTs('src/cli/admin.ts', ['audit:verify'], importEnv, 120_000);
    expect(after.code).toBe(0);
    expect(readFileSync(dumpFile, 'utf8')).toBe(exported.stdout);
    // Several CLI processes (each compiles on the fly) and two boots on a shared 2-core machine.
  }, 600_000);
});

async function rowCounts(db: DataSource): Promise<Record<string, number>> {
  const tables = await db.query<{ name: string }[]>(
    `SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' AND relname <> 'migrations'`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables) {
    const [{ n }] = await db.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM "${name}"`);
    counts[name] = n;
  }
  return counts;
}
