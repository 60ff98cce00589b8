import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

interface CorsPolicy {
  /** `*` for public documents; otherwise only exact origins from CORS_ORIGINS, echoed one at a time. */
  anyOrigin: boolean;
  methods: string;
}

const PUBLIC_DOCUMENTS: CorsPolicy = { anyOrigin: true, methods: 'GET, HEAD' };
const TOKEN_ENDPOINTS: CorsPolicy = { anyOrigin: false, methods: 'POST' };
const USER: CorsPolicy = { anyOrigin: false, methods: 'GET' };
const PROJECTS: CorsPolicy = { anyOrigin: false, methods: 'GET, POST, PATCH, DELETE' };

/** Request headers a browser app may send: its credential (never a cookie) and a JSON/form body. */
const ALLOWED_HEADERS = 'Authorization, Content-Type, X-API-Key, X-Request-Id';
/** Response headers the app may read besides the CORS-safelisted ones. */
const EXPOSED_HEADERS =
  'WWW-Authenticate, Retry-After, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, X-Request-Id, Location';

/**
 * Which paths take part in CORS at all. Everything else — /auth/* (login, consent), /oauth2/authorize,
 * /console, the self-service API that accepts the session cookie — never answers cross-origin calls.
 */
export function corsPolicyFor(path: string): CorsPolicy | undefined {
  if (path.startsWith('/.well-known/')) return PUBLIC_DOCUMENTS;
  if (path === '/oauth2/token' || path === '/oauth2/revoke') return TOKEN_ENDPOINTS;
  if (path === '/v1/user') return USER;
  if (path === '/v1/projects' || path.startsWith('/v1/projects/')) return PROJECTS;
  return undefined;
}

function forbidden(reply: FastifyReply): void {
  void reply
    .code(403)
    .header('Cache-Control', 'no-store')
    .type('application/json; charset=utf-8')
    .send({ error: 'forbidden', error_description: 'this origin may not call this endpoint (CORS_ORIGINS)' });
}

// Kept over @fastify/cors: per-path delegator + Vary on every response cost +6.2 to +7.5 µs CPU a request (44.6 → 50.8).
/**
 * CORS as a Fastify onRequest hook. Origins are compared exactly
 * with the allow-list and echoed only when listed (`Vary: Origin`); `Access-Control-Allow-Credentials` is
 * never sent, so a browser never attaches cookies to a cross-origin call here. Preflights (OPTIONS with
 * Access-Control-Request-Method) are answered here: 204 when allowed, 403 JSON when the origin is not.
 */
export function registerCors(fastify: FastifyInstance, allowedOrigins: readonly string[]): void {
  const allowed = new Set(allowedOrigins);
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const origin = request.headers.origin;
    // Not a cross-origin browser request: nothing to do (the API's hot path stops here).
    if (origin === undefined) return done();
    const q = request.url.indexOf('?');
    const policy = corsPolicyFor(q < 0 ? request.url : request.url.slice(0, q));
    if (!policy) return done();
    const permitted = policy.anyOrigin || allowed.has(origin);
    if (!policy.anyOrigin) reply.header('Vary', 'Origin');
    const preflight =
      request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (preflight) {
      if (!permitted) return forbidden(reply);
      void reply
        .code(204)
        .header('Access-Control-Allow-Origin', policy.anyOrigin ? '*' : origin)
        .header('Access-Control-Allow-Methods', policy.methods)
        .header('Access-Control-Allow-Headers', ALLOWED_HEADERS)
        .header('Access-Control-Max-Age', '600')
        .send();
      return;
    }
    if (permitted) {
      reply.header('Access-Control-Allow-Origin', policy.anyOrigin ? '*' : origin);
      reply.header('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    }
    done();
  });
}
