/**
 * Named prepared statements against the test run's database: PostgreSQL in the CI pass (DATABASE_URL), the
 * embedded PGlite in the other. On PostgreSQL the statement is prepared once per connection and reused; on
 * PGlite (one session behind our socket) it is sent unnamed, so connections never collide on a name.
 */
import { loadConfig } from '../../src/config/app-config';
import { createDataSource } from '../../src/database/data-source';
import { queryPrepared } from '../../src/database/prepared';

const LOOKUP = { name: 'test.prepared_lookup', text: 'SELECT $1::int + 1 AS "next"' };

describe('named prepared statements', () => {
  let dataSource: Awaited<ReturnType<typeof createDataSource>>;
  let pglite: boolean;

  beforeAll(async () => {
    // Two connections, so a name prepared on one must not disturb the other.
    dataSource = await createDataSource(
      loadConfig({ ...process.env, NODE_ENV: 'test', DATABASE_POOL_MAX: '2', DB_MIGRATIONS_RUN: 'false' }),
    );
    const [{ version }] = await dataSource.query<{ version: string }[]>('SELECT version() AS "version"');
    pglite = version.includes('PGlite');
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  it('answers the same through any connection, many times and concurrently', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) => queryPrepared<{ next: number }>(dataSource, LOOKUP, [i])),
    );
    expect(answers.map(([row]) => row.next)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('is prepared by name on PostgreSQL, and sent unnamed to PGlite', async () => {
    await queryPrepared(dataSource, LOOKUP, [1]);
    // One connection at a time: pg_prepared_statements lists the statements of the session that asks.
    const runner = dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.query(`SELECT 1`);
      const held: { name: string }[] = await runner.query(
        `SELECT name FROM pg_prepared_statements WHERE name = $1`,
        [LOOKUP.name],
      );
      // Both pooled connections ran it in the concurrent test above, so this one holds it by name.
      expect(held.length).toBe(pglite ? 0 : 1);
    } finally {
      await runner.release();
    }
  });

  it('keeps database errors as they are (a bad parameter is the caller’s error, not an outage)', async () => {
    await expect(queryPrepared(dataSource, LOOKUP, ['not a number'])).rejects.toMatchObject({
      code: '22P02',
    });
  });
});
