import type { FastifyInstance } from 'fastify';

import { InvalidRequest } from '../errors/oauth-errors';

/** application/x-www-form-urlencoded → object; a repeated name becomes an array (caught as a duplicate later). */
export function parseForm(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
  for (const [name, value] of new URLSearchParams(text)) {
    const existing = out[name];
    out[name] = existing === undefined ? value : ([] as string[]).concat(existing, value);
  }
  return out;
}

/**
 * OAuth endpoints where a form body labelled `application/json` is accepted: the published API doc's
 * curl example sends `--data-urlencode` parameters under `Content-Type: application/json`.
 */
const FORM_TOLERANT_PATHS = new Set([
  '/oauth2/token',
  '/oauth2/authorize',
  '/oauth2/introspect',
  '/oauth2/revoke',
]);

/**
 * Deepest array/object nesting a JSON body may have. Every DTO of the API is a few levels deep; the
 * transformation and validation behind the parser recurse once per level, and a few kilobytes of `[[[[…`
 * would overflow their stack (a 500 on every JSON route).
 */
export const MAX_JSON_DEPTH = 32;

/**
 * True when valid JSON `text` nests arrays/objects deeper than `max`. One pass over the characters,
 * skipping strings, no recursion; a text too short to nest that deep is answered without reading it.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  // Nesting deeper than `max` needs more than `max` opening and as many closing brackets.
  if (text.length <= 2 * max) return false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote, stepping over escapes (`\"` does not end it).
      for (i++; i < text.length; i++) {
        const s = text.charCodeAt(i);
        if (s === 0x5c) i++;
        else if (s === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/**
 * Registers the two body parsers (Nest's own are disabled with `bodyParser: false`), so JSON parse errors
 * become RFC 6749 `invalid_request` and mislabelled form bodies still work where the doc needs them.
 */
export function registerBodyParsers(fastify: FastifyInstance, bodyLimit: number): void {
  const secureJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser(['application/json', 'text/plain']);
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit },
    (_req, body, done) => {
      done(null, parseForm(body as string));
    },
  );
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit }, (req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, {});
    void secureJson(req, text, (error, parsed) => {
      if (!error) {
        if (jsonNestsDeeperThan(text, MAX_JSON_DEPTH)) {
          return done(
            new InvalidRequest(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`),
            undefined,
          );
        }
        return done(null, parsed);
      }
      const path = req.url.split('?')[0];
      if (FORM_TOLERANT_PATHS.has(path) && /^[^{[\s"][^=]*=/.test(text.trim())) {
        return done(null, parseForm(text.trim()));
      }
      done(
        new InvalidRequest(
          FORM_TOLERANT_PATHS.has(path)
            ? 'the body is neither JSON nor form parameters: send application/x-www-form-urlencoded parameters'
            : 'the body is not valid JSON: send a JSON object',
        ),
        undefined,
      );
    });
  });
}
