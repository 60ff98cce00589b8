import { AuthorizationPageError } from '../../auth.errors';
import type { AuthorizationCheck } from '../authorization-request';

/**
 * The redirect URI is one the client registered. RFC 6749 §4.1.2.1: an unregistered one is shown as a
 * page and never redirected to (an open redirector would hand codes and errors to an attacker).
 */
export const checkRedirectUri: AuthorizationCheck = (ctx) => {
  const client = ctx.client!;
  const sent = ctx.params.redirect_uri;
  if (sent !== undefined) {
    // RFC 9700 §4.1.3: exact string comparison, no normalisation, no prefix or pattern matching.
    if (!client.redirectUris.includes(sent)) {
      throw new AuthorizationPageError(
        'invalid_request',
        'The redirect address is not registered for this app.',
      );
    }
    ctx.redirectUri = sent;
    return;
  }
  // RFC 6749 §3.1.2.3: redirect_uri may be omitted only when exactly one is registered.
  if (client.redirectUris.length !== 1) {
    throw new AuthorizationPageError(
      'invalid_request',
      'The request must say where to return (redirect_uri is missing).',
    );
  }
  ctx.redirectUri = client.redirectUris[0];
};
