import { Inject, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { InvalidClient } from '../errors/oauth-errors';
import { basicCredentials } from '../http/basic-credentials';
import { RateLimiter } from './rate-limiter.service';

/**
 * The client_id a request presents, before it is authenticated: from HTTP Basic (RFC 6749 §2.3.1,
 * form-encoded before base64) or the body. Only a rate-limit key — ClientStrategy decides who it is.
 */
export function presentedClientId(
  request: FastifyRequest,
  params: Record<string, string>,
): string | undefined {
  const basic = basicCredentials(request);
  if (basic === null) return undefined;
  if (basic) return basic.id;
  return params.client_id;
}

/**
 * Limits at the token, introspection and revocation endpoints: every request counts once against its
 * client_id; a failed client authentication counts `RATE_LIMIT_CLIENT_FAILURE_WEIGHT` times there and
 * once against the caller's IP (guessing secrets for many client ids from one address).
 */
@Injectable()
export class ClientRateLimits {
  private readonly failureWeight: number;

  constructor(
    private readonly limiter: RateLimiter,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.failureWeight = config.rateLimits.clientFailureWeight;
  }

  /** Before client authentication; throws TooManyRequests (429) over a limit. */
  async admit(request: FastifyRequest, reply: FastifyReply, params: Record<string, string>): Promise<void> {
    const failures = this.limiter.blocked('client_auth_failures_ip', request.ip);
    if (failures) {
      throw this.limiter.tooMany(failures, 'too many failed client authentications from this address');
    }
    const clientId = presentedClientId(request, params);
    if (clientId === undefined) return;
    const decision = await this.limiter.hit('client', clientId);
    if (!decision.allowed) throw this.limiter.tooMany(decision);
    this.limiter.annotate(reply, decision);
  }

  /** Runs client authentication; an `invalid_client` outcome is counted harder, then rethrown. */
  async authenticate<T>(
    request: FastifyRequest,
    params: Record<string, string>,
    authenticate: () => Promise<T>,
  ): Promise<T> {
    try {
      return await authenticate();
    } catch (error) {
      if (error instanceof InvalidClient) await this.failed(request, params);
      throw error;
    }
  }

  private async failed(request: FastifyRequest, params: Record<string, string>): Promise<void> {
    const clientId = presentedClientId(request, params);
    await Promise.all([
      this.limiter.hit('client_auth_failures_ip', request.ip),
      // The request itself already counted once in admit().
      clientId !== undefined && this.failureWeight > 1
        ? this.limiter.hit('client', clientId, this.failureWeight - 1)
        : undefined,
    ]);
  }
}
