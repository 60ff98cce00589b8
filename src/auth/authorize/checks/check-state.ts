import { InvalidAuthorizationRequest } from '../../auth.errors';
import type { AuthorizationCheck } from '../authorization-request';

/** Echoed back exactly; longer is refused so nothing is ever truncated silently. */
export const MAX_STATE_LENGTH = 2048;

/**
 * RFC 6749 §4.1.2: `state` comes back exactly as received, on success and on error. Checked first among
 * the redirected errors so that the ones after it can carry it; an oversized state is not echoed.
 */
export const checkState: AuthorizationCheck = (ctx) => {
  const state = ctx.params.state;
  if (state !== undefined && state.length > MAX_STATE_LENGTH) {
    throw new InvalidAuthorizationRequest(
      'invalid_request',
      `state must be at most ${MAX_STATE_LENGTH} characters`,
    );
  }
  ctx.state = state;
};
