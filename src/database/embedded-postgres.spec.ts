import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { Client, Pool } from 'pg';

import { EmbeddedDatabaseLockedError } from './embedded-database-locked.error';
import {
  type EmbeddedPostgres,
  findRunningEmbeddedPostgres,
  startEmbeddedPostgres,
} from './embedded-postgres';

/** Speaks the wire protocol by hand, so a request cycle can be split across writes with a pause in it. */
class RawConnection {
  private received = Buffer.alloc(0);
  private readonly socket: net.Socket;
  constructor(connection: EmbeddedPostgres['connection']) {
    this.socket = net.createConnection(path.join(connection.host, `.s.PGSQL.${connection.port}`));
    this.socket.on('data', (chunk: Buffer) => (this.received = Buffer.concat([this.received, chunk])));
    const params = Buffer.from(`user\0${connection.user}\0database\0${connection.database}\0\0`);
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4); // protocol 3.0
    this.socket.write(Buffer.concat([startup, params]));
  }
  static message(type: string, ...parts: Array<string | number | Buffer>): Buffer {
    // strings are NUL-terminated, numbers are int16, buffers go in as they are
    const body = Buffer.concat(
      parts.map((part) => {
        if (Buffer.isBuffer(part)) return part;
        if (typeof part === 'string') return Buffer.from(`${part}\0`);
        const int16 = Buffer.alloc(2);
        int16.writeInt16BE(part);
        return int16;
      }),
    );
    const header = Buffer.alloc(5);
    header.write(type);
    header.writeInt32BE(4 + body.length, 1);
    return Buffer.concat([header, body]);
  }
  send(...messages: Buffer[]): void {
    this.socket.write(Buffer.concat(messages));
  }
  /** Complete backend messages received so far. */
  messages(): Array<{ type: string; body: Buffer }> {
    const out: Array<{ type: string; body: Buffer }> = [];
    for (let at = 0; at + 5 <= this.received.length;) {
      const end = at + 1 + this.received.readInt32BE(at + 1);
      if (end > this.received.length) break;
      out.push({ type: String.fromCharCode(this.received[at]), body: this.received.subarray(at + 5, end) });
      at = end;
    }
    return out;
  }
  async waitForReadyCount(count: number): Promise<void> {
    while (this.messages().filter((m) => m.type === 'Z').length < count) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  end(): Promise<void> {
    return new Promise((resolve) => this.socket.end(resolve));
  }
}

// Real PGlite, real sockets: initdb alone takes several seconds on a fresh data dir.
jest.setTimeout(60_000);

describe('embedded PostgreSQL (PGlite over a Unix socket)', () => {
  const dirs: string[] = [];
  const running: EmbeddedPostgres[] = [];
  const clients: Array<{ end(): Promise<void> }> = [];

  let template: string;

  // initdb runs once, here (the fresh-data-dir path); every test then starts on a copy of that cluster, which
  // opens in about a second instead of the ~10 s initdb takes on a loaded machine.
  beforeAll(async () => {
    template = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-pg-template-'));
    const embedded = await startEmbeddedPostgres({ dataDir: template });
    await embedded.stop();
    expect(fs.existsSync(path.join(template, 'pgdata', 'PG_VERSION'))).toBe(true);
  });
  afterAll(() => fs.rmSync(template, { recursive: true, force: true }));

  /** A data dir of its own holding a copy of the template cluster (`sub` nests it deeper). */
  const tempDir = (...sub: string[]): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'embedded-pg-spec-'));
    dirs.push(dir);
    const dataDir = path.join(dir, ...sub);
    fs.cpSync(path.join(template, 'pgdata'), path.join(dataDir, 'pgdata'), { recursive: true });
    return dataDir;
  };
  const start = async (dataDir: string): Promise<EmbeddedPostgres> => {
    const embedded = await startEmbeddedPostgres({ dataDir });
    running.push(embedded);
    return embedded;
  };
  const connect = async (connection: EmbeddedPostgres['connection']): Promise<Client> => {
    const client = new Client(connection);
    clients.push(client);
    await client.connect();
    return client;
  };

  afterEach(async () => {
    for (const client of clients.splice(0)) await client.end().catch(() => undefined);
    for (const embedded of running.splice(0)) await embedded.stop();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serves concurrent clients with interleaved extended-protocol queries and a transaction', async () => {
    const embedded = await start(tempDir());
    expect(embedded.connection).toEqual({
      host: embedded.socketDir,
      port: 5432,
      user: 'postgres',
      database: 'postgres',
    });
    expect(fs.existsSync(path.join(embedded.socketDir, '.s.PGSQL.5432'))).toBe(true);
    const [a, b] = await Promise.all([connect(embedded.connection), connect(embedded.connection)]);
    await a.query('CREATE TABLE items (n int NOT NULL)');

    // Each client awaits its own queries (pg 8 deprecates queueing on a client), but the loops run at
    // once, so the two connections' Parse/Bind/Describe/Execute/Sync cycles interleave on the server.
    const selectMany = async (client: Client, offset: number): Promise<number[]> => {
      const values: number[] = [];
      for (let i = 0; i < 200; i++) {
        values.push((await client.query<{ v: number }>('select $1::int as v', [offset + i])).rows[0].v);
      }
      return values;
    };
    const expected = (offset: number): number[] => Array.from({ length: 200 }, (_, i) => offset + i);
    const [fromA, fromB] = await Promise.all([selectMany(a, 0), selectMany(b, 10_000)]);
    expect(fromA).toEqual(expected(0));
    expect(fromB).toEqual(expected(10_000));

    // A transaction on a while b keeps querying: b must neither see nor break into it.
    const transaction = async (): Promise<number> => {
      await a.query('BEGIN');
      for (let i = 0; i < 20; i++) {
        await a.query('INSERT INTO items (n) VALUES ($1)', [i]);
        await a.query('select $1::int as v', [i]);
      }
      const inside = await a.query<{ c: number }>('SELECT count(*)::int AS c FROM items');
      await a.query('COMMIT');
      return inside.rows[0].c;
    };
    const [countInside, duringTx] = await Promise.all([transaction(), selectMany(b, 20_000)]);
    expect(countInside).toBe(20);
    expect(duringTx).toEqual(expected(20_000));
    const after = await b.query<{ c: number; s: number }>(
      'SELECT count(*)::int AS c, sum(n)::int AS s FROM items',
    );
    expect(after.rows[0]).toEqual({ c: 20, s: 190 });

    // A failed extended-protocol cycle on one connection leaves the others (and itself) usable.
    await expect(a.query('select $1::int as v', ['not a number'])).rejects.toThrow(/invalid input syntax/);
    expect((await b.query<{ v: number }>('select $1::int as v', [7])).rows[0].v).toBe(7);
    expect((await a.query<{ v: number }>('select $1::int as v', [8])).rows[0].v).toBe(8);

    const pool = new Pool({ ...embedded.connection, max: 4 });
    try {
      await pool.query('CREATE TABLE pooled (n int NOT NULL)');
      await Promise.all(
        Array.from({ length: 100 }, (_, i) => pool.query('INSERT INTO pooled (n) VALUES ($1)', [i])),
      );
      const pooled = await pool.query<{ c: number; s: number }>(
        'SELECT count(*)::int AS c, sum(n)::int AS s FROM pooled',
      );
      expect(pooled.rows[0]).toEqual({ c: 100, s: 4950 });
    } finally {
      await pool.end();
    }
  });

  it("keeps a connection's extended-protocol cycle whole even when it arrives in pieces", async () => {
    const embedded = await start(tempDir());
    const other = await connect(embedded.connection);
    const raw = new RawConnection(embedded.connection);
    clients.push(raw);
    await raw.waitForReadyCount(1); // startup done
    // Parse + Bind of the unnamed statement/portal, then a pause before Execute + Sync.
    raw.send(
      RawConnection.message('P', '', "select 'raw' as who", 0),
      RawConnection.message('B', '', '', 0, 0, 0),
    );
    let otherDone = false;
    const otherQuery = other.query<{ who: string }>('select $1::text as who', ['pg']).then((r) => {
      otherDone = true;
      return r.rows[0].who;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The other connection's own unnamed Parse/Bind would clobber ours: it has to wait for our Sync.
    expect(otherDone).toBe(false);
    const execute = RawConnection.message('E', '', Buffer.alloc(4)); // unnamed portal, no row limit
    raw.send(execute, RawConnection.message('S'));
    await raw.waitForReadyCount(2);
    const rows = raw.messages().filter((m) => m.type === 'D');
    expect(rows.map((m) => m.body.subarray(6).toString())).toEqual(['raw']); // int16 columns + int32 length
    expect(raw.messages().some((m) => m.type === 'E')).toBe(false);
    expect(await otherQuery).toBe('pg');
  });

  it('rolls back and unlocks when a client vanishes inside a transaction', async () => {
    const embedded = await start(tempDir());
    const [a, b] = await Promise.all([connect(embedded.connection), connect(embedded.connection)]);
    await a.query('CREATE TABLE items (n int NOT NULL)');
    await a.query('BEGIN');
    await a.query('INSERT INTO items (n) VALUES ($1)', [1]);
    // b queues behind a's open transaction; a's socket dies without COMMIT or Terminate.
    const waiting = b.query<{ c: number }>('SELECT count(*)::int AS c FROM items');
    a.on('error', () => undefined);
    (a as unknown as { connection: { stream: net.Socket } }).connection.stream.destroy();
    expect((await waiting).rows[0].c).toBe(0);
    expect((await b.query<{ t: boolean }>('SELECT now() = statement_timestamp() AS t')).rows[0].t).toBe(true);
  });

  it('refuses a second instance on the same data dir, even in the same process', async () => {
    const dataDir = tempDir();
    const embedded = await start(dataDir);
    const second = startEmbeddedPostgres({ dataDir });
    await expect(second).rejects.toBeInstanceOf(EmbeddedDatabaseLockedError);
    await expect(second).rejects.toThrow(
      `embedded database in ${path.resolve(dataDir)} is in use by process ${process.pid}; stop it or set DATA_DIR to another directory`,
    );
    // The refused attempt must leave the running instance and its lock alone.
    expect(fs.existsSync(path.join(dataDir, 'iiniit.lock'))).toBe(true);
    const client = await connect(embedded.connection);
    expect((await client.query<{ v: number }>('select 1 as v')).rows[0].v).toBe(1);
  });

  it('finds a running instance for a CLI, and nothing once it stopped', async () => {
    const dataDir = tempDir();
    expect(await findRunningEmbeddedPostgres(dataDir)).toBeNull();
    const embedded = await start(dataDir);
    const found = await findRunningEmbeddedPostgres(dataDir);
    expect(found).toEqual(embedded.connection);
    const client = await connect(found!);
    expect((await client.query<{ v: number }>('select $1::int as v', [42])).rows[0].v).toBe(42);
    await client.end();
    await embedded.stop();
    await embedded.stop(); // idempotent
    expect(await findRunningEmbeddedPostgres(dataDir)).toBeNull();
    expect(fs.existsSync(path.join(dataDir, 'iiniit.lock'))).toBe(false);
    expect(fs.existsSync(path.join(dataDir, '.s.PGSQL.5432'))).toBe(false);
  });

  it('keeps data across a restart on the same data dir', async () => {
    const dataDir = tempDir();
    const first = await start(dataDir);
    const writer = await connect(first.connection);
    await writer.query('CREATE TABLE kept (v text NOT NULL)');
    await writer.query('INSERT INTO kept (v) VALUES ($1)', ['survives']);
    await writer.end();
    await first.stop();

    const second = await start(dataDir);
    const reader = await connect(second.connection);
    expect((await reader.query<{ v: string }>('SELECT v FROM kept')).rows).toEqual([{ v: 'survives' }]);
  });

  it('takes over a stale lock and socket left by a dead process', async () => {
    const dataDir = tempDir();
    const lockPath = path.join(dataDir, 'iiniit.lock');
    fs.writeFileSync(lockPath, JSON.stringify({ pid: 999999, socketDir: dataDir, startedAt: '2020-01-01' }));
    fs.writeFileSync(path.join(dataDir, '.s.PGSQL.5432'), '');
    const embedded = await start(dataDir);
    const client = await connect(embedded.connection);
    expect((await client.query<{ v: number }>('select 1 as v')).rows[0].v).toBe(1);
    expect(JSON.parse(fs.readFileSync(lockPath, 'utf8'))).toMatchObject({
      pid: process.pid,
      socketDir: dataDir,
    });
  });

  it('takes over a lock with its own pid that predates this process (restarted container)', async () => {
    const dataDir = tempDir();
    const lockPath = path.join(dataDir, 'iiniit.lock');
    const old = { pid: process.pid, socketDir: dataDir, startedAt: '2020-01-01T00:00:00.000Z' };
    fs.writeFileSync(lockPath, JSON.stringify(old));
    const embedded = await start(dataDir);
    const client = await connect(embedded.connection);
    expect((await client.query<{ v: number }>('select 1 as v')).rows[0].v).toBe(1);
    expect(JSON.parse(fs.readFileSync(lockPath, 'utf8')).startedAt).not.toBe(old.startedAt);
  });

  it('puts the socket in a short temp dir when the data dir path is too long for a socket', async () => {
    const dataDir = tempDir('x'.repeat(60), 'y'.repeat(60));
    const embedded = await start(dataDir);
    expect(embedded.socketDir).not.toBe(dataDir);
    expect(Buffer.byteLength(path.join(embedded.socketDir, '.s.PGSQL.5432'))).toBeLessThan(104);
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'iiniit.lock'), 'utf8'))).toMatchObject({
      socketDir: embedded.socketDir,
    });
    expect(await findRunningEmbeddedPostgres(dataDir)).toEqual(embedded.connection);
    await embedded.stop();
    expect(fs.existsSync(embedded.socketDir)).toBe(false);
  });
});
