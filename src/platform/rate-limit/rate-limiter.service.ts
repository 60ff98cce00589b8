import { createHmac } from 'node:crypto';

import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

import { APP_CONFIG, type AppConfig, type RateLimit } from '../../config/app-config';
import { TooManyRequests } from '../errors/api-error';
import { countRateLimitRejection } from '../metrics/metrics';
import {
  type LockoutGate,
  type LockoutPolicy,
  RATE_LIMIT_STORE,
  type RateLimitStore,
  seconds,
} from './rate-limit-store';

/** The limits, one bucket per rule × identifier (see `.env.example`). */
export type RateRule =
  | 'login_ip'
  | 'login_account'
  | 'signup_ip'
  | 'client'
  | 'client_auth_failures_ip'
  | 'api'
  | 'api_auth_failures_ip'
  | 'password_reset_ip'
  | 'password_reset_account'
  | 'registration_ip'
  | 'device_user_code_ip'
  | 'device_user_code';

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
  /** Seconds to wait before retrying (0 when allowed). */
  retryAfterSeconds: number;
}

/**
 * The high-volume limits: every resource API request and every token endpoint request counts in one. They
 * are counted per instance and synchronised in batches (no Redis round trip per request, a bounded
 * overshoot across instances: see BatchedCounters). Every other limit guards against guessing (passwords,
 * user codes, client secrets) or abuse of rare actions, and is counted exactly, one atomic step each.
 */
const BATCHED_RULES: ReadonlySet<RateRule> = new Set<RateRule>(['api', 'client']);

const UNLIMITED: RateDecision = Object.freeze({
  allowed: true,
  limit: 0,
  remaining: 0,
  resetSeconds: 0,
  retryAfterSeconds: 0,
});

/** The local block cache is only a shortcut; past this size expired entries are swept. */
const BLOCK_CACHE_SWEEP_SIZE = 10_000;
/** HMAC costs ~2-3 µs: the resource API's few hot credentials are hashed once, not per request. */
const DIGEST_CACHE_SIZE = 10_000;
const DIGEST_CACHE_MAX_ID = 256;

/**
 * The per-IP bucket of an address: IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64 — one host
 * usually holds a whole /64, and per-address buckets would give it 2^64 of them.
 */
export function ipBucket(ip: string): string {
  const address = ip.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return mapped[1];
  if (!address.includes(':')) return address;
  const [head, tail] = address.split('::', 2);
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/** Every refusal is counted by its limit's name (a closed set: never the bucket's key). */
function rejected(rule: RateRule, decision: RateDecision): RateDecision {
  countRateLimitRejection(rule);
  return decision;
}

/**
 * Counts requests against the configured limits in the shared storage (Redis or memory).
 *
 * Identifiers (IPs, lowercased emails, client ids, credential subjects) are HMAC'd with the server pepper
 * before they become keys: the counters never hold an email or an IP in clear. A bucket this instance saw
 * blocked is remembered locally until its window ends, so further requests are refused without a storage
 * round trip — and checks *before* authentication (`blocked`) cost a Map lookup. With several instances a
 * bucket another instance blocked is learned on this instance's next counted hit (at most one extra); for
 * the batched limits (`BATCHED_RULES`), on its next synchronisation.
 */
@Injectable()
export class RateLimiter {
  private readonly rules: Record<RateRule, RateLimit>;
  private readonly pepper: Buffer;
  private readonly blockedUntil = new Map<string, number>();
  private readonly digests = new Map<string, string>();
  readonly lockoutPolicy: LockoutPolicy;

  constructor(
    @Inject(RATE_LIMIT_STORE) private readonly store: RateLimitStore,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    const r = config.rateLimits;
    this.rules = {
      login_ip: r.loginIp,
      login_account: r.loginAccount,
      signup_ip: r.signupIp,
      client: r.client,
      client_auth_failures_ip: r.clientAuthFailureIp,
      api: r.api,
      api_auth_failures_ip: r.apiAuthFailureIp,
      password_reset_ip: r.passwordResetIp,
      password_reset_account: r.passwordResetAccount,
      registration_ip: r.registrationIp,
      device_user_code_ip: r.deviceUserCodeIp,
      device_user_code: r.deviceUserCode,
    };
    this.pepper = config.secrets.pepper;
    const l = config.loginLockout;
    this.lockoutPolicy = {
      threshold: l.threshold,
      baseDelayMs: l.baseDelaySeconds * 1000,
      maxDelayMs: l.maxDelaySeconds * 1000,
      windowMs: l.windowSeconds * 1000,
    };
  }

  enabled(rule: RateRule): boolean {
    return this.rules[rule].limit > 0;
  }

  /** Counts `cost` hits (default 1) for `id` under `rule`; `allowed` is false once the limit is passed. */
  async hit(rule: RateRule, id: string, cost = 1): Promise<RateDecision> {
    const { limit, windowSeconds } = this.rules[rule];
    if (limit === 0) return UNLIMITED;
    const digest = this.digestFor(rule, id);
    const key = `${rule}:${digest}`;
    const cached = this.cachedBlock(key, limit);
    if (cached) return rejected(rule, cached);
    const record =
      BATCHED_RULES.has(rule) && this.store.incrementBatched
        ? await this.store.incrementBatched(digest, windowSeconds * 1000, limit, rule, cost)
        : await this.store.increment(digest, windowSeconds * 1000, limit, 0, rule, cost);
    if (!record.isBlocked) {
      // The last hit the window allows: later ones are refused without a round trip until it resets
      // (and checks before the work, like `blocked('…_failures_ip')`, see the limit as reached).
      if (record.totalHits >= limit) this.remember(key, Date.now() + record.timeToExpire * 1000);
      return {
        allowed: true,
        limit,
        remaining: Math.max(0, limit - record.totalHits),
        resetSeconds: record.timeToExpire,
        retryAfterSeconds: 0,
      };
    }
    const retryAfterSeconds = Math.max(1, record.timeToBlockExpire);
    this.remember(key, Date.now() + retryAfterSeconds * 1000);
    return rejected(rule, {
      allowed: false,
      limit,
      remaining: 0,
      resetSeconds: retryAfterSeconds,
      retryAfterSeconds,
    });
  }

  /**
   * Gives one hit back (a sign-in that succeeded): the sign-in limits then count attempts that failed
   * — or are still being checked, which is what stops a parallel burst — not people who signed in.
   */
  async refund(rule: RateRule, id: string): Promise<void> {
    const { limit, windowSeconds } = this.rules[rule];
    if (limit === 0) return;
    const digest = this.digestFor(rule, id);
    this.blockedUntil.delete(`${rule}:${digest}`);
    await this.store.increment(digest, windowSeconds * 1000, limit, 0, rule, -1);
  }

  /** A block this instance already knows of, without counting or a round trip (checks before the work). */
  blocked(rule: RateRule, id: string): RateDecision | undefined {
    const { limit } = this.rules[rule];
    if (limit === 0 || this.blockedUntil.size === 0) return undefined;
    const cached = this.cachedBlock(`${rule}:${this.digestFor(rule, id)}`, limit);
    return cached && rejected(rule, cached);
  }

  /** The sign-in lockout gate for a (lowercased) email: see LoginThrottle. */
  lockoutAttempt(email: string): Promise<LockoutGate> {
    return this.store.lockoutAttempt(this.digest(`lockout:${email}`), this.lockoutPolicy);
  }

  lockoutClear(email: string): Promise<void> {
    return this.store.lockoutClear(this.digest(`lockout:${email}`));
  }

  /** Retry-After and the IETF draft's RateLimit-* fields (draft-ietf-httpapi-ratelimit-headers). */
  headers(decision: RateDecision): Record<string, string> {
    const fields: Record<string, string> = {
      'RateLimit-Limit': String(decision.limit),
      'RateLimit-Remaining': String(decision.remaining),
      'RateLimit-Reset': String(decision.resetSeconds),
    };
    if (!decision.allowed) fields['Retry-After'] = String(decision.retryAfterSeconds);
    return fields;
  }

  /** Puts the RateLimit-* fields on a response that went through (no-op for a limit that is off). */
  annotate(reply: FastifyReply, decision: RateDecision): void {
    if (decision.limit === 0) return;
    reply.header('RateLimit-Limit', decision.limit);
    reply.header('RateLimit-Remaining', decision.remaining);
    reply.header('RateLimit-Reset', decision.resetSeconds);
  }

  tooMany(decision: RateDecision, description?: string): TooManyRequests {
    return new TooManyRequests(
      this.headers(decision),
      description ?? `rate limit exceeded: retry after ${decision.retryAfterSeconds} s`,
    );
  }

  private digestFor(rule: RateRule, id: string): string {
    return this.digest(rule.endsWith('_ip') ? ipBucket(id) : id);
  }

  private digest(id: string): string {
    const cached = this.digests.get(id);
    if (cached !== undefined) return cached;
    const digest = createHmac('sha256', this.pepper).update(id).digest('base64url').slice(0, 22);
    if (id.length <= DIGEST_CACHE_MAX_ID) {
      if (this.digests.size >= DIGEST_CACHE_SIZE) this.digests.clear();
      this.digests.set(id, digest);
    }
    return digest;
  }

  private cachedBlock(key: string, limit: number): RateDecision | undefined {
    const until = this.blockedUntil.get(key);
    if (until === undefined) return undefined;
    const left = until - Date.now();
    if (left <= 0) {
      this.blockedUntil.delete(key);
      return undefined;
    }
    const retryAfterSeconds = seconds(left);
    return { allowed: false, limit, remaining: 0, resetSeconds: retryAfterSeconds, retryAfterSeconds };
  }

  private remember(key: string, until: number): void {
    if (this.blockedUntil.size >= BLOCK_CACHE_SWEEP_SIZE) {
      const now = Date.now();
      for (const [k, t] of this.blockedUntil) if (t <= now) this.blockedUntil.delete(k);
      if (this.blockedUntil.size >= BLOCK_CACHE_SWEEP_SIZE) this.blockedUntil.clear();
    }
    this.blockedUntil.set(key, until);
  }
}
