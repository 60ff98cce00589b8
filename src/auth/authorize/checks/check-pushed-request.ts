import { InvalidAuthorizationRequest } from '../../auth.errors';
import type { AuthorizationCheck } from '../authorization-request';

/** RFC 9126 §6: a client registered as PAR-required may only send its requests by `request_uri`. */
export const checkPushedRequest: AuthorizationCheck = (ctx) => {
  if (ctx.client!.requirePar && !ctx.pushed) {
    throw new InvalidAuthorizationRequest(
      'invalid_request',
      'this app must push its authorization requests (PAR) and send request_uri',
    );
  }
};
