/** Periods of the background work in this module; a provider (JWT_TIMINGS) so tests can shorten them. */
export interface JwtTimings {
  /** Every instance re-runs rotateIfDue and reloads its key cache this often, so all converge. */
  keyRefreshMs: number;
  /** Safety net for missed change-feed messages: re-read recent revocations from the database. */
  revocationPollMs: number;
}

export const DEFAULT_JWT_TIMINGS: JwtTimings = { keyRefreshMs: 60_000, revocationPollMs: 30_000 };

export const JWT_TIMINGS = Symbol('JWT_TIMINGS');

/** Redis pub/sub channels shared by every instance (design: "revocation and cache-invalidation pub/sub"). */
export const REVOCATIONS_CHANNEL = 'iiniit:revocations';
export const SIGNING_KEYS_CHANNEL = 'iiniit:signing-keys';

/**
 * Key of the PostgreSQL transaction-level advisory lock that serialises signing-key lifecycle changes
 * across instances ('iiss' in ASCII). Any other advisory lock in the product must use another number.
 */
export const SIGNING_KEYS_LOCK = 0x69697373;

/** The only JWS algorithm we issue or accept (RFC 8725 §3.1: pin the algorithm, never trust the header). */
export const JWT_ALGORITHM = 'ES256';
