import { InvalidRequest } from '../errors/oauth-errors';

/** Upper bound on any single OAuth parameter value (state, scope, URIs...): bigger is abuse. */
export const MAX_PARAM_LENGTH = 4096;

/**
 * RFC 6749 Appendix A: every parameter value is built from printable characters (VSCHAR %x20-7E, NQCHAR,
 * URI-reference; UNICODECHARNOCRLF for error_description). C0 controls and DEL are never valid, and a NUL
 * would otherwise reach PostgreSQL (which refuses it in text) or a log line.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * Normalises OAuth request parameters from a query string, a form body or a JSON body.
 * RFC 6749 §3.1/§3.2: a parameter MUST NOT appear more than once; parameters without a value are
 * treated as omitted; unknown parameters are ignored (but must still be plain strings).
 * Array or object values (`scope[]=`, `redirect_uri[x]=`, JSON objects) are malformed input.
 */
/** RFC 8707 §2: `resource` may be sent several times, one URI each; every other parameter only once. */
const MULTI_VALUED = new Set(['resource']);

export interface OAuthParamsOptions {
  /** Accept C0 controls and DEL in values (never in names), for routes that only echo them encoded. */
  allowControlCharacters?: boolean;
}

export function oauthParams(source: unknown, options: OAuthParamsOptions = {}): Record<string, string> {
  if (source === undefined || source === null || source === '') return {};
  if (typeof source !== 'object' || Array.isArray(source)) {
    throw new InvalidRequest('the request body must be application/x-www-form-urlencoded parameters');
  }
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    if (CONTROL_CHARACTERS.test(name)) {
      throw new InvalidRequest('a parameter name contains control characters');
    }
    if (/[[\]]/.test(name)) throw new InvalidRequest(`parameter "${name.slice(0, 40)}" is malformed`);
    if (Array.isArray(value) && MULTI_VALUED.has(name) && value.every((v) => typeof v === 'string')) {
      // Joined with a space, which no URI contains (RFC 3986 §2): the reader splits them again.
      const joined = value.filter(Boolean).join(' ');
      if (joined.length > MAX_PARAM_LENGTH) throw new InvalidRequest(`parameter "${name}" is too long`);
      if (CONTROL_CHARACTERS.test(joined)) {
        throw new InvalidRequest(`parameter "${name}" contains control characters`);
      }
      if (joined !== '') params[name] = joined;
      continue;
    }
    if (Array.isArray(value)) {
      throw new InvalidRequest(`parameter "${name.slice(0, 40)}" was sent more than once`);
    }
    if (typeof value !== 'string') {
      throw new InvalidRequest(`parameter "${name.slice(0, 40)}" must be a string`);
    }
    if (value.length > MAX_PARAM_LENGTH) {
      throw new InvalidRequest(`parameter "${name.slice(0, 40)}" is too long`);
    }
    if (!options.allowControlCharacters && CONTROL_CHARACTERS.test(value)) {
      throw new InvalidRequest(`parameter "${name.slice(0, 40)}" contains control characters`);
    }
    if (value !== '') params[name] = value;
  }
  return params;
}
