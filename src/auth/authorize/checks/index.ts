import type { AuthorizationCheck } from '../authorization-request';
import { checkClient } from './check-client';
import { checkOidc } from './check-oidc';
import { checkPkce } from './check-pkce';
import { checkRedirectUri } from './check-redirect-uri';
import { checkResponseType } from './check-response-type';
import { checkScope } from './check-scope';
import { checkState } from './check-state';

/**
 * The order RFC 6749 §4.1.2.1 requires: client and redirect_uri first (their errors are pages), then
 * state (so later errors can echo it), then everything else (errors redirected to the trusted URI).
 */
export const AUTHORIZATION_CHECKS: readonly AuthorizationCheck[] = [
  checkClient,
  checkRedirectUri,
  checkState,
  checkResponseType,
  checkScope,
  checkPkce,
];

/** OpenID Connect Core §3.1.2.2, once the OAuth 2.0 request is known to be valid (it needs the scopes). */
export const OIDC_AUTHORIZATION_CHECKS: readonly AuthorizationCheck[] = [checkOidc];
