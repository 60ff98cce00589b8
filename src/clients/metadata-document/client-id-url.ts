/** Longest URL we accept as a client_id (the column holds 2048). */
const MAX_URL_LENGTH = 2048;

/**
 * Whether a client_id is a Client ID Metadata Document URL (draft-ietf-oauth-client-id-metadata-document
 * §3): https, with a path, no fragment, no user information, no dot segments. Plain http is accepted only
 * for 127.0.0.1 and only while private hosts are allowed (tests and local development); the draft itself
 * requires https.
 */
export function metadataDocumentUrl(clientId: string, allowPrivate: boolean): URL | null {
  if (clientId.length > MAX_URL_LENGTH) return null;
  if (!clientId.startsWith('https://') && !clientId.startsWith('http://')) return null;
  let url: URL;
  try {
    url = new URL(clientId);
  } catch {
    return null;
  }
  const https = url.protocol === 'https:';
  const localHttp = url.protocol === 'http:' && allowPrivate && url.hostname === '127.0.0.1';
  if (!https && !localHttp) return null;
  if (url.pathname === '/' || clientId.includes('#') || url.username || url.password) return null;
  if (/\/\.\.?(\/|$)/.test(url.pathname) || /%2e/i.test(url.pathname)) return null;
  // The client_id is compared as a string: only its canonical form names the document.
  if (url.href !== clientId) return null;
  return url;
}
