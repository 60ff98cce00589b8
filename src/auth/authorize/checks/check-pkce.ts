import { isValidPkceValue } from '../../../tokens/codes/pkce';
import { InvalidAuthorizationRequest } from '../../auth.errors';
import type { AuthorizationCheck } from '../authorization-request';

/**
 * RFC 7636 + RFC 9700 §2.1.1: S256 only; required for public clients, and for all clients when the
 * server runs the OAuth 2.1 profile (OAUTH_REQUIRE_PKCE).
 */
export const checkPkce: AuthorizationCheck = (ctx, { config }) => {
  const { code_challenge: challenge, code_challenge_method: method } = ctx.params;
  if (challenge !== undefined) {
    if (method !== 'S256') {
      throw new InvalidAuthorizationRequest(
        'invalid_request',
        'code_challenge_method must be S256 (plain is not supported)',
      );
    }
    if (!isValidPkceValue(challenge)) {
      throw new InvalidAuthorizationRequest(
        'invalid_request',
        'code_challenge must be 43-128 characters of [A-Za-z0-9-._~]',
      );
    }
    ctx.codeChallenge = challenge;
    return;
  }
  if (method !== undefined) {
    throw new InvalidAuthorizationRequest('invalid_request', 'code_challenge_method without code_challenge');
  }
  if (ctx.client!.type === 'public') {
    throw new InvalidAuthorizationRequest(
      'invalid_request',
      'PKCE is required: send code_challenge with code_challenge_method=S256',
    );
  }
  if (config.requirePkce) {
    throw new InvalidAuthorizationRequest(
      'invalid_request',
      'PKCE is required by this server: send code_challenge (S256)',
    );
  }
};
