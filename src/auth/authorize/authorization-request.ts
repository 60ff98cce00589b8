import type { ClientView } from '../../clients/clients.service';
import type { ClientsService } from '../../clients/clients.service';
import type { AppConfig } from '../../config/app-config';
import type { ResourcesService, ResourceView } from '../../resources/resources.service';
import { OIDC_AUTHORIZATION_PARAMS, type OidcRequest } from './oidc-request';

/** RFC 6749 §4.1.1 and RFC 7636 §4.3 parameters the authorization endpoint reads (others are ignored). */
export const AUTHORIZATION_PARAMS = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  // OpenID Connect Core §3.1.2.1 (nonce, prompt, max_age, hints; request objects to refuse them).
  ...OIDC_AUTHORIZATION_PARAMS,
  // RFC 8707 §2: the protected resources the token is for (several joined by a space, see oauthParams).
  'resource',
  // RFC 9126 §4: a pushed request, by reference.
  'request_uri',
] as const;

export type AuthorizationParamName = (typeof AUTHORIZATION_PARAMS)[number];

/** The authorization request's parameters as received, one string each (see OAuthParamsPipe). */
export type AuthorizationParams = Partial<Record<AuthorizationParamName, string>>;

/** Only the authorization parameters out of a query or form that may carry others. */
export function pickAuthorizationParams(all: AuthorizationParams): AuthorizationParams {
  const params: AuthorizationParams = {};
  for (const name of AUTHORIZATION_PARAMS) {
    const value = all[name];
    if (value !== undefined) params[name] = value;
  }
  return params;
}

/** A validated authorization request: every check passed. */
export interface AuthorizationRequest {
  client: ClientView;
  redirectUri: string;
  /** RFC 6749 §4.1.3: the token request must repeat redirect_uri exactly when the request carried it. */
  redirectUriSent: boolean;
  scopes: string[];
  state?: string;
  codeChallenge?: string;
  /** RFC 8707: the resources requested (empty: the product API). */
  resources: ResourceView[];
  /** RFC 9126: the pushed request this came from; used up by the decision. */
  requestUri?: string;
  /** A pushed request: when the browser first brought it here (a sign-in since then answers its prompt). */
  interactionStartedAt?: Date;
  /** The parameters as received: for the login return path and the consent form. */
  params: AuthorizationParams;
  /** OpenID Connect Core §3.1.2.1 parameters (nonce, prompt, max_age, hints). */
  oidc: OidcRequest;
}

/** What the checks learn, step by step; a check fills in its part for the ones after it. */
export interface AuthorizationContext {
  readonly params: AuthorizationParams;
  client?: ClientView;
  redirectUri?: string;
  /** Set once state is known to be echoable: redirected errors carry it from then on. */
  state?: string;
  scopes?: string[];
  codeChallenge?: string;
  oidc?: OidcRequest;
  resources?: ResourceView[];
  /** RFC 9126: the parameters came from a pushed request. */
  pushed?: boolean;
  interactionStartedAt?: Date;
}

/** What the checks may consult. */
export interface AuthorizationCheckEnv {
  readonly clients: ClientsService;
  readonly config: AppConfig;
  readonly resources: ResourcesService;
}

/**
 * One named step of authorization request validation, like node-oidc-provider's
 * `lib/actions/authorization/`. Throws AuthorizationPageError while the client or redirect_uri is not
 * yet trusted, InvalidAuthorizationRequest after (the error is then redirected).
 */
export type AuthorizationCheck = (
  ctx: AuthorizationContext,
  env: AuthorizationCheckEnv,
) => void | Promise<void>;
