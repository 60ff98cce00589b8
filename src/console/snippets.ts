import { createHash } from 'node:crypto';

import type { ApiKeyView } from '../api-keys/api-keys.service';
import type { ClientView } from '../clients/clients.service';
import { randomToken } from '../platform/crypto/crypto.service';

/**
 * Copy-paste examples the console shows. They are built here, not in templates, so they can be tested
 * as text: a snippet that does not run is worse than none.
 */

/** Query encoding that keeps `:` and `/` readable (both are legal in a query, RFC 3986 §3.4). */
function encodeQueryValue(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ':').replace(/%2F/gi, '/');
}

/** POSIX shell quoting: bare when harmless, else single quotes (with ' written as '\''). */
export function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface AppSnippets {
  authorizeUrl: string;
  tokenRequest: string;
  /** The PKCE pair and state minted for this page view (RFC 7636 §4.1: 43+ characters of base64url). */
  codeVerifier: string;
  state: string;
  redirectUri: string;
}

/**
 * An authorization request for the app's first redirect URI, with every scope it may ask for, and the
 * matching token request. PKCE (S256) is always included: public clients must use it, confidential
 * clients should (RFC 9700 §2.1.1), and the server can be configured to require it of everyone.
 */
export function appSnippets(issuer: string, app: ClientView): AppSnippets | null {
  const redirectUri = app.redirectUris[0];
  if (redirectUri === undefined) return null;
  const codeVerifier = randomToken(32);
  const codeChallenge = createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
  const state = randomToken(12);
  const params: [string, string][] = [
    ['response_type', 'code'],
    ['client_id', app.clientId],
    ['redirect_uri', redirectUri],
    ...(app.scopes.length ? ([['scope', app.scopes.join(' ')]] as [string, string][]) : []),
    ['state', state],
    ['code_challenge', codeChallenge],
    ['code_challenge_method', 'S256'],
  ];
  const authorizeUrl = `${issuer}/oauth2/authorize?${params
    .map(([k, v]) => `${k}=${encodeQueryValue(v)}`)
    .join('&')}`;
  const lines =
    app.type === 'confidential'
      ? [
          // RFC 6749 §2.3.1: client_secret_basic, the method every server supports.
          `curl -s ${shellQuote(`${issuer}/oauth2/token`)} -u "${app.clientId}:$CLIENT_SECRET" \\`,
          `  -d grant_type=authorization_code -d code="$CODE" \\`,
          `  --data-urlencode redirect_uri=${shellQuote(redirectUri)} \\`,
          `  -d code_verifier=${codeVerifier}`,
        ]
      : [
          `curl -s ${shellQuote(`${issuer}/oauth2/token`)} \\`,
          `  -d grant_type=authorization_code -d client_id=${app.clientId} -d code="$CODE" \\`,
          `  --data-urlencode redirect_uri=${shellQuote(redirectUri)} \\`,
          `  -d code_verifier=${codeVerifier}`,
        ];
  return { authorizeUrl, tokenRequest: lines.join('\n'), codeVerifier, state, redirectUri };
}

/** The resource a key can read first: projects when it may, else the user. */
export function firstCallPath(scopes: readonly string[]): string {
  return scopes.includes('read:projects') || !scopes.includes('read:user') ? '/v1/projects' : '/v1/user';
}

/** Three lines that call the API with an API key: with the key itself right after creation, else a placeholder. */
export function apiKeyCurl(
  issuer: string,
  key: Pick<ApiKeyView, 'prefix' | 'scopes'>,
  secret?: string,
): string {
  const value = secret ?? `${key.prefix}…`;
  return [
    `export IINIIT_API_KEY=${secret ? value : `'${value}'  # paste the whole key here`}`,
    `curl -s ${shellQuote(`${issuer}${firstCallPath(key.scopes)}`)} \\`,
    `  -H "X-API-Key: $IINIIT_API_KEY"`,
  ].join('\n');
}
