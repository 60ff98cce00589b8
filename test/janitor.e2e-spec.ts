import { randomBytes, randomUUID } from 'node:crypto';

import { Client } from 'pg';
import { DataSource } from 'typeorm';

import { AuditService } from '../src/audit/audit.service';
import { AuditRetentionService } from '../src/audit/audit-retention.service';
import { JANITOR_LOCK, type JanitorReport, JanitorService } from '../src/janitor/janitor.service';
import { createUser } from './factories/users';
import { type IsolatedDatabase, isolatedDatabase } from './jwt/support';
import { bootApp, bootInstances, closeAll, type TestApp } from './support/app';
import { runTs } from './support/cli';

const hex = () => randomBytes(32).toString('hex');
const HOUR = "interval '1 hour'";

describe('data-lifecycle janitor', () => {
  let a: TestApp;
  let b: TestApp;
  let db: DataSource;

  beforeAll(async () => {
    [a, b] = await bootInstances(2, {
      JANITOR_ENABLED: 'false',
      JANITOR_BATCH_SIZE: '50',
      REFRESH_TOKEN_RETENTION: '3600',
    });
    db = a.app.get(DataSource);
  });
  afterAll(() => closeAll(a, b));

  const count = async (sql: string, params: unknown[] = []) =>
    Number((await db.query<{ n: string }[]>(`SELECT count(*) AS n FROM ${sql}`, params))[0].n);

  it('deletes expired codes, retired refresh tokens, dead deny-list rows and expired sessions, keeps live ones', async () => {
    const user = await createUser(a.app);
    const grant = randomUUID();
    const tag = randomUUID().slice(0, 8);
    const code = (h: string, expires: string) =>
      db.query(
        `INSERT INTO authorization_codes (code_hash, client_id, grant_id, user_id, redirect_uri, redirect_uri_sent, expires_at)
         VALUES ($1, $2, $3, $4, 'https://app.example.com/cb', true, ${expires})`,
        [h, `janitor-${tag}`, grant, user.id],
      );
    const refresh = (h: string, expires: string, rotated: string) =>
      db.query(
        `INSERT INTO refresh_tokens (token_hash, grant_id, client_id, user_id, expires_at, rotated_at)
         VALUES ($1, $2, $3, $4, ${expires}, ${rotated})`,
        [h, grant, `janitor-${tag}`, user.id],
      );
    const revoked = (jti: string, expires: string) =>
      db.query(`INSERT INTO revoked_tokens (jti, expires_at) VALUES ($1, ${expires})`, [jti]);
    const session = (h: string, expires: string) =>
      db.query(`INSERT INTO sessions (id_hash, user_id, expires_at, sid) VALUES ($1, $2, ${expires}, $3)`, [
        h,
        user.id,
        randomUUID(),
      ]);

    const dead = {
      code: hex(),
      rtExpired: hex(),
      rtRotated: hex(),
      jti: `j-${hex().slice(0, 40)}`,
      session: hex(),
    };
    const live = {
      code: hex(),
      usedCode: hex(),
      rt: hex(),
      rtJustRotated: hex(),
      jti: `j-${hex().slice(0, 40)}`,
      session: hex(),
    };
    await code(dead.code, `now() - 2 * ${HOUR}`);
    await code(live.code, `now() + ${HOUR}`);
    // Expired a minute ago: kept an hour so a late replay still revokes the authorization.
    await code(live.usedCode, "now() - interval '1 minute'");
    await refresh(dead.rtExpired, `now() - 2 * ${HOUR}`, 'NULL');
    await refresh(dead.rtRotated, `now() + ${HOUR}`, `now() - 2 * ${HOUR}`);
    await refresh(live.rt, `now() + ${HOUR}`, 'NULL');
    // Rotated within REFRESH_TOKEN_RETENTION: reuse detection still needs it.
    await refresh(live.rtJustRotated, `now() + ${HOUR}`, "now() - interval '5 minutes'");
    await revoked(dead.jti, "now() - interval '1 second'");
    await revoked(live.jti, `now() + ${HOUR}`);
    await session(dead.session, "now() - interval '1 second'");
    await session(live.session, `now() + ${HOUR}`);
    // More dead rows than one batch (JANITOR_BATCH_SIZE=50): the run repeats the batch until done.
    for (let i = 0; i < 120; i++) await revoked(`bulk-${tag}-${i}`, "now() - interval '1 minute'");

    const report = await a.app.get(JanitorService).run();
    expect(report.ran).toBe(true);
    if (!report.ran) return;
    expect(report.deleted.revoked_tokens).toBeGreaterThanOrEqual(121);

    const codes = (h: string) => count('authorization_codes WHERE code_hash = $1', [h]);
    const rts = (h: string) => count('refresh_tokens WHERE token_hash = $1', [h]);
    const jtis = (j: string) => count('revoked_tokens WHERE jti = $1', [j]);
    const sessions = (h: string) => count('sessions WHERE id_hash = $1', [h]);
    expect([await codes(dead.code), await rts(dead.rtExpired), await rts(dead.rtRotated)]).toEqual([0, 0, 0]);
    expect([await jtis(dead.jti), await sessions(dead.session)]).toEqual([0, 0]);
    expect(await count(`revoked_tokens WHERE jti LIKE $1`, [`bulk-${tag}-%`])).toBe(0);
    expect([await codes(live.code), await codes(live.usedCode)]).toEqual([1, 1]);
    expect([await rts(live.rt), await rts(live.rtJustRotated)]).toEqual([1, 1]);
    expect([await jtis(live.jti), await sessions(live.session)]).toEqual([1, 1]);
  });

  it('runs on one instance at a time (PostgreSQL advisory lock)', async () => {
    // Another holder of the lock (an instance on another host): both instances skip. The embedded
    // database is one session for every connection (advisory locks are re-entrant there, and it serves
    // one process), so this part needs a real PostgreSQL server.
    const embedded = /host=%2F/i.test(process.env.DATABASE_URL ?? '');
    const other = new Client({ connectionString: process.env.DATABASE_URL });
    await other.connect();
    try {
      if (embedded) return;
      await other.query('SELECT pg_advisory_lock($1)', [JANITOR_LOCK]);
      expect(await a.app.get(JanitorService).run()).toEqual({ ran: false, reason: 'locked' });
      expect(await b.app.get(JanitorService).run()).toEqual({ ran: false, reason: 'locked' });
      await other.query('SELECT pg_advisory_unlock($1)', [JANITOR_LOCK]);
    } finally {
      await other.end();
    }

    // Both instances started together, many times, with work to do: runs never overlap in time.
    const runs: JanitorReport[] = [];
    for (let round = 0; round < 5; round++) {
      await db.query(
        `INSERT INTO revoked_tokens (jti, expires_at)
         SELECT 'race-' || $1 || '-' || g, now() - interval '1 minute' FROM generate_series(1, 300) g`,
        [`${round}-${randomUUID().slice(0, 8)}`],
      );
      runs.push(...(await Promise.all([a.app.get(JanitorService).run(), b.app.get(JanitorService).run()])));
    }
    const ran = runs.filter((r): r is Extract<JanitorReport, { ran: true }> => r.ran);
    expect(runs.filter((r) => !r.ran).length).toBeGreaterThan(0);
    ran.sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime());
    for (let i = 1; i < ran.length; i++) {
      expect(ran[i].startedAt.getTime()).toBeGreaterThanOrEqual(ran[i - 1].finishedAt.getTime());
    }
    expect(await count(`revoked_tokens WHERE jti LIKE 'race-%'`)).toBe(0);
  });

  describe('audit retention', () => {
    // Its own database: pruning and editing the chain must not touch what other suites are asserting on.
    let iso: IsolatedDatabase;
    let r: TestApp;
    let rdb: DataSource;
    beforeAll(async () => {
      iso = await isolatedDatabase();
      r = await bootApp({ DATABASE_URL: iso.url, JANITOR_ENABLED: 'false' });
      rdb = r.app.get(DataSource);
    });
    afterAll(async () => {
      await r?.close();
      await iso?.drop();
    });
    const verifyCli = () =>
      runTs('src/cli/admin.ts', ['audit:verify'], { DB_MIGRATIONS_RUN: 'false', DATABASE_URL: iso.url });
    const countEvents = async () =>
      Number((await rdb.query<{ n: string }[]>('SELECT count(*) AS n FROM audit_events'))[0].n);

    it('prunes old events behind an anchor: audit:verify passes, and still detects an edited row', async () => {
      const audit = r.app.get(AuditService);
      for (let i = 0; i < 5; i++) {
        await audit.record({ type: 'client.created', details: { probe: 'retention', i } });
      }
      const [{ max }] = await rdb.query<{ max: string }[]>('SELECT max(seq) AS max FROM audit_events');
      // Everything recorded so far is "older than the retention": prune in small batches.
      const cutoff = new Date(Date.now() + 1000);
      let pruned = 0;
      for (let n = -1; n !== 0; pruned += n) {
        n = await r.app.get(AuditRetentionService).pruneBefore(cutoff, 3);
      }
      expect(pruned).toBeGreaterThanOrEqual(4);
      // The newest event stays (the next append links to it); the anchor is the last pruned one.
      const [anchor] = await rdb.query<{ seq: string; hash: string }[]>('SELECT seq, hash FROM audit_anchor');
      expect(BigInt(anchor.seq)).toBe(BigInt(max) - 1n);
      const [first] = await rdb.query<{ seq: string; prev_hash: string }[]>(
        'SELECT seq, prev_hash FROM audit_events ORDER BY seq LIMIT 1',
      );
      expect(first).toEqual({ seq: String(BigInt(anchor.seq) + 1n), prev_hash: anchor.hash });

      await audit.record({ type: 'client.created', details: { probe: 'after-prune' } });
      expect(await audit.verify()).toMatchObject({ ok: true });
      const ok = await verifyCli();
      expect(ok.code).toBe(0);

      // An edited row after the anchor is still caught (restored afterwards for the other suites).
      const [row] = await rdb.query<{ seq: string; details: unknown }[]>(
        'SELECT seq, details FROM audit_events ORDER BY seq DESC LIMIT 1',
      );
      await rdb.query(`UPDATE audit_events SET details = '{"probe":"edited"}' WHERE seq = $1`, [row.seq]);
      try {
        expect(await audit.verify()).toMatchObject({ ok: false, brokenAt: row.seq });
        const broken = await verifyCli();
        expect(broken.code).toBe(1);
      } finally {
        await rdb.query('UPDATE audit_events SET details = $2 WHERE seq = $1', [
          row.seq,
          JSON.stringify(row.details),
        ]);
      }
      // So is an edited anchor: the first remaining row no longer links to it.
      await rdb.query(`UPDATE audit_anchor SET hash = $1`, ['f'.repeat(64)]);
      try {
        expect(await audit.verify()).toMatchObject({ ok: false, reason: expect.stringMatching(/prev_hash/) });
      } finally {
        await rdb.query(`UPDATE audit_anchor SET hash = $1`, [anchor.hash]);
      }
      expect(await audit.verify()).toMatchObject({ ok: true });
    });

    it('keeps events inside AUDIT_RETENTION_DAYS', async () => {
      await r.app.get(AuditService).record({ type: 'client.created', details: { probe: 'recent' } });
      const before = await countEvents();
      const report = await r.app.get(JanitorService).run();
      expect(report).toMatchObject({ ran: true, deleted: { audit_events: 0 } });
      expect(await countEvents()).toBe(before);
    });
  });
});
