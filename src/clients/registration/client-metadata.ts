import { KNOWN_SCOPES, parseScope } from '../../tokens/scopes';
import type { GrantType } from '../clients.service';
import type { ClientType } from '../oauth-client.entity';
import { InvalidClientMetadataError, InvalidRedirectUri } from './registration.errors';

/** RFC 7591 §2 client metadata, as this server accepts it. */
export interface RegisteredMetadata {
  name: string;
  type: ClientType;
  redirectUris: string[];
  scopes: string[];
  grantTypes: GrantType[];
  requirePar: boolean;
  /** RFC 9449 §5.2 `dpop_bound_access_tokens`. */
  dpopBoundAccessTokens: boolean;
  /** The metadata as it will be echoed back (RFC 7591 §3.2.1). */
  echo: Record<string, unknown>;
}

const AUTH_METHODS = {
  none: 'public',
  client_secret_basic: 'confidential',
  client_secret_post: 'confidential',
} as const;
const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);
const URI_FIELDS = ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri'] as const;
const TEXT_FIELDS = ['software_id', 'software_version'] as const;

function text(body: Record<string, unknown>, field: string, max: number): string | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value.length > max) {
    throw new InvalidClientMetadataError(`${field} must be text of at most ${max} characters`);
  }
  return value;
}

function strings(body: Record<string, unknown>, field: string, max: number): string[] | undefined {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (
    !Array.isArray(value) ||
    value.length > max ||
    !value.every((v) => typeof v === 'string' && v.length <= 2000)
  ) {
    const description = `${field} must be an array of at most ${max} strings`;
    throw field === 'redirect_uris'
      ? new InvalidRedirectUri(description)
      : new InvalidClientMetadataError(description);
  }
  return value as string[];
}

/** An https URL (RFC 7591 §2: client_uri, logo_uri, tos_uri, policy_uri are URLs shown to users). */
function httpsUrl(value: string, field: string): void {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidClientMetadataError(`${field} must be an absolute URL`);
  }
  if (url.protocol !== 'https:') throw new InvalidClientMetadataError(`${field} must be an https URL`);
}

/** A loopback http redirect (RFC 8252 §7.3) or a private-use scheme (§7.1). */
function looksNative(uri: string): boolean {
  try {
    const url = new URL(uri);
    return (
      (url.protocol === 'http:' && LOOPBACK.has(url.hostname)) || !['http:', 'https:'].includes(url.protocol)
    );
  } catch {
    return false;
  }
}

/**
 * RFC 8252 §8.4 and OIDC Registration `application_type`: a `web` client redirects to https only; a
 * `native` one to loopback http (RFC 8252 §7.3) or a private-use scheme (§7.1), or https (§7.2).
 */
function redirectFits(uri: string, applicationType: 'web' | 'native'): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  if (applicationType === 'web') {
    return url.protocol === 'https:' ? null : 'a web application must use https redirect URIs';
  }
  if (url.protocol === 'http:' && !LOOPBACK.has(url.hostname)) {
    return 'a native application may use http only on a loopback address';
  }
  return null;
}

/**
 * Validates RFC 7591 §2 metadata. Clients default to public with PKCE (`token_endpoint_auth_method`
 * none) and the code flow; unknown fields are ignored (§2), unsupported values refused.
 */
export function parseClientMetadata(raw: unknown): RegisteredMetadata {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new InvalidClientMetadataError('the body must be a JSON object of client metadata');
  }
  const body = raw as Record<string, unknown>;

  const redirectUris = strings(body, 'redirect_uris', 10) ?? [];
  // RFC 7591 has no application_type (OIDC Registration does, defaulting to web). MCP clients register
  // loopback redirects without it, so when absent it follows the redirect URIs: all loopback http or
  // private-use schemes → native (RFC 8252), anything else → web.
  const applicationType =
    text(body, 'application_type', 10) ??
    (redirectUris.length && redirectUris.every(looksNative) ? 'native' : 'web');
  if (applicationType !== 'web' && applicationType !== 'native') {
    throw new InvalidClientMetadataError('application_type must be web or native');
  }

  const method = text(body, 'token_endpoint_auth_method', 40) ?? 'none';
  if (!Object.hasOwn(AUTH_METHODS, method)) {
    throw new InvalidClientMetadataError(
      'token_endpoint_auth_method must be none, client_secret_basic or client_secret_post',
    );
  }
  const type = AUTH_METHODS[method as keyof typeof AUTH_METHODS];

  const grantTypes = strings(body, 'grant_types', 5) ?? ['authorization_code', 'refresh_token'];
  for (const g of grantTypes) {
    const allowed =
      type === 'confidential'
        ? ['authorization_code', 'refresh_token', 'client_credentials']
        : ['authorization_code', 'refresh_token'];
    if (!allowed.includes(g)) {
      throw new InvalidClientMetadataError(`unsupported grant type for this client: ${g.slice(0, 50)}`);
    }
  }
  const responseTypes = strings(body, 'response_types', 5) ?? ['code'];
  if (responseTypes.some((r) => r !== 'code')) {
    throw new InvalidClientMetadataError('response_types must be ["code"]');
  }
  // RFC 7591 §2.1: grant_types and response_types must be consistent.
  if (
    grantTypes.includes('authorization_code') !== responseTypes.includes('code') &&
    body.response_types !== undefined
  ) {
    throw new InvalidClientMetadataError('response_types and grant_types do not match');
  }

  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) {
    throw new InvalidRedirectUri('redirect_uris is required for the authorization_code grant');
  }
  for (const uri of redirectUris) {
    const problem = redirectFits(uri, applicationType);
    if (problem) throw new InvalidRedirectUri(`${uri.slice(0, 100)}: ${problem}`);
  }

  const scopeText = text(body, 'scope', 1000);
  const scopes = scopeText === undefined ? [...KNOWN_SCOPES] : parseScope(scopeText);
  if (scopes === undefined || scopes.length === 0) throw new InvalidClientMetadataError('scope is malformed');

  const requirePar = body.require_pushed_authorization_requests ?? false;
  if (typeof requirePar !== 'boolean') {
    throw new InvalidClientMetadataError('require_pushed_authorization_requests must be true or false');
  }
  const dpopBoundAccessTokens = body.dpop_bound_access_tokens ?? false;
  if (typeof dpopBoundAccessTokens !== 'boolean') {
    throw new InvalidClientMetadataError('dpop_bound_access_tokens must be true or false');
  }
  if (body.jwks !== undefined || body.jwks_uri !== undefined) {
    throw new InvalidClientMetadataError('jwks and jwks_uri are not supported (no private_key_jwt)');
  }

  const echo: Record<string, unknown> = {
    application_type: applicationType,
    token_endpoint_auth_method: method,
  };
  for (const field of URI_FIELDS) {
    const value = text(body, field, 2000);
    if (value !== undefined) {
      httpsUrl(value, field);
      echo[field] = value;
    }
  }
  for (const field of TEXT_FIELDS) {
    const value = text(body, field, 200);
    if (value !== undefined) echo[field] = value;
  }
  const contacts = strings(body, 'contacts', 5);
  if (contacts) echo.contacts = contacts;

  const name = (text(body, 'client_name', 100) ?? '').trim() || 'Unnamed app';
  return {
    name,
    type,
    redirectUris,
    scopes,
    grantTypes: grantTypes as GrantType[],
    requirePar,
    dpopBoundAccessTokens,
    echo,
  };
}
