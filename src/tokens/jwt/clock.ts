/**
 * Where "now" comes from for everything time-based in token handling: key lifecycle, token `iat`/`exp`,
 * verification and revocation expiry. Injected (token CLOCK) so tests can simulate days passing without
 * waiting and without monkey-patching Date.
 */
export interface Clock {
  now(): Date;
}

export const CLOCK = Symbol('CLOCK');

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to: for tests and the admin CLI's dry runs. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date = new Date()) {
    this.current = start.getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(at: Date): void {
    this.current = at.getTime();
  }

  advance(seconds: number): Date {
    this.current += seconds * 1000;
    return this.now();
  }
}
