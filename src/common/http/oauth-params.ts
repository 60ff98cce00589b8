import { InvalidRequest } from '../errors/oauth-errors';

/** Upper bound on any single OAuth parameter value (state, scope, URIs...): bigger is abuse. */
export const MAX_PARAM_LENGTH = 4096;

/**
 * Normalises OAuth request parameters from a query string, a form body or a JSON body.
 * RFC 6749 §3.1/§3.2: a parameter MUST NOT appear more than once; parameters without a value are
 * treated as omitted; unknown parameters are ignored (but must still be plain strings).
 * Array or object values (`scope[]=`, `redirect_uri[x]=`, JSON objects) are malformed input.
 */
export function oauthParams(source: unknown): Record<string, string> {
  if (source === undefined || source === null || source === '') return {};
  if (typeof source !== 'object' || Array.isArray(source)) {
    throw new InvalidRequest('the request body must be application/x-www-form-urlencoded parameters');
  }
  const params: Record<string, string> = {};
  for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
    if (/[[\]]/.test(name)) throw new InvalidRequest(`parameter "${name.slice(0, 40)}" is malformed`);
    if (Array.isArray(value))
      throw new InvalidRequest(`parameter "${name.slice(0, 40)}" was sent more than once`);
    if (typeof value !== 'string')
      throw new InvalidRequest(`parameter "${name.slice(0, 40)}" must be a string`);
    if (value.length > MAX_PARAM_LENGTH)
      throw new InvalidRequest(`parameter "${name.slice(0, 40)}" is too long`);
    if (value !== '') params[name] = value;
  }
  return params;
}
