import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

import { SessionsService } from '../../sessions/sessions.service';
import { isMultiFactor } from '../../tokens/oidc/auth-context';
import { SecondFactors } from './second-factors.service';

/**
 * How long a proven second factor counts as recent for actions that change security settings (NIST SP
 * 800-63B §7.2 re-authentication): long enough for one sitting, short enough that a borrowed, unlocked
 * browser cannot turn the factor off later.
 */
export const RECENT_FACTOR_SECONDS = 10 * 60;

/** The step-up page, returning to `path` once a factor is proven. */
export function stepUpPath(path: string): string {
  return `/auth/mfa?return_to=${encodeURIComponent(path)}`;
}

/**
 * Whether this browser's session proved a second factor recently enough for a sensitive action. A user
 * without any second factor has none to prove (their password, asked by the action itself, is the check).
 */
@Injectable()
export class RecentFactor {
  constructor(
    private readonly sessions: SessionsService,
    private readonly factors: SecondFactors,
  ) {}

  async satisfied(request: FastifyRequest, userId: string): Promise<boolean> {
    if (!(await this.factors.hasSecondFactor(userId))) return true;
    const session = await this.sessions.current(request);
    if (!session || session.userId !== userId || !isMultiFactor(session.amr)) return false;
    return Date.now() - session.authTime.getTime() <= RECENT_FACTOR_SECONDS * 1000;
  }
}
