import { ApiError } from '../../../platform/errors/api-error';
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
  let client;
  try {
    client = await clients.findActive(clientId);
  } catch (error) {
    // A Client ID Metadata Document that was refused: say why, on a page (nothing is trusted yet).
    if (error instanceof ApiError) throw new AuthorizationPageError('invalid_client', error.description);
    throw error;
  }
  if (!client) {
    throw new AuthorizationPageError('invalid_client', 'The app that sent you here is not registered.');
  }
  ctx.client = client;
};
