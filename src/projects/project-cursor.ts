/**
 * Keyset pagination cursor for the project list: the (created_at, id) of the last item of a page,
 * as opaque base64url JSON. Keyset rather than OFFSET: pages stay stable while rows are inserted or
 * deleted, and each page is one index range scan however deep the client pages.
 *
 * `createdAt` keeps PostgreSQL's microseconds (JS Dates have milliseconds only): rounding would make
 * rows created within the same millisecond be skipped or repeated at page boundaries.
 */
export interface ProjectCursor {
  /** UTC timestamp with exactly six fractional digits, e.g. `2025-01-02T03:04:05.123456Z`. */
  createdAt: string;
  id: string;
}

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Far above any real cursor (~80 characters): refuse big inputs before decoding them. */
const MAX_CURSOR_LENGTH = 200;

export function encodeCursor(cursor: ProjectCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

/** Null for anything that is not a cursor this server produced (callers answer 400). */
export function decodeCursor(raw: string): ProjectCursor | null {
  if (raw.length === 0 || raw.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(raw)) return null;
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
  // Round-trip check: Date.parse accepts 2025-02-30 (rolling over to March), PostgreSQL would not.
  const ms = Date.parse(createdAt);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 19) !== createdAt.slice(0, 19)) return null;
  return { createdAt, id };
}
