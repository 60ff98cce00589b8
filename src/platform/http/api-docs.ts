import type { INestApplicationContext } from '@nestjs/common';
import { applyDecorators, RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type {
  OperationObject,
  ResponseObject,
  SchemaObject,
  SecurityRequirementObject,
} from '@nestjs/swagger';
import {
  ApiBody,
  ApiConsumes,
  ApiExcludeController,
  ApiExcludeEndpoint,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiSecurity,
  type OpenAPIObject,
} from '@nestjs/swagger';

import { ACCEPTED_CREDENTIALS, IS_PUBLIC, REQUIRED_SCOPES, RESOURCE_CREDENTIALS } from '../auth/decorators';
import type { CredentialKind } from '../auth/principal';

/**
 * Shared OpenAPI building blocks: the one `Error` schema, the security schemes, form bodies, OAuth error
 * responses, and the pass that derives each route's security from the guard's own metadata (so the
 * reference cannot drift from what the guard enforces).
 */

/** Security scheme names (components.securitySchemes). */
export const BEARER_SCHEME = 'bearer';
export const API_KEY_SCHEME = 'api_key';
export const OAUTH2_SCHEME = 'oauth2';
export const CLIENT_BASIC_SCHEME = 'client_secret_basic';
export const SESSION_SCHEME = 'session';
export const CSRF_SCHEME = 'csrf';
export const REGISTRATION_TOKEN_SCHEME = 'registration_token';

export const ERROR_SCHEMA_NAME = 'Error';
const ERROR_REF = { $ref: `#/components/schemas/${ERROR_SCHEMA_NAME}` };
const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/**
 * Every error body the API writes (ApiError.toJSON): the RFC 6749 §5.2 pair, plus `fields` on validation
 * failures and `scope` on RFC 6750 §3.1 insufficient_scope. OAuth endpoints and the JSON API share it.
 */
export const ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error', 'error_description'],
  properties: {
    error: {
      type: 'string',
      description:
        'Error code: an RFC 6749 §5.2 / RFC 6750 §3.1 / RFC 7591 §3.2.2 code on the OAuth endpoints ' +
        '(invalid_request, invalid_client, invalid_grant, …), else the HTTP status name (not_found, conflict, …)',
      example: 'invalid_request',
    },
    error_description: {
      type: 'string',
      description: 'Human-readable explanation and what to do next (never contains secrets)',
      example: 'token is required',
    },
    fields: {
      type: 'array',
      description: 'Validation failures: every invalid field with its messages',
      items: {
        type: 'object',
        required: ['field', 'messages'],
        properties: {
          field: { type: 'string', example: 'name' },
          messages: { type: 'array', items: { type: 'string' }, example: ['must not be empty'] },
        },
      },
    },
    scope: {
      type: 'string',
      description: 'insufficient_scope: the scope the route needs (RFC 6750 §3.1)',
      example: 'read:projects',
    },
  },
};

/** One field of an OAuth form body or query (the endpoints read them with oauthParams, not DTOs). */
export interface ParamSpec {
  name: string;
  description: string;
  required?: boolean;
  enum?: string[];
  example?: string;
}

function fieldSchema(p: ParamSpec): SchemaObject {
  return {
    type: 'string',
    description: p.description,
    ...(p.enum ? { enum: p.enum } : {}),
    ...(p.example !== undefined ? { example: p.example } : {}),
  };
}

export function formSchema(fields: ParamSpec[]): SchemaObject {
  const required = fields.filter((f) => f.required).map((f) => f.name);
  return {
    type: 'object',
    properties: Object.fromEntries(fields.map((f) => [f.name, fieldSchema(f)])),
    ...(required.length > 0 ? { required } : {}),
  };
}

/** An `application/x-www-form-urlencoded` request body (RFC 6749 §3.2, Appendix B). */
export function ApiFormBody(fields: ParamSpec[], description?: string): MethodDecorator {
  return applyDecorators(
    ApiConsumes(FORM),
    ApiBody({ schema: formSchema(fields), description, required: true }),
  );
}

/** The same parameters in the query string (a GET authorization or logout request). */
export function ApiQueryParams(fields: ParamSpec[]): MethodDecorator {
  return applyDecorators(
    ...fields.map((f) =>
      ApiQuery({
        name: f.name,
        required: f.required ?? false,
        description: f.description,
        schema: fieldSchema(f),
      }),
    ),
  );
}

/** Where an RFC error code is answered, and with which status. */
const OAUTH_ERROR_STATUS: Record<string, number> = {
  invalid_client: 401,
  invalid_token: 401,
  insufficient_scope: 403,
  too_many_requests: 429,
};

/** What each code means, for the response's description and its example. */
const OAUTH_ERROR_TEXT: Record<string, string> = {
  invalid_request: 'a parameter is missing, repeated or malformed (RFC 6749 §5.2)',
  invalid_client: 'client authentication failed; the answer carries WWW-Authenticate (RFC 6749 §5.2)',
  invalid_grant: 'the code, refresh token or subject token is invalid, expired or revoked (RFC 6749 §5.2)',
  unauthorized_client: 'this client may not use this grant or token (RFC 6749 §5.2)',
  unsupported_grant_type: 'the grant_type is not supported (RFC 6749 §5.2)',
  invalid_scope: 'a scope is unknown or more than the client or grant allows (RFC 6749 §5.2)',
  invalid_target: 'the resource is unknown or not allowed for this client (RFC 8707 §2)',
  invalid_token: 'the token or registration access token is invalid, expired or revoked (RFC 6750 §3.1)',
  insufficient_scope: 'the token lacks the scope named in WWW-Authenticate (RFC 6750 §3.1)',
  invalid_redirect_uri: 'a redirect URI is not allowed (RFC 7591 §3.2.2)',
  invalid_client_metadata: 'a metadata field is invalid (RFC 7591 §3.2.2)',
  too_many_requests: 'rate limited; retry after the seconds in Retry-After',
  authorization_pending:
    'device_code: the user has not answered yet; poll again after interval (RFC 8628 §3.5)',
  slow_down: 'device_code: polled too fast; the interval grows by 5 s (RFC 8628 §3.5)',
  access_denied: 'device_code: the user denied the request (RFC 8628 §3.5)',
  expired_token: 'device_code: the device_code expired; start again (RFC 8628 §3.5)',
};

/**
 * The RFC error responses of an OAuth endpoint, grouped by status, each with an example per code. All
 * share the `Error` schema.
 */
export function ApiOAuthErrors(...codes: string[]): MethodDecorator & ClassDecorator {
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = OAUTH_ERROR_STATUS[code] ?? 400;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return applyDecorators(
    ...[...byStatus].map(([status, group]) =>
      ApiResponse({
        status,
        description: group.map((code) => `\`${code}\`: ${OAUTH_ERROR_TEXT[code] ?? code}`).join('; '),
        schema: ERROR_REF,
        examples: Object.fromEntries(
          group.map((code) => [
            code,
            { summary: code, value: { error: code, error_description: OAUTH_ERROR_TEXT[code] ?? code } },
          ]),
        ),
      }),
    ),
  );
}

/** Client authentication fields for client_secret_post (RFC 6749 §2.3.1) and public clients. */
export const CLIENT_AUTH_FIELDS: ParamSpec[] = [
  {
    name: 'client_id',
    description:
      'The client id: with client_secret for client_secret_post, or alone for a public client (none). ' +
      'Omit both when using HTTP Basic (client_secret_basic).',
  },
  {
    name: 'client_secret',
    description: 'client_secret_post only (RFC 6749 §2.3.1). Never send it with Basic.',
  },
];

/**
 * Client authentication as the token endpoint does it (RFC 6749 §2.3): HTTP Basic (client_secret_basic),
 * or client_id + client_secret in the form (client_secret_post), or client_id alone
 * (public clients with PKCE; endpoints that refuse them say so). OpenAPI has no scheme for credentials in a form body: that alternative is the
 * empty requirement `{}` with the fields documented in the body.
 */
export function ApiClientAuth(): MethodDecorator {
  return applyDecorators(
    ApiSecurity(CLIENT_BASIC_SCHEME),
    ApiSecurity({}),
    ApiOAuthErrors('invalid_client', 'too_many_requests'),
  );
}

/**
 * A browser-facing endpoint (RFC 6749 §3.1 authorization, OIDC logout): HTML pages and 303 redirects. Its
 * errors about the client or redirect URI are HTML pages (§4.1.2.1 forbids redirecting them).
 */
export function ApiBrowserEndpoint(options: {
  /** 302 answers a GET, 303 a POST (the browser then follows with GET). */
  redirectStatus: 302 | 303;
  redirect: string;
  pageErrors: string;
  /** When some 400s are JSON after all (a token request posted to the authorization endpoint): which. */
  jsonErrors?: string;
}): MethodDecorator {
  const { redirectStatus, redirect, pageErrors, jsonErrors } = options;
  const html = { 'text/html': { schema: { type: 'string' } } };
  return applyDecorators(
    ApiProduces('text/html'),
    ApiResponse({
      status: 200,
      description: 'an HTML page (sign-in, consent or confirmation)',
      content: html,
    }),
    ApiResponse({
      status: redirectStatus,
      description: redirect,
      headers: { Location: { description: 'where the browser goes next', schema: { type: 'string' } } },
    }),
    ApiResponse({
      status: 400,
      description: jsonErrors ? `${pageErrors}; JSON Error: ${jsonErrors}` : pageErrors,
      content: jsonErrors ? { ...html, [JSON_TYPE]: { schema: ERROR_REF } } : html,
    }),
  );
}

/**
 * Kept out of the reference: pages, assets and other browser-only routes. On a class it hides the whole
 * controller, on a method that route.
 */
export function HiddenFromApiDocs(): ClassDecorator & MethodDecorator {
  return ((target: object, key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) return ApiExcludeEndpoint()(target, key!, descriptor);
    ApiExcludeController()(target as Type);
  }) as ClassDecorator & MethodDecorator;
}

/** @nestjs/swagger's metadata keys for ApiExcludeController / ApiExcludeEndpoint (its DECORATORS). */
const EXCLUDE_CONTROLLER = 'swagger/apiExcludeController';
const EXCLUDE_ENDPOINT = 'swagger/apiExcludeEndpoint';

/** One route as Nest registered it (HEAD is Fastify's automatic twin of GET and is left out). */
export interface NestRoute {
  method: string;
  /** OpenAPI-style path: `/v1/projects/{id}`. */
  path: string;
  controller: Type;
  handler: string;
  hidden: boolean;
  isPublic: boolean;
  accepted: CredentialKind[];
  scopes: string[];
}

function joinPath(...parts: string[]): string {
  const joined = `/${parts.join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
  return joined.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

function asArray(value: unknown): string[] {
  if (value === undefined) return ['/'];
  return Array.isArray(value) ? (value as string[]) : [value as string];
}

/** Every route of every controller, read from Nest's own metadata (what RouterExplorer registers). */
export function listNestRoutes(app: INestApplicationContext): NestRoute[] {
  const scanner = new MetadataScanner();
  const reflector = new Reflector();
  const seen = new Set<Type>();
  const routes: NestRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | undefined;
      if (!controller || seen.has(controller)) continue;
      seen.add(controller);
      const classHidden =
        (Reflect.getMetadata(EXCLUDE_CONTROLLER, controller) as boolean[] | undefined)?.[0] === true;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as (...args: unknown[]) => unknown;
        const methodPath = Reflect.getMetadata(PATH_METADATA, handler) as unknown;
        if (methodPath === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const endpointHidden =
          (Reflect.getMetadata(EXCLUDE_ENDPOINT, handler) as { disable?: boolean } | undefined)?.disable ===
          true;
        const targets = [handler, controller];
        for (const base of asArray(Reflect.getMetadata(PATH_METADATA, controller))) {
          for (const sub of asArray(methodPath)) {
            routes.push({
              method,
              path: joinPath(base, sub),
              controller,
              handler: name,
              hidden: classHidden || endpointHidden,
              isPublic: reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets) ?? false,
              accepted:
                reflector.getAllAndOverride<CredentialKind[]>(ACCEPTED_CREDENTIALS, targets) ??
                RESOURCE_CREDENTIALS,
              scopes: reflector.getAllAndOverride<string[]>(REQUIRED_SCOPES, targets) ?? [],
            });
          }
        }
      }
    }
  }
  return routes;
}

/** The security requirements the guard enforces on a route (alternatives; a session needs both halves). */
function securityOf(route: NestRoute, method: string): SecurityRequirementObject[] {
  const requirements: SecurityRequirementObject[] = [];
  for (const kind of route.accepted) {
    if (kind === 'bearer') {
      requirements.push({ [BEARER_SCHEME]: [] });
      // The same bearer token, obtained through the Authorize dialog's OAuth flows.
      requirements.push({ [OAUTH2_SCHEME]: route.scopes });
    } else if (kind === 'api_key') {
      requirements.push({ [API_KEY_SCHEME]: [] });
    } else {
      // Safe methods need only the cookie; unsafe ones the X-CSRF-Token header too (session.strategy).
      const safe = method === 'get' || method === 'head' || method === 'options';
      requirements.push(safe ? { [SESSION_SCHEME]: [] } : { [SESSION_SCHEME]: [], [CSRF_SCHEME]: [] });
    }
  }
  return requirements;
}

function errorResponse(description: string): ResponseObject {
  return { description, content: { [JSON_TYPE]: { schema: ERROR_REF } } };
}

/**
 * Completes the generated document from the routes' guard metadata: `security` on every operation
 * (derived, so it is what the guard enforces; a public route without its own declaration gets `[]`),
 * the 401/403/429 every guarded route can answer, the 400 of any route taking input, the 500 of every
 * route, and the `Error` schema on
 * every 4xx/5xx response that did not say otherwise.
 */
export function completeOpenApiDocument(
  document: OpenAPIObject,
  app: INestApplicationContext,
): OpenAPIObject {
  document.components ??= {};
  document.components.schemas = { ...document.components.schemas, [ERROR_SCHEMA_NAME]: ERROR_SCHEMA };
  const byOperationId = new Map<string, NestRoute>();
  for (const route of listNestRoutes(app)) {
    byOperationId.set(`${route.controller.name}_${route.handler}`, route);
  }

  for (const item of Object.values(document.paths)) {
    for (const [method, value] of Object.entries(item)) {
      if (!value || typeof value !== 'object' || !('responses' in value)) continue;
      const operation = value as OperationObject;
      const route = operation.operationId ? byOperationId.get(operation.operationId) : undefined;
      const responses = operation.responses;
      if (route && !route.isPublic) {
        operation.security = securityOf(route, method);
        responses['401'] ??= errorResponse(
          'unauthorized (no credential) or invalid_token; the answer carries a WWW-Authenticate challenge (RFC 6750 §3)',
        );
        responses['403'] ??= errorResponse(
          route.accepted.includes('session')
            ? 'csrf_failed (no valid X-CSRF-Token on an unsafe method) or forbidden'
            : 'insufficient_scope (RFC 6750 §3.1) or forbidden',
        );
        responses['429'] ??= errorResponse(
          'too_many_requests: this credential is over its rate limit; retry after the seconds in Retry-After',
        );
      } else {
        operation.security ??= [];
      }
      // Parameters and bodies are validated before any work: invalid_request, naming each field.
      if ((operation.parameters?.length ?? 0) > 0 || operation.requestBody) {
        responses['400'] ??= errorResponse(
          'invalid_request: a parameter or body field is invalid (see `fields`)',
        );
      }
      responses['500'] ??= errorResponse(
        'server_error: an unexpected fault (details only in the log, by X-Request-Id)',
      );
      for (const [status, response] of Object.entries(responses)) {
        if (!/^[45]/.test(status) || !response || typeof response !== 'object' || '$ref' in response) {
          continue;
        }
        const content = response.content;
        if (!content) response.content = { [JSON_TYPE]: { schema: ERROR_REF } };
        else if (content[JSON_TYPE]) content[JSON_TYPE].schema = ERROR_REF;
      }
    }
  }
  return document;
}
