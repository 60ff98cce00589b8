/**
 * After sign-in we only follow same-origin paths: `/x` but never `//evil`, `/\evil` or an absolute URL
 * (an open redirector would let phishing pages borrow our login).
 */
export const DEFAULT_RETURN = '/console';

export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 8192) return DEFAULT_RETURN;
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return DEFAULT_RETURN;
  // eslint-disable-next-line no-control-regex -- control characters and backslashes are refused
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return DEFAULT_RETURN;
  return value;
}

/**
 * A safe return path as a Location header. `return_to` may hold non-ASCII text, which Node refuses in a
 * header (ERR_INVALID_CHAR: a 500, or a hung reply), so every byte outside printable ASCII is
 * percent-encoded (RFC 3986 §2.1), lone surrogates as U+FFFD.
 */
export function locationHeader(path: string): string {
  return path.replace(/[^\x21-\x7e]+/g, (run) =>
    [...Buffer.from(run, 'utf8')]
      .map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)
      .join(''),
  );
}
