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
      if (!error) return done(null, parsed);
      const path = req.url.split('?')[0];
      if (FORM_TOLERANT_PATHS.has(path) && /^[^{[\s"][^=]*=/.test(text.trim()))
        return done(null, parseForm(text.trim()));
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
