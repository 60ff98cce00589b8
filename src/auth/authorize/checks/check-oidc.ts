import { InvalidAuthorizationRequest } from '../../auth.errors';
import type { AuthorizationCheck } from '../authorization-request';
import { checkOidcParameters, isOidcRequestError } from '../oidc-request';

/**
 * OpenID Connect Core §3.1.2.1–§3.1.2.2: nonce, prompt, max_age and the hints are well-formed; request
 * objects (`request`, `request_uri`) and the `claims` parameter are refused with their own errors (§3.1.2.6).
 */
export const checkOidc: AuthorizationCheck = (ctx) => {
  const oidc = checkOidcParameters(ctx.params, ctx.scopes!);
  if (isOidcRequestError(oidc)) throw new InvalidAuthorizationRequest(oidc.error, oidc.description);
  ctx.oidc = oidc;
};
