import { Injectable } from '@nestjs/common';

import { randomToken } from '../platform/crypto/crypto.service';

/** A secret the console shows exactly once, on the page a form post redirects to. */
export type OneTimeSecret =
  | { kind: 'client_secret'; appId: string; secret: string }
  | {
      kind: 'api_key';
      keyId: string;
      secret: string;
      /** After a roll: when the replaced key stops working, and its visible prefix. */
      previousKeyExpiresAt?: Date;
      previousPrefix?: string;
    };

interface Entry {
  secret: OneTimeSecret;
  expiresAt: number;
}

/** Long enough to follow a redirect on a slow connection, short enough that a forgotten secret dies soon. */
export const ONE_TIME_SECRET_TTL_MS = 5 * 60_000;
export const ONE_TIME_SECRET_LIMIT = 10_000;
const FLASH_ID = /^[A-Za-z0-9_-]{16,64}$/;

/**
 * Post/Redirect/Get for secrets: a POST must answer 303 (no resubmit on reload), but the secret it
 * minted exists only in memory at that moment. It waits here, keyed by the session (another browser
 * cannot read it) and an unguessable id, and is deleted the first time it is read or after five minutes.
 * The id travels in the redirect URL; the secret never does.
 *
 * In memory on purpose: a secret never touches the database or a cookie in clear. With several instances
 * behind a load balancer the redirect may land on another instance; the page then says the secret is no
 * longer available and offers to rotate or roll (sticky sessions, or a Redis store later, avoid that).
 */
@Injectable()
export class OneTimeSecrets {
  private readonly entries = new Map<string, Entry>();

  put(sessionIdHash: string, secret: OneTimeSecret): string {
    const now = Date.now();
    this.sweep(now);
    const id = randomToken(16);
    this.entries.set(`${sessionIdHash}:${id}`, { secret, expiresAt: now + ONE_TIME_SECRET_TTL_MS });
    return id;
  }

  /** The secret, once: the entry is deleted whether or not it is still fresh. */
  take(sessionIdHash: string, id: string | undefined): OneTimeSecret | undefined {
    if (id === undefined || !FLASH_ID.test(id)) return undefined;
    const key = `${sessionIdHash}:${id}`;
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    return entry.expiresAt > Date.now() ? entry.secret : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    // A flood of posts: drop the oldest (Map keeps insertion order) rather than grow without bound.
    for (const key of this.entries.keys()) {
      if (this.entries.size < ONE_TIME_SECRET_LIMIT) break;
      this.entries.delete(key);
    }
  }
}
