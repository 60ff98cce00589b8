import { createHmac, timingSafeEqual } from 'node:crypto';

import { Inject, Injectable, Optional } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { DpopChallenge, InvalidDpopProof, UseDpopNonce } from '../../platform/errors/oauth-errors';
import { MemoryRateLimitStore } from '../../platform/rate-limit/memory-store';
import { RATE_LIMIT_STORE, type RateLimitStore } from '../../platform/rate-limit/rate-limit-store';
import { CLOCK, type Clock } from '../jwt/clock';
import { DpopProofError, type VerifiedDpopProof, verifyDpopProof } from './dpop-proof';

/** RFC 9449 §11.1: a little clock skew between a client and us is tolerated for `iat`. */
const FUTURE_SKEW_SECONDS = 5;
/** Server nonces change every this many seconds; the current and the previous one are accepted. */
const NONCE_WINDOW_SECONDS = 300;
/** The rate-limit store's namespace for seen proof ids. */
const REPLAY_BUCKET = 'dpop_jti';

/** Where a proof is checked: the errors differ (RFC 9449 §5: 400 JSON; §7.1: 401 with a DPoP challenge). */
type Endpoint = 'token' | 'resource';

/**
 * RFC 9449 proof checking with the state the pure verifier lacks: the request's method and URI, the
 * replay cache of `jti`s (the rate-limit store: Redis when configured, so every instance sees every proof;
 * this process's memory otherwise) and stateless server nonces (an HMAC of the time window under the
 * server's pepper, so any instance can check a nonce another issued).
 */
@Injectable()
export class DpopService {
  private readonly nonceKey: Buffer;
  private readonly store: RateLimitStore;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    // Absent only in contexts without the HTTP stack (the operator CLI), which verify no proofs.
    @Optional() @Inject(RATE_LIMIT_STORE) store?: RateLimitStore,
  ) {
    this.store = store ?? new MemoryRateLimitStore();
    this.nonceKey = createHmac('sha256', config.secrets.pepper).update('dpop-nonce').digest();
  }

  /** The `DPoP` header, or undefined when absent; more than one is refused (RFC 9449 §4.3 (1)). */
  proofOf(request: FastifyRequest, endpoint: Endpoint): string | undefined {
    const value = request.headers.dpop;
    if (value === undefined) return undefined;
    if (typeof value !== 'string') throw this.invalid(endpoint, 'send exactly one DPoP header');
    return value;
  }

  /** The server nonce of now: sent in a `DPoP-Nonce` header whenever nonces are required. */
  nonce(): string {
    return this.nonceFor(Math.floor(this.now() / NONCE_WINDOW_SECONDS));
  }

  /** RFC 9449 §8.2: a fresh nonce rides on successful responses too, so clients keep theirs current. */
  offerNonce(reply: FastifyReply): void {
    if (this.config.dpop.requireNonce) void reply.header('DPoP-Nonce', this.nonce());
  }

  /**
   * RFC 9449 §4.3: verifies `proof` for this request (and `accessToken`'s `ath` at a resource), then
   * records its jti; a second use of a proof is refused. Returns the proof's key thumbprint.
   */
  async verify(
    request: FastifyRequest,
    proof: string,
    endpoint: Endpoint,
    accessToken?: string,
  ): Promise<VerifiedDpopProof> {
    const now = this.now();
    let verified: VerifiedDpopProof;
    try {
      verified = verifyDpopProof(proof, {
        htm: request.method,
        htu: this.requestUri(request),
        now,
        maxAge: this.config.dpop.proofMaxAge,
        futureSkew: FUTURE_SKEW_SECONDS,
        accessToken,
      });
    } catch (error) {
      if (error instanceof DpopProofError) throw this.invalid(endpoint, error.message);
      throw error;
    }
    if (this.config.dpop.requireNonce && !this.nonceValid(verified.nonce, now)) {
      throw new UseDpopNonce(this.nonce(), endpoint === 'token' ? 400 : 401);
    }
    // §11.1: a proof is single use within its acceptance window (iat ± window), keyed by key and jti.
    const windowMs = (this.config.dpop.proofMaxAge + FUTURE_SKEW_SECONDS) * 1000;
    const record = await this.store.increment(
      `${verified.jkt}:${verified.jti}`,
      windowMs,
      1,
      0,
      REPLAY_BUCKET,
    );
    if (record.totalHits > 1) throw this.invalid(endpoint, 'the DPoP proof was already used');
    return verified;
  }

  /** §4.3 (9): our own URI for the request — the issuer's origin (as clients see it) and the path. */
  private requestUri(request: FastifyRequest): string {
    const path = request.url.split('?')[0];
    return `${this.config.issuer}${path}`;
  }

  private invalid(endpoint: Endpoint, description: string): Error {
    return endpoint === 'token'
      ? new InvalidDpopProof(description)
      : new DpopChallenge('invalid_dpop_proof', description);
  }

  private nonceValid(nonce: string | undefined, now: number): boolean {
    if (nonce === undefined) return false;
    const window = Math.floor(now / NONCE_WINDOW_SECONDS);
    const given = Buffer.from(nonce);
    return [window, window - 1].some((w) => {
      const expected = Buffer.from(this.nonceFor(w));
      return expected.length === given.length && timingSafeEqual(expected, given);
    });
  }

  private nonceFor(window: number): string {
    return createHmac('sha256', this.nonceKey).update(String(window)).digest('base64url').slice(0, 32);
  }

  private now(): number {
    return Math.floor(this.clock.now().getTime() / 1000);
  }
}
