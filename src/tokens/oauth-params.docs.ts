import { CLIENT_AUTH_FIELDS, type ParamSpec } from '../platform/http/api-docs';

/**
 * The OAuth endpoints' parameters for the API reference. The endpoints read them with `oauthParams`
 * (one string each; a repeated parameter is invalid_request, RFC 6749 §3.2), so they are listed here
 * rather than derived from DTOs.
 */

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const DEVICE_CODE = 'urn:ietf:params:oauth:grant-type:device_code';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

const RESOURCE: ParamSpec = {
  name: 'resource',
  description:
    'RFC 8707 §2: the protected resource the token is for (absolute URI); several are sent space-separated',
};

/** RFC 6749 §4.1.3, §4.4.2, §6; RFC 7636 §4.5; RFC 8693 §2.1; RFC 8707 §2.2. */
export const TOKEN_REQUEST_FIELDS: ParamSpec[] = [
  {
    name: 'grant_type',
    required: true,
    description: 'Which grant: the other fields depend on it',
    enum: ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_CODE, TOKEN_EXCHANGE],
    example: 'authorization_code',
  },
  { name: 'code', description: 'authorization_code: the code from the authorization response' },
  {
    name: 'redirect_uri',
    description: 'authorization_code: the redirect_uri of the authorization request, identical',
  },
  {
    name: 'code_verifier',
    description:
      'authorization_code: the PKCE verifier whose S256 hash was the code_challenge (RFC 7636 §4.5)',
  },
  { name: 'refresh_token', description: 'refresh_token: the refresh token (rotated on every use)' },
  {
    name: 'device_code',
    description: 'device_code (RFC 8628 §3.4): the device_code from /oauth2/device_authorization',
  },
  {
    name: 'scope',
    description:
      'client_credentials / refresh_token / token exchange: space-separated scopes, at most those allowed',
    example: 'read:projects',
  },
  RESOURCE,
  {
    name: 'subject_token',
    description: 'token exchange (RFC 8693 §2.1): the access token (delegation) or the API key to exchange',
  },
  {
    name: 'subject_token_type',
    description:
      'token exchange: the type of subject_token; an API key may be exchanged by itself, with no client',
    enum: [ACCESS_TOKEN_TYPE, 'urn:iiniit:params:oauth:token-type:api-key'],
  },
  { name: 'audience', description: 'token exchange: the logical name of the target service (RFC 8693 §2.1)' },
  {
    name: 'requested_token_type',
    description: 'token exchange: the type wanted (only access tokens are issued)',
    enum: [ACCESS_TOKEN_TYPE],
  },
  ...CLIENT_AUTH_FIELDS,
];

/** RFC 7662 §2.1. */
export const INTROSPECTION_FIELDS: ParamSpec[] = [
  { name: 'token', required: true, description: 'The access or refresh token to look at' },
  {
    name: 'token_type_hint',
    description: 'A hint (access_token or refresh_token); the server finds the type itself',
    enum: ['access_token', 'refresh_token'],
  },
  ...CLIENT_AUTH_FIELDS,
];

/** RFC 7009 §2.1. */
export const REVOCATION_FIELDS: ParamSpec[] = [
  {
    name: 'token',
    required: true,
    description: 'The token to revoke; a refresh token takes its whole authorization with it',
  },
  {
    name: 'token_type_hint',
    description: 'A hint (access_token or refresh_token); the server finds the type itself',
    enum: ['access_token', 'refresh_token'],
  },
  ...CLIENT_AUTH_FIELDS,
];

/** RFC 6749 §4.1.1, RFC 7636 §4.3, OIDC Core §3.1.2.1, RFC 8707 §2, RFC 9126 §4. */
export const AUTHORIZATION_FIELDS: ParamSpec[] = [
  { name: 'response_type', description: 'Only `code`', enum: ['code'], example: 'code' },
  { name: 'client_id', description: 'The client asking (not needed with a request_uri from PAR)' },
  { name: 'redirect_uri', description: 'One of the client’s registered redirect URIs, by exact string' },
  { name: 'scope', description: 'Space-separated scopes', example: 'openid profile read:projects' },
  { name: 'state', description: 'Opaque value returned unchanged with the response (CSRF protection)' },
  {
    name: 'code_challenge',
    description: 'PKCE (RFC 7636 §4.2): BASE64URL(SHA-256(code_verifier)); required for public clients',
  },
  { name: 'code_challenge_method', description: 'Only S256', enum: ['S256'] },
  { name: 'nonce', description: 'OIDC: echoed in the ID token' },
  { name: 'prompt', description: 'OIDC: none, login or consent', enum: ['none', 'login', 'consent'] },
  {
    name: 'max_age',
    description: 'OIDC: seconds since the last sign-in after which the user signs in again',
  },
  { name: 'login_hint', description: 'OIDC: the email address to pre-fill' },
  { name: 'id_token_hint', description: 'OIDC: an ID token this server issued for the expected user' },
  { name: 'claims', description: 'OIDC claims request: not supported (refused with invalid_request)' },
  { name: 'request', description: 'OIDC request object: not supported (request_not_supported)' },
  RESOURCE,
  {
    name: 'request_uri',
    description: 'RFC 9126 §4: the request_uri returned by POST /oauth2/par (with client_id)',
  },
];

/** RFC 9126 §2.1: the authorization request's parameters plus client authentication. */
export const PAR_FIELDS: ParamSpec[] = [
  ...AUTHORIZATION_FIELDS.filter((f) => f.name !== 'request_uri' && f.name !== 'client_id'),
  ...CLIENT_AUTH_FIELDS,
];

/** OpenID Connect RP-Initiated Logout 1.0 §2. */
export const LOGOUT_FIELDS: ParamSpec[] = [
  { name: 'id_token_hint', description: 'An ID token this server issued to the app (proves which app asks)' },
  { name: 'client_id', description: 'The app asking; must match id_token_hint when both are sent' },
  {
    name: 'post_logout_redirect_uri',
    description: 'Where to return afterwards: only one registered for that app, by exact string',
  },
  { name: 'state', description: 'Returned unchanged on post_logout_redirect_uri' },
];

/** The confirmation form's own fields (POST only): the page's answer, CSRF-protected. */
export const LOGOUT_CONFIRM_FIELDS: ParamSpec[] = [
  ...LOGOUT_FIELDS,
  { name: 'logout_confirm', description: '`yes` when the user pressed "Sign out" on the confirmation page' },
  { name: 'csrf_token', description: 'The confirmation form’s CSRF token (from the page)' },
];

/** RFC 8628 §3.1. */
export const DEVICE_AUTHORIZATION_FIELDS: ParamSpec[] = [
  {
    name: 'scope',
    description: "space-separated scopes, at most the client's registered ones (default: all of them)",
    example: 'openid read:user offline_access',
  },
  ...CLIENT_AUTH_FIELDS,
];
