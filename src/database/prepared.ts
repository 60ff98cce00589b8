import type { PoolClient } from 'pg';
import type { DataSource, ObjectLiteral, Repository } from 'typeorm';

/** A statement sent by name: PostgreSQL parses it once per connection and, after a few runs, plans it once. */
export interface PreparedStatement {
  name: string;
  text: string;
}

/** Per DataSource: whether the server keeps named statements apart per connection (see queryPrepared). */
const namedStatements = new WeakMap<DataSource, Promise<boolean>>();

/**
 * PostgreSQL does; the embedded database does not: PGlite is one session behind our socket, where a name
 * prepared through one connection collides with another connection's ("prepared statement … already
 * exists"). Asked once per DataSource, whatever its URL (the e2e suites reach PGlite through DATABASE_URL).
 */
function supportsNamedStatements(dataSource: DataSource): Promise<boolean> {
  let known = namedStatements.get(dataSource);
  if (!known) {
    known = dataSource
      .query<{ version: string }[]>('SELECT version() AS "version"')
      .then(([row]) => !row.version.includes('PGlite'));
    namedStatements.set(dataSource, known);
    // An outage during the question fails this request as any other query would; the next one asks again.
    known.catch(() => namedStatements.delete(dataSource));
  }
  return known;
}

/**
 * Runs `statement` on a pooled connection, outside any transaction, as a named prepared statement (extended
 * protocol, PostgreSQL §55.2.3): its parse and plan are paid once per connection instead of on every call,
 * which for the short statements of a token grant is about as much as their execution. Unnamed on the
 * embedded database (see supportsNamedStatements). Behind PgBouncer in transaction mode this needs its
 * `max_prepared_statements` (1.21+).
 */
export async function queryPrepared<T>(
  dataSource: DataSource,
  statement: PreparedStatement,
  values: unknown[],
): Promise<T[]> {
  if (!(await supportsNamedStatements(dataSource))) return dataSource.query<T[]>(statement.text, values);
  const runner = dataSource.createQueryRunner();
  try {
    const client = (await runner.connect()) as PoolClient;
    return (await client.query({ name: statement.name, text: statement.text, values })).rows as T[];
  } finally {
    await runner.release();
  }
}

/**
 * One row of `repository`'s table by a prepared lookup: `SELECT` of every column aliased to its entity property
 * plus `extra` (further select expressions typed by `X`), `FROM` the table aliased `t`, `WHERE where` (`$1`…).
 * Rows map onto the entity as they come (pg parses uuid, arrays, timestamptz and booleans itself; entities read
 * this way have no transformers), and a query builder's per-call SQL building and result mapping are skipped.
 * The statement is built at the first call, when TypeORM's metadata is certainly loaded.
 */
export function preparedFindOne<E extends ObjectLiteral, X extends object>(
  repository: Repository<E>,
  name: string,
  extra: string,
  where: string,
): (values: unknown[]) => Promise<(E & X) | null> {
  let statement: PreparedStatement | undefined;
  return async (values) => {
    if (!statement) {
      const { columns, tableName } = repository.metadata;
      const select = [...columns.map((c) => `t."${c.databaseName}" AS "${c.propertyName}"`), extra];
      statement = { name, text: `SELECT ${select.join(', ')} FROM "${tableName}" t WHERE ${where}` };
    }
    const [row] = await queryPrepared<E & X>(repository.manager.connection, statement, values);
    return row ? Object.assign(repository.create(), row) : null;
  };
}
