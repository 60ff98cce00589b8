import type { DataSource, QueryRunner } from 'typeorm';

/**
 * A logical copy of every application table, for moving an embedded (PGlite) database to PostgreSQL:
 * `npm run admin -- db:export > dump.json`, then `db:import --file dump.json` against DATABASE_URL.
 *
 * Rows travel as PostgreSQL's own JSON rendering (`row_to_json`) and come back through
 * `json_populate_recordset`, so every value is converted by the server's type input functions: ids,
 * password and secret hashes, encrypted private keys (bytea as `\x…` hex), timestamps with their offset,
 * arrays and jsonb arrive byte for byte, and the audit chain's hashes still match. Both ends must run
 * the same release (the schema version is the last migration applied) and the same APP_SECRET, because
 * encrypted columns are only readable with the key derived from it.
 */
export const DUMP_FORMAT = 'iiniit-dump';
export const DUMP_VERSION = 1;

export interface Dump {
  format: typeof DUMP_FORMAT;
  version: typeof DUMP_VERSION;
  /** Name of the last migration applied to the source: the target must be at the same one. */
  schema: string;
  exported_at: string;
  tables: Record<string, Record<string, unknown>[]>;
}

export class DumpError extends Error {}

/** TypeORM's own bookkeeping: the target gets it from running the migrations, not from the dump. */
const MIGRATIONS_TABLE = 'migrations';
/** Rows per INSERT/SELECT: bounded statement size and memory on both ends. */
const BATCH = 500;

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Application tables, parents before children (foreign keys), so inserts never see a missing parent. */
async function tablesInLoadOrder(runner: QueryRunner): Promise<string[]> {
  const tables = (
    (await runner.query(
      `SELECT c.relname AS name FROM pg_class c
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' AND c.relname <> $1
        ORDER BY c.relname`,
      [MIGRATIONS_TABLE],
    )) as { name: string }[]
  ).map((r) => r.name);
  const edges = (await runner.query(
    `SELECT c.relname AS child, p.relname AS parent FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
      WHERE k.contype = 'f' AND c.relnamespace = 'public'::regnamespace AND c.oid <> p.oid`,
  )) as { child: string; parent: string }[];
  const ordered: string[] = [];
  const pending = new Set(tables);
  while (pending.size > 0) {
    const ready = [...pending].filter(
      (t) => !edges.some((e) => e.child === t && pending.has(e.parent) && e.parent !== t),
    );
    // A foreign-key cycle (none today) would need deferred constraints; fail loudly rather than half-load.
    if (ready.length === 0) throw new DumpError(`foreign-key cycle among ${[...pending].join(', ')}`);
    for (const t of ready) {
      ordered.push(t);
      pending.delete(t);
    }
  }
  return ordered;
}

async function schemaVersion(runner: QueryRunner): Promise<string> {
  const rows = (await runner.query(
    `SELECT name FROM ${q(MIGRATIONS_TABLE)} ORDER BY timestamp DESC, id DESC LIMIT 1`,
  )) as { name: string }[];
  if (rows.length === 0) throw new DumpError('the database has no migrations applied');
  return rows[0].name;
}

/** Primary-key columns, for a stable page order (every application table has one). */
async function keyColumns(runner: QueryRunner, table: string): Promise<string[]> {
  const rows = (await runner.query(
    `SELECT a.attname AS name FROM pg_index i
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
    [q(table)],
  )) as { name: string }[];
  return rows.map((r) => r.name);
}

export async function exportDatabase(dataSource: DataSource): Promise<Dump> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    // One snapshot for every table, so a server writing next to the export cannot tear a parent from its child.
    await runner.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const schema = await schemaVersion(runner);
    const tables: Dump['tables'] = {};
    for (const table of await tablesInLoadOrder(runner)) {
      const keys = await keyColumns(runner, table);
      const order = keys.length ? keys.map(q).join(', ') : 'ctid';
      const rows: Record<string, unknown>[] = [];
      for (let offset = 0; ; offset += BATCH) {
        const page = (await runner.query(
          `SELECT row_to_json(t) AS row FROM ${q(table)} t ORDER BY ${order} LIMIT ${BATCH} OFFSET ${offset}`,
        )) as { row: Record<string, unknown> }[];
        for (const r of page) rows.push(r.row);
        if (page.length < BATCH) break;
      }
      tables[table] = rows;
    }
    await runner.query('COMMIT');
    return {
      format: DUMP_FORMAT,
      version: DUMP_VERSION,
      schema,
      exported_at: new Date().toISOString(),
      tables,
    };
  } catch (error) {
    if (runner.connection.isInitialized) await runner.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}

/** The parts of a parsed file the import relies on, checked before anything is written. */
export function checkDump(value: unknown): Dump {
  const dump = value as Partial<Dump> | null;
  if (!dump || typeof dump !== 'object' || dump.format !== DUMP_FORMAT) {
    throw new DumpError(`not an ${DUMP_FORMAT} file (export it with db:export)`);
  }
  if (dump.version !== DUMP_VERSION) {
    throw new DumpError(
      `dump format version ${String(dump.version)} is not supported (expected ${DUMP_VERSION})`,
    );
  }
  if (typeof dump.schema !== 'string' || !dump.tables || typeof dump.tables !== 'object') {
    throw new DumpError('dump has no schema version or no tables');
  }
  for (const [table, rows] of Object.entries(dump.tables)) {
    if (!Array.isArray(rows)) throw new DumpError(`table ${table}: rows must be an array`);
  }
  return dump as Dump;
}

export interface ImportResult {
  schema: string;
  replaced: boolean;
  tables: Record<string, number>;
}

/**
 * Loads a dump into an empty database at the same schema version, in one transaction: either every
 * row is in or none is. A target holding any application row is refused unless `force`, which
 * empties it first (inside the same transaction, so a failed import leaves the old data in place).
 */
export async function importDatabase(
  dataSource: DataSource,
  dump: Dump,
  options: { force?: boolean } = {},
): Promise<ImportResult> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.startTransaction('SERIALIZABLE');
    const schema = await schemaVersion(runner);
    if (schema !== dump.schema) {
      throw new DumpError(
        `schema version mismatch: the dump is at ${dump.schema}, this database at ${schema}; export and import with the same release`,
      );
    }
    const tables = await tablesInLoadOrder(runner);
    const unknown = Object.keys(dump.tables).filter((t) => !tables.includes(t));
    if (unknown.length) {
      throw new DumpError(`the dump has tables this schema does not: ${unknown.join(', ')}`);
    }

    const occupied: string[] = [];
    for (const table of tables) {
      const [{ present }] = (await runner.query(`SELECT EXISTS (SELECT 1 FROM ${q(table)}) AS present`)) as {
        present: boolean;
      }[];
      if (present) occupied.push(table);
    }
    if (occupied.length && !options.force) {
      throw new DumpError(
        `the target database is not empty (${occupied.join(', ')}); pass --force to replace its data`,
      );
    }
    if (occupied.length) await runner.query(`TRUNCATE ${tables.map(q).join(', ')}`);

    const counts: Record<string, number> = {};
    for (const table of tables) {
      const rows = dump.tables[table] ?? [];
      for (let i = 0; i < rows.length; i += BATCH) {
        await runner.query(
          `INSERT INTO ${q(table)} SELECT * FROM json_populate_recordset(NULL::${q(table)}, $1::json)`,
          [JSON.stringify(rows.slice(i, i + BATCH))],
        );
      }
      counts[table] = rows.length;
    }
    await resetSequences(runner);
    await runner.commitTransaction();
    return { schema, replaced: occupied.length > 0, tables: counts };
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction();
    throw error;
  } finally {
    await runner.release();
  }
}

/** Sequences owned by a column (none today) continue after the imported maximum, never re-issuing an id. */
async function resetSequences(runner: QueryRunner): Promise<void> {
  const owned = (await runner.query(
    `SELECT s.oid::regclass::text AS seq, t.relname AS tbl, a.attname AS col FROM pg_class s
       JOIN pg_depend d ON d.objid = s.oid AND d.deptype IN ('a', 'i')
       JOIN pg_class t ON t.oid = d.refobjid
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
      WHERE s.relkind = 'S' AND t.relnamespace = 'public'::regnamespace`,
  )) as { seq: string; tbl: string; col: string }[];
  for (const { seq, tbl, col } of owned) {
    await runner.query(
      `SELECT setval($1::regclass, COALESCE((SELECT max(${q(col)}) FROM ${q(tbl)}), 0) + 1, false)`,
      [seq],
    );
  }
}
