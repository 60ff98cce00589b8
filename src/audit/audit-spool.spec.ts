import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AuditSpool } from './audit-spool';

const DB = 'abcdef012345';

describe('AuditSpool', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'iiniit-spool-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers appended events in order, a batch at a time, and removes the file once delivered', () => {
    const spool = new AuditSpool<{ n: number }>(dir, DB);
    expect(spool.isEmpty()).toBe(true);
    spool.append([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(spool.isEmpty()).toBe(false);

    const first = spool.peek(2)!;
    expect(first.events).toEqual([{ n: 1 }, { n: 2 }]);
    // Not committed: the same batch again (the database did not take it).
    expect(spool.peek(2)!.events).toEqual([{ n: 1 }, { n: 2 }]);
    spool.commit(first);
    spool.append([{ n: 4 }]);
    const second = spool.peek(10)!;
    expect(second.events).toEqual([{ n: 3 }, { n: 4 }]);
    spool.commit(second);
    expect(spool.peek(10)).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
    // Appending after a full delivery starts a new file.
    spool.append([{ n: 5 }]);
    expect(spool.peek(10)!.events).toEqual([{ n: 5 }]);
    spool.close();
  });

  it("resumes a dead process's spool from its committed offset (at least once, never lost)", () => {
    const crashed = new AuditSpool<{ n: number }>(dir, DB);
    crashed.append([{ n: 1 }, { n: 2 }, { n: 3 }]);
    crashed.commit(crashed.peek(1)!);
    crashed.close();
    // The writer "crashed": its files now carry a pid that no longer runs.
    const deadPid = spawnSync(process.execPath, [
      '-e',
      'process.stdout.write(String(process.pid))',
    ]).stdout.toString();
    for (const name of readdirSync(dir)) {
      expect(name).toContain(`-${process.pid}-`);
      renameSync(join(dir, name), join(dir, name.replace(`-${process.pid}-`, `-${deadPid}-`)));
    }

    const next = new AuditSpool<{ n: number }>(dir, DB);
    const batch = next.peek(10)!;
    expect(batch.events).toEqual([{ n: 2 }, { n: 3 }]);
    next.commit(batch);
    expect(next.isEmpty()).toBe(true);
  });

  it("never delivers another database's spool, nor a live process's", () => {
    const other = new AuditSpool<{ n: number }>(dir, '999999999999');
    other.append([{ n: 1 }]);
    const mine = new AuditSpool<{ n: number }>(dir, DB);
    expect(mine.peek(10)).toBeNull();
    // Same database, but another live writer (this test's parent process stands in for it).
    writeFileSync(join(dir, `spool-${DB}-${process.ppid}-1.jsonl`), '{"n":2}\n');
    expect(mine.peek(10)).toBeNull();
    other.close();
  });

  it('skips a line torn by a crash mid-write and tells', () => {
    const torn: string[] = [];
    const name = `spool-${DB}-${process.pid}-1.jsonl`;
    writeFileSync(join(dir, name), '{"n":1}\n{"n":');
    const spool = new AuditSpool<{ n: number }>(dir, DB, (file) => torn.push(file));
    const batch = spool.peek(10)!;
    expect(batch.events).toEqual([{ n: 1 }]);
    spool.commit(batch);
    // Only the torn tail is left: nothing can complete it, so the file goes.
    expect(spool.peek(10)).toBeNull();
    expect(readdirSync(dir)).toEqual([]);

    writeFileSync(join(dir, name), '{"n":1}\nnot json\n{"n":3}\n');
    expect(spool.peek(10)!.events).toEqual([{ n: 1 }, { n: 3 }]);
    expect(torn).toEqual([name]);
  });
});
