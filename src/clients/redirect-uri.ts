/**
 * Redirect URI registration rules (RFC 6749 §3.1.2, RFC 8252 §7, RFC 9700 §4.1):
 * absolute, no fragment, no userinfo; https, or http only on loopback (native and local development),
 * or a private-use scheme with a dot (reverse domain, RFC 8252 §7.1) for native apps.
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
