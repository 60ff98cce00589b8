import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';

import type { AppConfig } from '../../config/app-config';
import { MANAGEMENT_SCOPES, SCOPES } from '../../tokens/scopes';
import {
  API_KEY_SCHEME,
  BEARER_SCHEME,
  CLIENT_BASIC_SCHEME,
  completeOpenApiDocument,
  CSRF_SCHEME,
  OAUTH2_SCHEME,
  REGISTRATION_TOKEN_SCHEME,
  SESSION_SCHEME,
} from './api-docs';

/** Swagger UI at /docs, the OpenAPI document at /docs/json (design: public surface). */
export const DOCS_PATH = '/docs';
export const DOCS_JSON_PATH = '/docs/json';

/** Security scheme names, as referenced by @ApiBearerAuth('bearer') and @ApiSecurity('api_key'). */
export { API_KEY_SCHEME, BEARER_SCHEME } from './api-docs';

/**
 * The Swagger UI page needs more than the API's `default-src 'none'`: its own scripts, stylesheet and
 * images, data: URIs (icons inlined in its CSS), inline styles (an inline <style> block and style
 * attributes in Nest's page template), and fetch to this origin ("Try it out"). Nothing from another
 * origin, no inline script, no eval, and still no framing.
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function buildOpenApiDocument(app: NestFastifyApplication, config: AppConfig): OpenAPIObject {
  const iss = config.issuer;
  // The session cookie's name follows the issuer's scheme (the __Host- prefix needs HTTPS).
  const secure = iss.startsWith('https://');
  const builder = new DocumentBuilder()
    .setTitle('iiniit Identity API')
    .setDescription(
      'OAuth 2.0 authorization server and API-key service. Resource routes accept an OAuth access token ' +
        '(`Authorization: Bearer <JWT>`) or an API key (`X-API-Key: iik_' +
        config.apiKeyEnv +
        '_...`), never both and never in the URL. Errors are the `Error` schema: `{ "error", ' +
        '"error_description" }`; 401 and 403 carry an RFC 6750 `WWW-Authenticate` challenge.\n\n' +
        '**Try it out:** paste an access token (`bearer`) or an API key (`api_key`) in *Authorize*, or run ' +
        'the `oauth2` flows there with a client of yours (authorization code + PKCE needs the redirect URI ' +
        `\`${iss}/docs/oauth2-redirect.html\` registered; client credentials needs a confidential client). ` +
        'Session routes use the console sign-in cookie this browser already sends, plus `X-CSRF-Token` from ' +
        '`GET /auth/session` on unsafe methods.',
    )
    .setVersion('1')
    .addServer(iss)
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'RFC 9068 access token' },
      BEARER_SCHEME,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'API key from the developer console' },
      API_KEY_SCHEME,
    )
    .addOAuth2(
      {
        type: 'oauth2',
        description:
          'Get an access token from this server: authorization code with PKCE (RFC 7636, S256) for a ' +
          "user's token, client credentials (RFC 6749 §4.4) for a service's.",
        flows: {
          authorizationCode: {
            authorizationUrl: `${iss}/oauth2/authorize`,
            tokenUrl: `${iss}/oauth2/token`,
            refreshUrl: `${iss}/oauth2/token`,
            scopes: { ...SCOPES },
          },
          clientCredentials: {
            tokenUrl: `${iss}/oauth2/token`,
            // A service's scopes: the API's, and the operators' management scopes.
            scopes: {
              'read:projects': SCOPES['read:projects'],
              'write:projects': SCOPES['write:projects'],
              ...MANAGEMENT_SCOPES,
            },
          },
        },
      },
      OAUTH2_SCHEME,
    )
    .addBasicAuth(
      {
        type: 'http',
        scheme: 'basic',
        description:
          'client_secret_basic (RFC 6749 §2.3.1): client_id as user name, client_secret as password',
      },
      CLIENT_BASIC_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description:
          'RFC 7591 §3 initial access token (POST /oauth2/register when DCR_MODE=initial-access-token) or ' +
          'RFC 7592 §3 registration access token (the client configuration endpoint)',
      },
      REGISTRATION_TOKEN_SCHEME,
    )
    .addCookieAuth(
      secure ? '__Host-iiniit_session' : 'iiniit_session',
      { type: 'apiKey', in: 'cookie', description: 'The console sign-in session (set by /auth/login)' },
      SESSION_SCHEME,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'X-CSRF-Token',
        description: 'CSRF token of the session (`csrf_token` from GET /auth/session); unsafe methods only',
      },
      CSRF_SCHEME,
    )
    .addTag('oauth2', 'OAuth 2.0 / OpenID Connect endpoints (form-encoded requests, RFC error codes)')
    .addTag('discovery', 'Metadata documents and signing keys (public)')
    .addTag('projects', 'The sample protected resource (read:projects, write:projects)')
    .addTag('api-keys', 'Developer self-service: API keys (console session + X-CSRF-Token)')
    .addTag('admin', "Operators' management API: client_credentials tokens with manage:* scopes");
  return completeOpenApiDocument(SwaggerModule.createDocument(app, builder.build()), app);
}

/**
 * Serves Swagger UI and the OpenAPI JSON. Call before `listen` (Fastify adds no routes once started).
 * The routes are plain Fastify routes outside Nest's guard: the documentation is public, like the
 * discovery documents. They get their own Content-Security-Policy (see DOCS_CONTENT_SECURITY_POLICY).
 */
export function setupOpenApi(app: NestFastifyApplication, config: AppConfig): void {
  // Built on first request, after every module has registered its routes.
  let document: OpenAPIObject | undefined;
  const documentFactory = (): OpenAPIObject => (document ??= buildOpenApiDocument(app, config));

  // Only the docs routes get their CSP, as a route-level onSend hook: it runs after the global
  // security-headers hook (and the handler), so it has the last word, and other routes pay nothing.
  // Registered before SwaggerModule.setup adds the routes (and the static plugin for its assets).
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRoute', (route) => {
    if (route.url === DOCS_PATH || route.url.startsWith(`${DOCS_PATH}/`)) {
      const own =
        route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend];
      route.onSend = [...own, setDocsContentSecurityPolicy];
    }
  });

  SwaggerModule.setup(DOCS_PATH.slice(1), app, documentFactory, {
    jsonDocumentUrl: DOCS_JSON_PATH.slice(1),
    // Only JSON: one format to keep correct.
    raw: ['json'],
    customSiteTitle: 'iiniit Identity API',
    swaggerOptions: {
      // Never keep a pasted token or key in localStorage.
      persistAuthorization: false,
      // The Authorize dialog's authorization code flow always sends a PKCE S256 challenge (RFC 7636 §4):
      // public clients must, and it is the only method this server accepts.
      initOAuth: { usePkceWithAuthorizationCodeGrant: true, scopeSeparator: ' ' },
    },
  });
}

function setDocsContentSecurityPolicy(
  request: FastifyRequest,
  reply: FastifyReply,
  payload: unknown,
  done: (err: null, payload: unknown) => void,
): void {
  // A docs route that falls through to the 404 handler (an unknown asset under /docs/) answers as
  // any other 404, with the API's policy.
  if (!request.is404) reply.header('content-security-policy', DOCS_CONTENT_SECURITY_POLICY);
  done(null, payload);
}
