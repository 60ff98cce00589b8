import { IsNull, type FindOptionsWhere, type ObjectLiteral, type Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';

/**
 * Single use as one conditional UPDATE: stamps `property` with now() only where it is still NULL, so of any
 * number of concurrent callers exactly one sees a row change (codes, refresh-token rotation). No lock held,
 * no read-modify-write race.
 */
export async function claimOnce<T extends ObjectLiteral>(
  repo: Repository<T>,
  property: keyof T & string,
  where: FindOptionsWhere<T>,
): Promise<boolean> {
  const result = await repo
    .createQueryBuilder()
    .update()
    .set({ [property]: () => 'now()' } as QueryDeepPartialEntity<T>)
    .where({ ...where, [property]: IsNull() })
    .execute();
  return (result.affected ?? 0) === 1;
}
