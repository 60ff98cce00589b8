import type { ObjectLiteral, Repository } from 'typeorm';

/**
 * Deletes at most `limit` rows of `repository`'s table matching `where` (SQL over its column names, with
 * `$1`… placeholders for `params`), in one short statement, and returns how many went. The inner
 * SELECT … LIMIT walks the index on the `where` column; `ctid = ANY(ARRAY(…))` turns the delete into a
 * TID scan of exactly those rows, so each batch holds its row locks briefly and never scans the table.
 * The table name comes from the entity's metadata, so a rename needs no change here.
 */
export async function deleteBatch<T extends ObjectLiteral>(
  repository: Repository<T>,
  where: string,
  params: unknown[],
  limit: number,
): Promise<number> {
  const table = `"${repository.metadata.tableName}"`;
  const rows = await repository.query<{ n: number }[]>(
    `WITH gone AS (
       DELETE FROM ${table} WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM ${table} WHERE ${where} LIMIT $${params.length + 1}))
       RETURNING 1)
     SELECT count(*)::int AS n FROM gone`,
    [...params, limit],
  );
  return rows[0]?.n ?? 0;
}
