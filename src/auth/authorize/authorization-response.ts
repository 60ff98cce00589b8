/**
 * The parameters an authorization response may carry (RFC 6749 §4.1.2 and §4.1.2.1, RFC 9207 `iss`).
 * A registered redirect URI whose own query holds one of these names would make the response carry it
 * twice, which RFC 6749 §3.1 forbids, and leave the client to guess which value is ours.
 */
export const RESPONSE_PARAMS = ['code', 'state', 'iss', 'error', 'error_description', 'error_uri'] as const;

/**
 * The redirect URI with the response parameters added. RFC 6749 §3.1.2: the URI's own query is kept;
 * RFC 6749 §3.1: no parameter appears more than once, so any response parameter name already in that
 * query is dropped and only this server's value is sent (absent values are omitted, never emptied).
 */
export function responseLocation(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const name of RESPONSE_PARAMS) url.searchParams.delete(name);
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    url.searchParams.delete(name);
    url.searchParams.append(name, value);
  }
  return url.toString();
}
