import type { FastifyRequest } from 'fastify';

import { UPSTREAM_TIMEOUT_MS, UpstreamUnavailable } from './upstream-http';
import type { UpstreamAttempt, UpstreamProfile, UpstreamStrategy } from './upstream-strategy';

export type UpstreamOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'success'; profile: UpstreamProfile }
  /** passport-oauth2 fails on `access_denied` from the provider and on a state that does not verify. */
  | { kind: 'fail'; info: unknown }
  | { kind: 'error'; error: unknown };

/**
 * Runs one passport-oauth2 step (the redirect to the provider, or the callback) outside passport's
 * middleware: the strategy's success/fail/redirect/error actions settle a promise. The whole step —
 * token request, key set, userinfo — is bounded by UPSTREAM_TIMEOUT_MS.
 */
export function runUpstream(
  strategy: UpstreamStrategy,
  req: FastifyRequest,
  attempt?: UpstreamAttempt,
): Promise<UpstreamOutcome> {
  return new Promise<UpstreamOutcome>((resolve) => {
    const timer = setTimeout(
      () => resolve({ kind: 'error', error: new UpstreamUnavailable('sign-in (timed out)') }),
      UPSTREAM_TIMEOUT_MS,
    );
    const settle = (outcome: UpstreamOutcome) => {
      clearTimeout(timer);
      resolve(outcome);
    };
    const step = Object.assign(Object.create(strategy) as UpstreamStrategy, {
      redirect: (location: string) => settle({ kind: 'redirect', location }),
      success: (profile: UpstreamProfile) => settle({ kind: 'success', profile }),
      fail: (info: unknown) => settle({ kind: 'fail', info }),
      error: (error: unknown) => settle({ kind: 'error', error }),
      pass: () => settle({ kind: 'error', error: new Error('the strategy passed') }),
    });
    try {
      step.authenticate(req as never, attempt ? { state: attempt } : {});
    } catch (error) {
      settle({ kind: 'error', error });
    }
  });
}
