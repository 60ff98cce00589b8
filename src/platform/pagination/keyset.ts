import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

import { ValidationFailed } from '../errors/api-error';

/**
 * Newest-first keyset pagination on (created_at, id) for list endpoints. Keyset rather than OFFSET: pages
 * stay stable while rows are inserted or deleted, and each page is one index range scan however deep the
 * caller pages. The cursor is opaque base64url JSON of the last row's exact (microsecond) created_at and
 * id; JS Dates hold milliseconds only, so the position is read as text from PostgreSQL.
 */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit?: number;
  cursor?: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodePageCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

/** Null for anything that is not a cursor this server produced. */
export function decodePageCursor(raw: string): { createdAt: string; id: string } | null {
  if (raw.length === 0 || raw.length > 200 || !/^[A-Za-z0-9_-]+$/.test(raw)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [createdAt, id] = value as unknown[];
  if (typeof createdAt !== 'string' || typeof id !== 'string') return null;
  if (!TIMESTAMP.test(createdAt) || !UUID.test(id)) return null;
  // Round trip: Date.parse accepts 2025-02-30 (rolling over to March), PostgreSQL would not.
  const ms = Date.parse(createdAt);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== createdAt.slice(0, 19)) return null;
  return { createdAt, id };
}

/** Runs `qb` (alias `alias`, with created_at and id columns) for one page. A bad cursor is a 400. */
export async function keysetPage<E extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<E>,
  alias: string,
  request: PageRequest,
): Promise<Page<E>> {
  const limit = Math.min(Math.max(request.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
  qb.addSelect(
    `to_char(${alias}.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
    'page_created_at',
  )
    .orderBy(`${alias}.created_at`, 'DESC')
    .addOrderBy(`${alias}.id`, 'DESC')
    .take(undefined)
    .limit(limit + 1);
  if (request.cursor !== undefined) {
    const after = decodePageCursor(request.cursor);
    if (!after) {
      throw new ValidationFailed([{ field: 'cursor', messages: ['is not a cursor returned by this API'] }]);
    }
    qb.andWhere(
      `(${alias}.created_at, ${alias}.id) < (CAST(:pageCreatedAt AS timestamptz), CAST(:pageId AS uuid))`,
      { pageCreatedAt: after.createdAt, pageId: after.id },
    );
  }
  const { entities, raw } = await qb.getRawAndEntities<{ page_created_at: string }>();
  const items = entities.slice(0, limit);
  const last = items.at(-1);
  const nextCursor =
    entities.length > limit && last ? encodePageCursor(raw[items.length - 1].page_created_at, last.id) : null;
  return { items, nextCursor };
}
