import { InvalidTarget } from '../platform/errors/oauth-errors';

/**
 * OpenID Connect Core scopes (§3.1.2.1 openid, §5.4 profile/email, §11 offline_access) concern signing in
 * (the id_token, userinfo, a refresh token), not any resource: a `resource` never refuses or narrows them
 * at the authorization endpoint (MCP clients add offline_access when the server lists it).
 */
export const IDENTITY_SCOPES: ReadonlySet<string> = new Set(['openid', 'profile', 'email', 'offline_access']);

/** Longest resource URI we register or accept. */
export const MAX_RESOURCE_URI_LENGTH = 512;

/** At most this many `resource` parameters in one request: more is abuse, not a real client. */
const MAX_RESOURCES_PER_REQUEST = 5;

/**
 * Why `uri` cannot be a resource indicator, or null. RFC 8707 §2: an absolute URI, no fragment; we also
 * ask for http(s) (every resource we can protect is reached over HTTP) and refuse userinfo.
 */
export function resourceUriProblem(uri: string): string | null {
  if (uri.length > MAX_RESOURCE_URI_LENGTH) return `must be at most ${MAX_RESOURCE_URI_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'must be an absolute URI';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http or https URI';
  if (uri.includes('#')) return 'must not contain a fragment (RFC 8707 §2)';
  if (url.username || url.password) return 'must not contain user information';
  return null;
}

/**
 * The `resource` parameters of a request. RFC 8707 §2 allows several; the parameter pipe joins repeated
 * values with a space, which no URI contains (RFC 3986 §2). Each must be a valid indicator, else
 * `invalid_target`.
 */
export function parseResourceParam(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const uris = [...new Set(raw.split(' ').filter(Boolean))];
  if (uris.length > MAX_RESOURCES_PER_REQUEST) {
    throw new InvalidTarget(`at most ${MAX_RESOURCES_PER_REQUEST} resource parameters`);
  }
  for (const uri of uris) {
    const problem = resourceUriProblem(uri);
    if (problem) throw new InvalidTarget(`resource ${problem}`);
  }
  return uris;
}
