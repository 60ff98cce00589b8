import { isKnownScope, parseScope } from '../../../tokens/scopes';
import { InvalidAuthorizationRequest } from '../../auth.errors';
import type { AuthorizationCheck } from '../authorization-request';

/** RFC 6749 §3.3: known scopes the client is registered for; none requested → the client's default. */
export const checkScope: AuthorizationCheck = (ctx) => {
  const client = ctx.client!;
  const requested = parseScope(ctx.params.scope);
  if (requested === undefined) throw new InvalidAuthorizationRequest('invalid_scope', 'scope is malformed');
  const unknown = requested.filter((s) => !isKnownScope(s));
  if (unknown.length) {
    throw new InvalidAuthorizationRequest(
      'invalid_scope',
      `unknown scope: ${unknown.join(' ').slice(0, 100)}`,
    );
  }
  const notAllowed = requested.filter((s) => !client.scopes.includes(s));
  if (notAllowed.length) {
    throw new InvalidAuthorizationRequest(
      'invalid_scope',
      `scope not allowed for this app: ${notAllowed.join(' ')}`,
    );
  }
  // No scope requested → the app's registered scopes (RFC 6749 §3.3 lets the server pick a default).
  const scopes = requested.length ? requested : client.scopes;
  if (scopes.length === 0) {
    throw new InvalidAuthorizationRequest(
      'invalid_scope',
      'no scope requested and the app has no default scope',
    );
  }
  ctx.scopes = scopes;
};
