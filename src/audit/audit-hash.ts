import { createHash, createHmac } from 'node:crypto';

/**
 * How an audit row is sealed. Both versions are frozen: rows written under each stay verifiable forever
 * (the migration that introduced v2 re-sealed an intact v1 chain once).
 *
 * v1 hashed every column, personal data included, so erasing an IP or email broke the chain.
 * v2 hashes a *digest* of the personal fields instead of the fields: an HMAC keyed by a random per-row
 * nonce kept beside them. Erasure removes the fields and the nonce together; the digest and hash stay,
 * the chain still verifies, and without the nonce the digest cannot be matched against guessed IPs or
 * emails. While the nonce is there, editing a personal field breaks its digest; without it, a row can
 * only ever lose personal data, never have it changed.
 */
export interface SealedFields {
  seq: string;
  occurredAt: Date;
  type: string;
  userId: string | null;
  clientId: string | null;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  prevHash: string;
}

/** Keys of `details` that hold personal data: erased with the IP and user agent. */
export const PERSONAL_DETAIL_KEYS = ['email', 'new_email', 'old_email'] as const;

/** JSON with sorted keys: jsonb does not keep key order, the hash must not depend on it. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/** v1: every column but the hash itself, in a fixed order. */
export function hashV1(e: SealedFields): string {
  const canonical = JSON.stringify([
    e.seq,
    e.occurredAt.toISOString(),
    e.type,
    e.userId,
    e.clientId,
    e.ip,
    e.userAgent,
    canonicalJson(e.details),
    e.prevHash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The details split into what is sealed as is and what is personal. */
export function splitDetails(details: Record<string, unknown>): {
  plain: Record<string, unknown>;
  personal: Record<string, unknown>;
} {
  const plain: Record<string, unknown> = {};
  const personal: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if ((PERSONAL_DETAIL_KEYS as readonly string[]).includes(key)) personal[key] = value;
    else plain[key] = value;
  }
  return { plain, personal };
}

/** HMAC-SHA256 of the personal fields keyed by the row's nonce. */
export function personalDigest(e: SealedFields, nonce: string): string {
  const canonical = JSON.stringify([e.ip, e.userAgent, canonicalJson(splitDetails(e.details).personal)]);
  return createHmac('sha256', nonce).update(canonical).digest('hex');
}

/** v2: the columns without personal data, plus the personal data's digest. */
export function hashV2(e: SealedFields, piiDigest: string): string {
  const canonical = JSON.stringify([
    'v2',
    e.seq,
    e.occurredAt.toISOString(),
    e.type,
    e.userId,
    e.clientId,
    canonicalJson(splitDetails(e.details).plain),
    piiDigest,
    e.prevHash,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** Whether a row still holds any personal field. */
export function holdsPersonalData(e: SealedFields): boolean {
  return e.ip !== null || e.userAgent !== null || Object.keys(splitDetails(e.details).personal).length > 0;
}
