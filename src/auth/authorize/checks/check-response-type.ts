import { InvalidAuthorizationRequest } from '../../auth.errors';
import type { AuthorizationCheck } from '../authorization-request';

/** RFC 6749 §4.1.1: response_type=code only, for a client registered for the authorization code grant. */
export const checkResponseType: AuthorizationCheck = (ctx) => {
  const responseType = ctx.params.response_type;
  if (!responseType) throw new InvalidAuthorizationRequest('invalid_request', 'response_type is required');
  if (responseType !== 'code') {
    throw new InvalidAuthorizationRequest(
      'unsupported_response_type',
      'only response_type=code is supported',
    );
  }
  // RFC 6749 §4.1.2.1 unauthorized_client: the client may not use this response type.
  if (!ctx.client!.grantTypes.includes('authorization_code')) {
    throw new InvalidAuthorizationRequest(
      'unauthorized_client',
      'this app may not use the authorization code flow',
    );
  }
};
