import type { AuthorizationCheck } from '../authorization-request';
import { checkClient } from './check-client';
import { checkOidc } from './check-oidc';
import { checkPkce } from './check-pkce';
import { checkPushedRequest } from './check-pushed-request';
import { checkRedirectUri } from './check-redirect-uri';
import { checkResource } from './check-resource';
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

/**
 * The checks of the extensions, after the core ones (their errors are redirected like any after state):
 * PAR-required clients (RFC 9126 §6), then resource indicators (RFC 8707 §2.1), which narrow the scopes.
 */
export const EXTENSION_CHECKS: readonly AuthorizationCheck[] = [checkPushedRequest, checkResource];

/** Every check, in the order the authorization and PAR endpoints run them. */
export const ALL_AUTHORIZATION_CHECKS: readonly AuthorizationCheck[] = [
  ...AUTHORIZATION_CHECKS,
  ...EXTENSION_CHECKS,
  ...OIDC_AUTHORIZATION_CHECKS,
];
