import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Principal } from '../auth/principal';
import { RateLimiter } from './rate-limiter.service';

/**
 * Limits on the resource API, applied by the global AuthGuard: per credential once it authenticated
 * (a user × app for OAuth tokens, the client for client_credentials, the key for API keys, the user for
 * the console session), per IP for requests whose credential is missing or invalid.
 */
@Injectable()
export class ApiRateLimits {
  constructor(private readonly limiter: RateLimiter) {}

  /** Before authenticating: an address that sent too many bad credentials waits (no storage round trip). */
  checkFailures(request: FastifyRequest): void {
    const blocked = this.limiter.blocked('api_auth_failures_ip', request.ip);
    if (blocked) {
      throw this.limiter.tooMany(blocked, 'too many requests with invalid credentials from this address');
    }
  }

  /** A missing or rejected credential. */
  async failed(request: FastifyRequest): Promise<void> {
    await this.limiter.hit('api_auth_failures_ip', request.ip);
  }

  /** After authentication succeeded: one counter operation per request. */
  async admit(principal: Principal, reply: FastifyReply): Promise<void> {
    const decision = await this.limiter.hit(
      'api',
      `${principal.kind}:${principal.subject}:${principal.clientId ?? principal.via}`,
    );
    if (!decision.allowed) throw this.limiter.tooMany(decision);
    this.limiter.annotate(reply, decision);
  }
}
