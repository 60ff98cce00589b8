import { JWT_ALGORITHM } from './jwt.constants';

/**
 * Longest access token we look at. Ours are ~600 characters; anything beyond this is refused before any
 * base64 or JSON work, so a huge header cannot cost us CPU (RFC 8725 §3.1 spirit: validate cheaply first).
 */
export const MAX_TOKEN_LENGTH = 4096;

/** RFC 7515 §7.1 compact serialization: three base64url (RFC 7515 §2, no padding) parts. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/**
 * Header parameters that point the verifier at a key or change how it must process the token. We only
 * ever verify with our own keys from our own JWKS, so a token that names a key location (jku, x5u), embeds
 * a key (jwk, x5c) or demands extensions we do not implement (crit, RFC 7515 §4.1.11) is refused outright —
 * RFC 8725 §3.10: never fetch keys named by an untrusted token.
 */
const FORBIDDEN_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'crit'] as const;

/** RFC 9068 §4: typ must be "at+jwt" or "application/at+jwt"; media types compare case-insensitively. */
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt']);

interface AcceptedHeader {
  kid: string;
}

/**
 * Strict pre-check of an access token's JOSE header, before any signature work: returns the `kid` to
 * verify with, or undefined when the token must be refused. Pure and total — it never throws.
 */
export function acceptAccessTokenHeader(token: string): AcceptedHeader | undefined {
  if (token.length > MAX_TOKEN_LENGTH || !COMPACT_JWS.test(token)) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
  const fields = header as Record<string, unknown>;
  // RFC 8725 §3.1: the algorithm is ours to pin. Exact match, so "none", "NONE", "es256" and HS256 all fail.
  if (fields.alg !== JWT_ALGORITHM) return undefined;
  if (typeof fields.typ !== 'string' || !ACCESS_TOKEN_TYPES.has(fields.typ.toLowerCase())) return undefined;
  if (FORBIDDEN_HEADERS.some((name) => Object.prototype.hasOwnProperty.call(fields, name))) return undefined;
  if (typeof fields.kid !== 'string' || fields.kid.length === 0 || fields.kid.length > 64) return undefined;
  return { kid: fields.kid };
}
