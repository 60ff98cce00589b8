/**
 * Redirect URI registration rules (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §4.1):
 * absolute, no fragment, no userinfo; https, or http only on loopback (native and local development),
 * or a private-use scheme with a dot (reverse domain, RFC 8252 §7.1) for native apps; and no query parameter
 * that the authorization response itself adds.
 * Returns the problem, or undefined when the URI may be registered.
 */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
const FORBIDDEN_SCHEMES = new Set([
  'javascript:',
  'data:',
  'vbscript:',
  'file:',
  'blob:',
  'about:',
  'ftp:',
  'ws:',
  'wss:',
]);

/**
 * Parameters the authorization response appends to the redirect URI (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207
 * `iss`). RFC 6749 §3.1: a parameter must not appear more than once, so a registered URI whose query
 * already carries one of them would make every response ambiguous (which `code` or `state` is the
 * server's?) — refused at registration.
 */
const RESPONSE_PARAMETERS = new Set(['code', 'state', 'iss', 'error', 'error_description', 'error_uri']);

export function redirectUriProblem(raw: string): string | undefined {
  if (raw.length > 2000) return 'must be at most 2000 characters';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we refuse
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) return 'must not contain whitespace or control characters';
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute URI';
  }
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `scheme ${url.protocol} is not allowed`;
  if (raw.includes('#')) return 'must not contain a fragment (RFC 6749 §3.1.2)';
  if (url.username || url.password) return 'must not contain user information';
  return schemeProblem(url) ?? queryProblem(url);
}

function schemeProblem(url: URL): string | undefined {
  if (url.protocol === 'https:') return url.hostname ? undefined : 'must name a host';
  if (url.protocol === 'http:') {
    return LOOPBACK_HOSTS.has(url.hostname)
      ? undefined
      : 'must use https (http is allowed only for loopback addresses)';
  }
  // Private-use URI scheme for native apps: reverse domain name, e.g. com.example.app:/callback.
  return /^[a-z][a-z0-9+-]*(\.[a-z0-9+-]+)+:$/.test(url.protocol)
    ? undefined
    : 'must use https, loopback http, or a reverse-domain private-use scheme';
}

/** RFC 6749 §3.1.2 lets the URI keep a query, but not one naming a parameter the response adds (§3.1). */
function queryProblem(url: URL): string | undefined {
  for (const name of url.searchParams.keys()) {
    if (RESPONSE_PARAMETERS.has(name)) {
      return `must not carry the query parameter "${name}": the authorization response adds it (RFC 6749 §3.1)`;
    }
  }
  return undefined;
}
