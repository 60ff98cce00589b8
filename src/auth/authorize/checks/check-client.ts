import { AuthorizationPageError } from '../../auth.errors';
import type { AuthorizationCheck } from '../authorization-request';

/**
 * The request names a registered, active client. RFC 6749 §4.1.2.1: without one, nothing can be trusted
 * yet, so the error is a page, never a redirect.
 */
export const checkClient: AuthorizationCheck = async (ctx, { clients }) => {
  const clientId = ctx.params.client_id;
  if (!clientId) {
    throw new AuthorizationPageError(
      'invalid_request',
      'The request does not name an app (client_id is missing).',
    );
  }
  const client = await clients.findActive(clientId);
  if (!client) {
    throw new AuthorizationPageError('invalid_client', 'The app that sent you here is not registered.');
  }
  ctx.client = client;
};
