import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { type Extensions, PGlite } from '@electric-sql/pglite';
import { pgcrypto } from '@electric-sql/pglite/contrib/pgcrypto';
import { CANCEL_REQUEST_CODE, SSL_REQUEST_CODE } from '@electric-sql/pglite-socket';
import { Client } from 'pg';

import { EmbeddedDatabaseLockedError } from './embedded-database-locked.error';

export interface EmbeddedPostgres {
  /** directory that contains the socket file `.s.PGSQL.<port>` — pass as pg `host` */
  socketDir: string;
  /** 5432; only names the socket file, nothing listens on TCP */
  port: number;
  /** pg connection options */
  connection: { host: string; port: number; user: string; database: string };
  /** Stops the server, closes PGlite, removes socket and lock file; idempotent. */
  stop(): Promise<void>;
}

const PORT = 5432;
const SOCKET_NAME = `.s.PGSQL.${PORT}`;
const LOCK_NAME = 'iiniit.lock';
// sun_path is 104 bytes on macOS (108 on Linux), including the terminating NUL.
const MAX_SOCKET_PATH_BYTES = 103;
// Request code of GSSENCRequest (PostgreSQL protocol §55.7), which pglite-socket does not export.
const GSSENC_REQUEST = 80877104;
const [QUERY, SYNC, TERMINATE] = ['Q', 'S', 'X'].map((c) => c.charCodeAt(0));
const MAX_MESSAGE_BYTES = 1 << 30; // PostgreSQL's own limit; anything larger is a corrupt stream

interface LockInfo {
  pid: number;
  socketDir: string;
  startedAt: number; // epoch ms, NaN if missing
}

function errorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

function removeQuietly(file: string): void {
  fs.rmSync(file, { force: true });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM'; // exists, but belongs to another user
  }
}

function readLock(lockPath: string, dataDir: string): LockInfo | null {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || !('pid' in parsed)) return null;
    const { pid } = parsed;
    // pid 0 / negative would make process.kill address a process group: treat as garbage.
    if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return null;
    const socketDir =
      'socketDir' in parsed && typeof parsed.socketDir === 'string' ? parsed.socketDir : dataDir;
    const startedAt =
      'startedAt' in parsed && typeof parsed.startedAt === 'string' ? Date.parse(parsed.startedAt) : NaN;
    return { pid, socketDir, startedAt };
  } catch {
    return null;
  }
}

/** PGlite does not lock its data dir, and two instances on one dir corrupt it, so we lock it ourselves. */
function acquireLock(dataDir: string, lockPath: string, socketDir: string, log: (msg: string) => void): void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lockPath, 'wx');
      try {
        fs.writeSync(
          fd,
          JSON.stringify({ pid: process.pid, socketDir, startedAt: new Date().toISOString() }),
        );
      } finally {
        fs.closeSync(fd);
      }
      return;
    } catch (error) {
      if (errorCode(error) !== 'EEXIST') throw error;
    }
    const holder = readLock(lockPath, dataDir);
    // Our own pid counts as alive too (a second instance in this process must be refused), unless the lock
    // predates this process: a restarted container often gets the same pid (e.g. 1) as its previous run.
    const previousIncarnation = holder?.pid === process.pid && holder.startedAt < performance.timeOrigin;
    if (holder && !previousIncarnation && isAlive(holder.pid)) {
      throw new EmbeddedDatabaseLockedError(dataDir, holder.pid);
    }
    log(
      `removing stale embedded PostgreSQL lock ${lockPath}` +
        (holder ? ` of dead process ${holder.pid}` : ''),
    );
    removeQuietly(lockPath);
    if (holder) removeQuietly(path.join(holder.socketDir, SOCKET_NAME));
  }
  throw new Error(`could not take the lock ${lockPath}; another process keeps recreating it`);
}

function socketDirFor(dataDir: string): string {
  if (Buffer.byteLength(path.join(dataDir, SOCKET_NAME)) <= MAX_SOCKET_PATH_BYTES) return dataDir;
  const hash = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), `iiniit-pg-${hash}`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function connectionFor(socketDir: string): EmbeddedPostgres['connection'] {
  return { host: socketDir, port: PORT, user: 'postgres', database: 'postgres' };
}

/** FIFO promise mutex; `acquire` resolves to the release function. */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    const previous = this.tail;
    let release = (): void => undefined;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    return previous.then(() => release);
  }
}

function protocolMessage(type: string, body = Buffer.alloc(0)): Uint8Array {
  const message = Buffer.alloc(5 + body.length);
  message.write(type, 0, 'latin1');
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return new Uint8Array(message);
}
const SYNC_MESSAGE = protocolMessage('S');
const ROLLBACK_QUERY = protocolMessage('Q', Buffer.from('ROLLBACK\0'));

// Kept over pglite-socket 0.2.17's server: its queue lets another connection's Parse/Bind into an open cycle.
/**
 * Serves one client connection. PGlite is a single backend session, so a connection owns it (the mutex)
 * from its first message until a request cycle ends (Query/Sync/startup) outside a transaction;
 * otherwise another connection's Parse/Bind would clobber its unnamed statement or join its transaction.
 * Returns a promise that settles once the connection is closed and the lock is given back.
 */
function serveConnection(db: PGlite, mutex: Mutex, socket: net.Socket): Promise<void> {
  let buffer: Buffer = Buffer.alloc(0);
  let started = false;
  let closed = false;
  let release: (() => void) | null = null;
  // All work of a connection runs in this chain, so messages are handled in order and cleanup runs last.
  let chain = Promise.resolve();
  const enqueue = (step: () => Promise<void>): Promise<void> =>
    (chain = chain.then(step).catch(() => void socket.destroy()));
  const exec = (message: Uint8Array, forward: boolean): Promise<void> =>
    db.execProtocolRawStream(message, {
      // Copy: the chunk is a view into WASM memory that PGlite reuses.
      onRawData: (data) => void (forward && !socket.destroyed && socket.write(Buffer.from(data))),
    });

  const nextMessage = (): Buffer | null => {
    // Startup-phase messages have no type byte; all later ones are type byte + int32 length.
    const header = started ? 5 : 8;
    if (buffer.length < header) return null;
    const length = started ? 1 + buffer.readInt32BE(1) : buffer.readInt32BE(0);
    if (length < header || length > MAX_MESSAGE_BYTES) throw new Error('protocol violation');
    if (buffer.length < length) return null;
    const message = buffer.subarray(0, length);
    buffer = buffer.subarray(length);
    return message;
  };

  const drain = async (): Promise<void> => {
    for (let message = nextMessage(); message && !closed; message = nextMessage()) {
      const type = started ? message[0] : 0;
      if (!started) {
        const code = message.readInt32BE(4);
        // No TLS/GSS over a local socket; the client then sends a plain StartupMessage.
        if (code === SSL_REQUEST_CODE || code === GSSENC_REQUEST) {
          socket.write('N');
          continue;
        }
        // PGlite cannot interrupt a running statement; a cancel connection just goes away, like in Postgres.
        if (code === CANCEL_REQUEST_CODE) return void socket.end();
      }
      if (type === TERMINATE) return void socket.end(); // the close handler rolls back and unlocks
      release ??= await mutex.acquire();
      if (closed) return;
      await exec(new Uint8Array(message), true);
      started = true;
      if ((type === 0 || type === QUERY || type === SYNC) && !db.isInTransaction()) {
        release();
        release = null;
      }
    }
  };

  // Leave the session as a fresh connection would find it: abort an unfinished extended-protocol cycle
  // (implicit transaction) and any open transaction block of the client that went away.
  const cleanup = async (): Promise<void> => {
    if (!release) return;
    try {
      await exec(ROLLBACK_QUERY, false);
      await exec(SYNC_MESSAGE, false);
      if (db.isInTransaction()) await db.exec('ROLLBACK');
    } finally {
      release();
      release = null;
    }
  };

  socket.setNoDelay(true);
  socket.on('error', () => undefined); // a client dropping its end must not crash the process; close follows
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
    void enqueue(drain);
  });
  return new Promise((resolve) =>
    socket.once('close', () => {
      closed = true;
      void enqueue(cleanup).then(resolve);
    }),
  );
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  log?: (msg: string) => void;
}): Promise<EmbeddedPostgres> {
  const log = opts.log ?? (() => undefined);
  const dataDir = path.resolve(opts.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, LOCK_NAME);
  const socketDir = socketDirFor(dataDir);
  const socketPath = path.join(socketDir, SOCKET_NAME);
  // A socket dir of our own under tmpdir goes with the socket; the data dir of course stays.
  const removeSocket = (): void =>
    fs.rmSync(socketDir === dataDir ? socketPath : socketDir, { recursive: true, force: true });
  acquireLock(dataDir, lockPath, socketDir, log);

  let db: PGlite | undefined;
  const server = net.createServer();
  try {
    const extensions: Extensions = { pgcrypto };
    db = await PGlite.create(path.join(dataDir, 'pgdata'), { extensions });
    // Optional (gen_random_uuid() is built in): a missing pgcrypto must not keep the app from starting.
    await db.exec('CREATE EXTENSION IF NOT EXISTS pgcrypto').catch((error: unknown) => {
      log(
        `embedded PostgreSQL: pgcrypto unavailable (${error instanceof Error ? error.message : String(error)})`,
      );
    });
    removeQuietly(socketPath); // left by a crashed run; we hold the lock, so it is not anybody's
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, resolve);
    });
    // PGlite trusts every connection: keep other local users out.
    fs.chmodSync(socketPath, 0o600);
  } catch (error) {
    server.close();
    await db?.close().catch(() => undefined);
    removeSocket();
    removeQuietly(lockPath);
    throw error;
  }

  const pglite = db;
  const mutex = new Mutex();
  const sockets = new Set<net.Socket>();
  const finished = new Set<Promise<void>>();
  server.on('error', (error) => log(`embedded PostgreSQL socket server error: ${error.message}`));
  server.on('connection', (socket) => {
    sockets.add(socket);
    const done = serveConnection(pglite, mutex, socket).finally(() => {
      sockets.delete(socket);
      finished.delete(done);
    });
    finished.add(done);
  });
  log(`embedded PostgreSQL (PGlite) ready at ${dataDir}`);

  let stopping: Promise<void> | undefined;
  const stop = async (): Promise<void> => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    await closed;
    // Let every connection roll back and unlock before the database goes away under it.
    await Promise.all([...finished]);
    try {
      await pglite.close();
    } finally {
      removeSocket();
      removeQuietly(lockPath);
      log(`embedded PostgreSQL (PGlite) at ${dataDir} stopped`);
    }
  };
  return {
    socketDir,
    port: PORT,
    connection: connectionFor(socketDir),
    stop: () => (stopping ??= stop()),
  };
}

/** For a CLI run next to a running server: its connection options if the data dir is held and answering. */
export async function findRunningEmbeddedPostgres(
  dataDir: string,
): Promise<EmbeddedPostgres['connection'] | null> {
  const absolute = path.resolve(dataDir);
  const holder = readLock(path.join(absolute, LOCK_NAME), absolute);
  if (!holder || !isAlive(holder.pid)) return null;
  const connection = connectionFor(holder.socketDir);
  // Bounded: a server busy with a long transaction makes us wait for its lock, and we must not hang.
  const client = new Client({ ...connection, connectionTimeoutMillis: 5000, query_timeout: 5000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return connection;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}
