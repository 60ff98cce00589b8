import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';

const SPOOL_FILE = /^spool-([0-9a-f]{12})-(\d+)-(\d+)\.jsonl$/;
/** Bytes read per peek: far more than a batch of events needs, bounded so a huge spool is read in steps. */
const READ_CHUNK = 1 << 20;

/** Events read from a spool file, and the position up to which they end (for `commit`). */
export interface SpoolBatch<T> {
  file: string;
  events: T[];
  end: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A durable local spool for audit events the database cannot take right now: append-only JSON lines,
 * fsync'd before `append` returns, so an event acknowledged during a PostgreSQL outage survives a crash.
 *
 * One file per process (`spool-<database>-<pid>-<start>.jsonl`), so cluster workers never interleave writes,
 * and a spool is only ever delivered to the database it was meant for (`database`: a digest of its URL). Draining
 * reads from a committed offset kept beside the file (`.offset`, fsync'd after each batch reached the
 * database): a crash between a batch's commit and its offset write sends that batch once more, so delivery
 * is at least once, never lost. A file whose writer is gone (another pid that no longer runs, or this pid
 * from an earlier start: containers reuse pid 1) is drained by whoever starts next.
 *
 * Every method is synchronous: appends and offset moves never interleave with one another on the event loop.
 */
export class AuditSpool<T> {
  private readonly own: string;
  private fd: number | undefined;

  constructor(
    private readonly dir: string,
    private readonly database: string,
    private readonly onTornLine: (file: string) => void = () => undefined,
  ) {
    this.own = `spool-${database}-${process.pid}-${Date.now()}.jsonl`;
  }

  /** Appends the events and fsyncs them. Throws when the disk refuses (the caller keeps them in memory). */
  append(events: readonly T[]): void {
    if (!events.length) return;
    if (this.fd === undefined) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      this.fd = openSync(join(this.dir, this.own), 'a', 0o600);
    }
    writeSync(this.fd, events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    fsyncSync(this.fd);
  }

  /** Files that hold events still to deliver: orphans first (they are older), this process's last. */
  private files(): string[] {
    if (!existsSync(this.dir)) return [];
    const mine: string[] = [];
    const orphans: string[] = [];
    for (const name of readdirSync(this.dir)) {
      const match = SPOOL_FILE.exec(name);
      if (!match || match[1] !== this.database) continue;
      const pid = Number(match[2]);
      if (name === this.own) mine.push(name);
      else if (pid === process.pid || !alive(pid)) orphans.push(name);
    }
    return [...orphans.sort(), ...mine];
  }

  isEmpty(): boolean {
    return this.files().length === 0;
  }

  private offset(file: string): number {
    const path = join(this.dir, `${file}.offset`);
    return existsSync(path) ? Number(readFileSync(path, 'utf8')) || 0 : 0;
  }

  /**
   * Up to `max` events from the oldest file with undelivered events, or null when everything is
   * delivered. Fully delivered files are removed on the way.
   */
  peek(max: number): SpoolBatch<T> | null {
    for (const file of this.files()) {
      const path = join(this.dir, file);
      const start = this.offset(file);
      const size = statSync(path).size;
      if (start >= size) {
        this.remove(file);
        continue;
      }
      const buffer = Buffer.alloc(Math.min(READ_CHUNK, size - start));
      const fd = openSync(path, 'r');
      let read: number;
      try {
        read = readSync(fd, buffer, 0, buffer.length, start);
      } finally {
        closeSync(fd);
      }
      const events: T[] = [];
      let end = start;
      let from = 0;
      while (events.length < max) {
        const newline = buffer.indexOf(10, from);
        if (newline < 0 || newline >= read) break;
        const line = buffer.subarray(from, newline).toString('utf8');
        try {
          events.push(JSON.parse(line) as T);
        } catch {
          // A line torn by a crash mid-write (its fsync never returned, so its event was never acknowledged).
          this.onTornLine(file);
        }
        from = newline + 1;
        end = start + from;
      }
      if (end === start) {
        // Only a torn tail (a crashed writer's last partial line): nothing more will ever complete it.
        if (file !== this.own) this.remove(file);
        continue;
      }
      return { file, events, end };
    }
    return null;
  }

  /** Records that a peeked batch reached the database. */
  commit(batch: SpoolBatch<T>): void {
    const path = join(this.dir, batch.file);
    if (batch.end >= statSync(path).size) {
      this.remove(batch.file);
      return;
    }
    const offsetPath = join(this.dir, `${batch.file}.offset`);
    writeFileSync(offsetPath, String(batch.end), { mode: 0o600 });
    const fd = openSync(offsetPath, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  private remove(file: string): void {
    if (file === this.own && this.fd !== undefined) {
      closeSync(this.fd);
      this.fd = undefined;
    }
    for (const name of [file, `${file}.offset`]) {
      try {
        unlinkSync(join(this.dir, name));
      } catch {
        // already gone
      }
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
