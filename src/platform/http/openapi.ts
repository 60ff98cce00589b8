import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppConfig } from '../../config/app-config';

/** Swagger UI at /docs, the OpenAPI document at /docs/json (design: public surface). */
export const DOCS_PATH = '/docs';
export const DOCS_JSON_PATH = '/docs/json';

/** Security scheme names, as referenced by @ApiBearerAuth('bearer') and @ApiSecurity('api_key'). */
export const BEARER_SCHEME = 'bearer';
export const API_KEY_SCHEME = 'api_key';

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
  const builder = new DocumentBuilder()
    .setTitle('iiniit Identity API')
    .setDescription(
      'OAuth 2.0 authorization server and API-key service. Resource routes accept an OAuth access token ' +
        '(`Authorization: Bearer <JWT>`) or an API key (`X-API-Key: iik_' +
        config.apiKeyEnv +
        '_...`), never both and never in the URL. Errors are `{ "error", "error_description" }`; ' +
        '401 and 403 carry an RFC 6750 `WWW-Authenticate` challenge.',
    )
    .setVersion('1')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'RFC 9068 access token' },
      BEARER_SCHEME,
    )
    .addApiKey(
      { type: 'apiKey', in: 'header', name: 'X-API-Key', description: 'API key from the developer console' },
      API_KEY_SCHEME,
    )
    .addTag('projects', 'The sample protected resource (read:projects, write:projects)')
    .addTag('api-keys', 'Developer self-service: API keys (console session + X-CSRF-Token)')
    .addTag('admin', "Operators' management API: client_credentials tokens with manage:* scopes");
  return SwaggerModule.createDocument(app, builder.build());
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
