import type { FastifyRequest } from 'fastify';
import type { Strategy } from 'passport';

/** The actions passport gives a strategy for one attempt (see passport's middleware/authenticate.js). */
interface StrategyAttempt {
  authenticate(request: unknown, options?: unknown): unknown;
  success(user: unknown, info?: unknown): void;
  fail(challenge?: unknown, status?: number): void;
  error(error: unknown): void;
  pass(): void;
  redirect(url: string, status?: number): void;
}

class UnexpectedStrategyOutcome extends Error {}

/** Strategies report errors they caught; anything that is not an Error is wrapped so the stack survives. */
function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Runs one passport strategy for one request with passport's own protocol: a per-attempt object derived
 * from the strategy whose success/fail/error end the attempt, exactly as `passport.authenticate()` builds
 * it. The middleware around it is left out on purpose: no passport sessions (`session: false` always), no
 * req.login/logout decoration, a promise instead of a callback — and one strategy per call, since the
 * guard has already chosen the credential from the request's headers.
 *
 * Resolves with the user the strategy accepted, or `false` when it failed (the caller picks the error);
 * rejects with what the strategy's `validate` threw.
 */
export function runStrategy<T>(
  strategy: Strategy,
  request: FastifyRequest,
  options?: object,
): Promise<T | false> {
  return new Promise<T | false>((resolve, reject) => {
    const attempt = Object.create(strategy) as StrategyAttempt;
    attempt.success = (user) => resolve(user as T);
    attempt.fail = () => resolve(false);
    attempt.error = (error) => reject(asError(error));
    // Neither applies to credentials checked per request; a strategy that asks for them is misconfigured.
    attempt.pass = () => reject(new UnexpectedStrategyOutcome(`strategy ${strategy.name ?? ''} passed`));
    attempt.redirect = () =>
      reject(new UnexpectedStrategyOutcome(`strategy ${strategy.name ?? ''} redirected`));
    try {
      attempt.authenticate(request, options ?? {});
    } catch (error) {
      reject(asError(error));
    }
  });
}
