import type { RateLimiter } from '../../platform/rate-limit/rate-limiter.service';

/** One account key for "Alice@Example.com " and "alice@example.com". */
export function accountKey(email: string): string {
  return email.trim().toLowerCase();
}

export interface SignInOutcome<T> {
  /** The user when the credentials matched and the account was not waiting out a delay. */
  user: T | null;
  /** Refused because of the delay (the credentials were checked anyway and ignored). */
  locked: boolean;
  /** Failures counted for this email so far. */
  failures: number;
}

/**
 * Account lockout: after LOGIN_LOCKOUT_THRESHOLD failed sign-ins for one email, each further
 * attempt must wait 1 s, 2 s, 4 s, ... (capped at LOGIN_LOCKOUT_MAX_DELAY) before it is even checked.
 *
 * - Keyed by the lowercased email whether or not an account has it, and a refused attempt still runs the
 *   full credential check (one argon2 verification) and gets the same 401 page: status, body and timing
 *   say nothing about whether the account exists or is locked (OWASP Authentication Cheat Sheet).
 * - The attempt is counted as a failure atomically *before* the password is checked and forgotten on
 *   success, so a parallel burst cannot run more than THRESHOLD checks before the first delay.
 * - State lives in the rate-limit storage (Redis when configured, so all instances agree).
 */
export class LoginThrottle {
  constructor(private readonly limiter: RateLimiter) {}

  /**
   * `keepCount`: the right password is only half a sign-in for a user with a second factor; the count
   * stays until the factor is proven too, so alternating a right password with guessed codes never resets it.
   */
  async signIn<T>(
    email: string,
    verify: () => Promise<T | null>,
    keepCount?: (user: T) => Promise<boolean>,
  ): Promise<SignInOutcome<T>> {
    if (this.limiter.lockoutPolicy.threshold === 0) {
      return { user: await verify(), locked: false, failures: 0 };
    }
    const key = accountKey(email);
    const gate = await this.limiter.lockoutAttempt(key);
    // Always verify: a locked attempt must cost what a checked one costs.
    const user = await verify();
    if (!gate.allowed) return { user: null, locked: true, failures: gate.failures };
    if (user && !(await keepCount?.(user))) await this.limiter.lockoutClear(key);
    return { user, locked: false, failures: user ? 0 : gate.failures };
  }
}
