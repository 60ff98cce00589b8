import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { AppModule } from './app.module';
import type { AppConfig } from './config/app-config';
import { registerBodyParsers } from './platform/http/body-parsers';
import { registerCors } from './platform/http/cors';
import {
  createLogger,
  fastifyLogging,
  lazyChildLogger,
  PinoNestLogger,
  registerRequestLogging,
  requestIdFor,
} from './platform/http/logging';
import { setupOpenApi } from './platform/http/openapi';
import { registerSecurityHeaders } from './platform/http/security-headers';
import { AppValidationPipe } from './platform/http/validation';
import { registerHttpMetrics } from './platform/metrics/http-metrics';
import { clientErrorHandler } from './platform/rate-limit/client-errors';
import { installFastAsyncResourceBind } from './platform/runtime/async-resource-bind';

/** Request limits: OAuth and API bodies are small; anything bigger is an attack or a mistake. */
export const BODY_LIMIT = 64 * 1024;

/** Builds the whole application; main.ts listens on it, e2e tests call it too (the same code path). */
export async function createApp(
  config: AppConfig,
  options: { quiet?: boolean; shutdownHooks?: boolean } = {},
): Promise<NestFastifyApplication> {
  // Before Fastify binds its first request body (see there).
  installFastAsyncResourceBind();
  const logger = createLogger(config);
  const adapter = new FastifyAdapter({
    // Fastify logs through our pino instance; its per-request lines are off (see registerRequestLogging).
    ...fastifyLogging(logger),
    trustProxy: config.trustProxy,
    bodyLimit: BODY_LIMIT,
    routerOptions: { maxParamLength: 200 },
    // headers over Node's maxHeaderSize (16 KiB) → 431, bad HTTP → 400, in our JSON error shape.
    clientErrorHandler,
    // a request must arrive within 30 s (slow-loris); Fastify's default 0 means never time out.
    requestTimeout: 30_000,
    return503OnClosing: true,
    // Fastify assigns the id before any hook: the X-Request-Id header and every log line agree.
    genReqId: requestIdFor,
    // No Nest middleware here (no MiddlewareConsumer): @fastify/middie's hook would run on every request for nothing.
    skipMiddie: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
    // Throw start-up errors to the caller (main.ts prints one line; tests assert on them) instead of exit(1).
    abortOnError: false,
    // Our own parsers (registerBodyParsers): precise errors and the doc's form-as-JSON tolerance.
    bodyParser: false,
    logger: options.quiet ? false : undefined,
  });
  app.useLogger(new PinoNestLogger(logger));
  // main.ts drains on SIGTERM itself (platform/lifecycle/graceful-shutdown.ts).
  if (options.shutdownHooks !== false) app.enableShutdownHooks();

  // The per-request hooks are synchronous callbacks: no promise per hook per request.
  const fastify = app.getHttpAdapter().getInstance();
  registerBodyParsers(fastify, BODY_LIMIT);
  fastify.setChildLoggerFactory(lazyChildLogger);
  // Every response names its request id, so a user's report can be matched to the server log.
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.header('x-request-id', request.id);
    done();
  });
  // CORS only on the resource API, /oauth2/token|revoke (CORS_ORIGINS) and /.well-known/* (any).
  registerCors(fastify, config.corsOrigins);
  // After CORS, as helmet was: a preflight the CORS hook answers carries X-Request-Id but not these.
  // JSON API default CSP; the HTML pages and the docs set their own per response.
  registerSecurityHeaders(fastify, config);
  registerRequestLogging(fastify, logger);
  registerHttpMetrics(fastify);

  app.useGlobalPipes(new AppValidationPipe());
  // Swagger UI at /docs, the OpenAPI JSON at /docs/json (public; it sets its own CSP on those routes).
  setupOpenApi(app, config);
  return app;
}
