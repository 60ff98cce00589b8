import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { DataSource, EntityManager } from 'typeorm';

import type { AppConfig } from '../config/app-config';
import { AuditService, GENESIS_HASH } from './audit.service';

function refused(): Error {
  return Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
}

/** Columns of one inserted row, in the order of AuditService's INSERT. */
type Row = [string, Date, string, string | null, string | null, ...unknown[]];
const SEQ = 0;
const CLIENT_ID = 4;
const PREV_HASH = 8;
const HASH = 9;

/**
 * The values of a simple-protocol INSERT, unquoted (NULL, '…' with '' for a quote, E'…' with \\ too; the
 * casts after them dropped), up to the guarded INSERT's head check.
 */
function literals(sql: string): (string | null)[] {
  const values = sql.slice(
    sql.indexOf('VALUES '),
    sql.includes(' AS "v" WHERE ') ? sql.indexOf(' AS "v" WHERE ') : undefined,
  );
  return [...values.matchAll(/(E?)'((?:[^']|'')*)'|NULL/g)].map((m) => {
    if (m[0] === 'NULL') return null;
    const text = m[2].replace(/''/g, "'");
    return m[1] ? text.replace(/\\\\/g, '\\') : text;
  });
}

/**
 * A DataSource double that keeps what was committed: each transaction sees the rows committed before it
 * (the chain head), and its INSERT lands only when the callback resolves.
 */
function fakeDatabase() {
  const committed: Row[] = [];
  const state = {
    down: false,
    transactions: 0,
    /** Queries sent on group-commit connections (round trips). */
    roundTrips: 0,
    /** client_id values whose INSERT fails with a non-availability error (a malformed event). */
    poison: new Set<string>(),
  };
  const head = () => {
    const last = committed.at(-1);
    return last ? [{ seq: last[SEQ], hash: last[HASH] }] : [];
  };
  const insert = (staged: Row[], params: unknown[]) => {
    for (let i = 0; i < params.length; i += 12) {
      const row = params.slice(i, i + 12) as Row;
      if (state.poison.has(row[CLIENT_ID]!)) throw new Error('invalid input syntax for type json');
      staged.push(row);
    }
  };
  // Yields like a real round trip, so concurrent callers pile up behind the running commit.
  const roundTrip = () => new Promise((r) => setImmediate(r));
  const dataSource = {
    // The group commit on one connection: BEGIN + lock + chain head in one query, then INSERT + COMMIT; or
    // BEGIN + lock + INSERT guarded by the expected head + COMMIT in one.
    createQueryRunner: () => {
      let staged: Row[] = [];
      const client = {
        query: async (sql: string) => {
          await roundTrip();
          state.roundTrips++;
          if (sql.startsWith('BEGIN;')) {
            state.transactions++;
            staged = [];
            const guard =
              / WHERE \(SELECT "hash" FROM "audit_events" ORDER BY "seq" DESC LIMIT 1\) = '(\w+)'; COMMIT$/.exec(
                sql,
              );
            if (!guard) return [{ rows: [] }, { rows: [] }, { rows: head() }];
            if (head()[0]?.hash === guard[1]) insert(staged, literals(sql));
            committed.push(...staged);
            return [{}, {}, { rowCount: staged.length }, {}];
          }
          if (sql.startsWith('INSERT') && sql.endsWith('; COMMIT')) {
            insert(staged, literals(sql));
            committed.push(...staged);
          }
          if (sql === 'ROLLBACK') staged = [];
          return { rows: [] };
        },
      };
      return {
        connect: () => (state.down ? Promise.reject(refused()) : Promise.resolve(client)),
        release: () => Promise.resolve(),
      };
    },
    // record() and the spool's delivery: a TypeORM transaction.
    transaction: async (fn: (m: EntityManager) => Promise<void>) => {
      if (state.down) throw refused();
      state.transactions++;
      const staged: Row[] = [];
      const manager = {
        query: (sql: string, params: unknown[] = []) => {
          if (sql.startsWith('SELECT "seq"')) return Promise.resolve(head());
          if (sql.trimStart().startsWith('INSERT')) insert(staged, params);
          return Promise.resolve([]);
        },
      } as unknown as EntityManager;
      await roundTrip();
      await fn(manager);
      committed.push(...staged);
    },
  } as unknown as DataSource;
  return { committed, state, dataSource };
}

function expectValidChain(rows: Row[]): void {
  let prev = GENESIS_HASH;
  rows.forEach((row, i) => {
    expect(row[SEQ]).toBe(String(i + 1));
    expect(row[PREV_HASH]).toBe(prev);
    prev = row[HASH] as string;
  });
}

describe('AuditService group commit (recordDurable)', () => {
  it('commits concurrent events in far fewer transactions, in order, with an unbroken chain', async () => {
    const db = fakeDatabase();
    const audit = new AuditService(db.dataSource);
    const n = 200;
    const done: number[] = [];
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        audit.recordDurable({ type: 'token.issued', clientId: `c${i}` }).then(() => {
          // Resolved only once its own row is committed.
          expect(db.committed.some((r) => r[CLIENT_ID] === `c${i}`)).toBe(true);
          done.push(i);
        }),
      ),
    );
    expect(done).toHaveLength(n);
    expect(db.committed.map((r) => r[CLIENT_ID])).toEqual(Array.from({ length: n }, (_, i) => `c${i}`));
    expect(db.state.transactions).toBeLessThanOrEqual(2);
    expectValidChain(db.committed);
  });

  it('starts the next batch when the previous one committed, with what arrived meanwhile', async () => {
    const db = fakeDatabase();
    const audit = new AuditService(db.dataSource);
    const first = audit.recordDurable({ type: 'token.issued', clientId: 'a' });
    await new Promise((r) => setImmediate(r)); // the first batch is now running
    const later = ['b', 'c', 'd'].map((clientId) => audit.recordDurable({ type: 'token.issued', clientId }));
    await Promise.all([first, ...later]);
    expect(db.state.transactions).toBe(2);
    expect(db.committed.map((r) => r[CLIENT_ID])).toEqual(['a', 'b', 'c', 'd']);
    expectValidChain(db.committed);
  });

  it('commits in one round trip while it wrote the head last, in two after another writer appended', async () => {
    const db = fakeDatabase();
    const audit = new AuditService(db.dataSource);
    await audit.recordDurable({ type: 'token.issued', clientId: 'a' });
    expect(db.state.roundTrips).toBe(2); // the head is not known yet: read under the lock
    await audit.recordDurable({ type: 'token.issued', clientId: 'b' });
    await audit.recordDurable({ type: 'token.issued', clientId: 'c' });
    expect(db.state.roundTrips).toBe(4);
    // Another writer (another instance, or an event recorded in a request's own transaction) moves the head.
    await audit.record({ type: 'sign_in.succeeded', clientId: 'elsewhere' });
    await audit.recordDurable({ type: 'token.issued', clientId: 'd' });
    // The guarded commit inserted nothing; the head was read and the event sealed behind it.
    expect(db.state.roundTrips).toBe(4 + 1 + 2);
    await audit.recordDurable({ type: 'token.issued', clientId: 'e' });
    expect(db.state.roundTrips).toBe(8);
    expect(db.committed.map((r) => r[CLIENT_ID])).toEqual(['a', 'b', 'c', 'elsewhere', 'd', 'e']);
    expectValidChain(db.committed);
  });

  it('rejects only the event the database refuses, not the others of its batch', async () => {
    const db = fakeDatabase();
    db.state.poison.add('bad');
    const audit = new AuditService(db.dataSource);
    const results = await Promise.allSettled(
      ['a', 'bad', 'c'].map((clientId) => audit.recordDurable({ type: 'token.issued', clientId })),
    );
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(db.committed.map((r) => r[CLIENT_ID])).toEqual(['a', 'c']);
    expectValidChain(db.committed);
  });

  it('rejects when the database is unreachable and there is no spool (never acknowledges a lost event)', async () => {
    const db = fakeDatabase();
    db.state.down = true;
    const audit = new AuditService(db.dataSource);
    await expect(audit.recordDurable({ type: 'token.issued', clientId: 'a' })).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  describe('with a spool', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'audit-spec-'));
    });
    afterEach(() => {
      jest.useRealTimers();
      rmSync(dir, { recursive: true, force: true });
    });
    const config = () =>
      ({
        databaseUrl: 'postgresql://spec',
        operations: { audit: { spoolDir: dir } },
      }) as unknown as AppConfig;
    const spooled = () =>
      readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .flatMap((f) => readFileSync(join(dir, f), 'utf8').trim().split('\n'))
        .map((line) => (JSON.parse(line) as { clientId: string }).clientId);

    it('resolves once the events are on disk while the database is down, and delivers them in order later', async () => {
      const db = fakeDatabase();
      db.state.down = true;
      const audit = new AuditService(db.dataSource, config());
      await Promise.all(
        ['a', 'b'].map((clientId) => audit.recordDurable({ type: 'token.issued', clientId })),
      );
      expect(spooled()).toEqual(['a', 'b']);
      // Spooling now: later events queue behind on disk even before the database is tried again.
      await audit.recordDurable({ type: 'token.issued', clientId: 'c' });
      expect(spooled()).toEqual(['a', 'b', 'c']);
      expect(db.committed).toHaveLength(0);

      db.state.down = false;
      // The drain runs every 2 s; events recorded after it emptied the spool follow in the database.
      await new Promise((r) => setTimeout(r, 2_200));
      await audit.recordDurable({ type: 'token.issued', clientId: 'd' });
      expect(db.committed.map((r) => r[CLIENT_ID])).toEqual(['a', 'b', 'c', 'd']);
      expectValidChain(db.committed);
      await audit.onModuleDestroy();
    });
  });
});
