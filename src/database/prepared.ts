import type { DataSource, EntityMetadata } from 'typeorm';

/** A statement sent by name: PostgreSQL parses it once per connection and, after a few runs, plans it once. */
export interface PreparedStatement {
  name: string;
  text: string;
}

interface PgClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
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
    const client = (await runner.connect()) as PgClient;
    return (await client.query({ name: statement.name, text: statement.text, values })).rows as T[];
  } finally {
    await runner.release();
  }
}

/**
 * `SELECT` of one table, every column aliased to its entity property, so rows map onto the entity as they
 * come (pg parses uuid, arrays, timestamptz and booleans itself; entities read this way have no transformers).
 * `extra` are further select expressions; the table is aliased `t` for them and for `where`.
 */
export function entityLookup(
  metadata: EntityMetadata,
  name: string,
  extra: string,
  where: string,
): PreparedStatement {
  const columns = metadata.columns.map((c) => `t."${c.databaseName}" AS "${c.propertyName}"`);
  return {
    name,
    text: `SELECT ${[...columns, extra].join(', ')} FROM "${metadata.tableName}" t WHERE ${where}`,
  };
}
