import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

import type { LoggerService } from '@nestjs/common';
import {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

import type { AppConfig } from '../../config/app-config';

/** Query parameters whose values are credentials or bind to credentials: never logged. */
const SECRET_PARAMS =
  /^(code|code_verifier|client_secret|token|refresh_token|access_token|api_key|password|key)$/i;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of [...params.keys()]) if (SECRET_PARAMS.test(name)) params.set(name, '[REDACTED]');
  return `${url.slice(0, q)}?${params.toString()}`;
}

/** A caller's X-Request-Id is kept when it is short and plain (no log injection), else a new UUID. */
export function requestIdFor(req: IncomingMessage): string {
  const existing = (req as { id?: unknown }).id;
  if (typeof existing === 'string') return existing;
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** Credentials travel in headers and bodies; bodies are never logged, these headers are blanked. */
const REDACTED_LOG_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

interface LoggableRequest {
  id?: unknown;
  method?: unknown;
  url?: unknown;
  headers?: unknown;
}

/** `{ req }` in a log line (a Fastify request, a raw IncomingMessage): the URL without its secrets. */
function serializeRequest(req: LoggableRequest): Record<string, unknown> {
  return {
    id: req.id,
    method: req.method,
    url: typeof req.url === 'string' ? redactUrl(req.url) : req.url,
    headers: req.headers,
  };
}

function loggerOptions(config: Pick<AppConfig, 'logLevel'>): LoggerOptions {
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_LOG_PATHS, censor: '[REDACTED]' },
    serializers: { req: serializeRequest, err: pino.stdSerializers.err },
  };
}

/**
 * The process's one logger: Fastify logs through it (`loggerInstance`), Nest through PinoNestLogger.
 * JSON lines on stdout, written synchronously as pino does by default; `destination` is for tests.
 */
export function createLogger(config: Pick<AppConfig, 'logLevel'>, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(config), destination) : pino(loggerOptions(config));
}

/**
 * Fastify's logger options: our pino instance, with Fastify's own per-request lines ("incoming
 * request", "request completed" with `{ req, res }`) off; registerRequestLogging writes one line.
 */
export function fastifyLogging(logger: Logger): { loggerInstance: Logger; logController: LogController } {
  return { loggerInstance: logger, logController: new LogController({ disableRequestLogging: true }) };
}

/**
 * Fastify's per-request logger (`request.log`), made into a pino child on first use. Fastify builds one
 * for every request, and a pino child serialises its bindings and sets its level when created (~1.1 µs
 * here), while at our log levels nothing on a request's happy path writes to it: only Fastify's own
 * warnings and errors do.
 */
class LazyChildLogger {
  private real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: pino.Bindings,
    private readonly options: pino.ChildLoggerOptions,
  ) {}

  private get log(): FastifyBaseLogger {
    return (this.real ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.real?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.log.level = level;
  }

  fatal(obj: unknown, ...rest: unknown[]): void {
    this.log.fatal(obj, ...(rest as [string, ...unknown[]]));
  }

  error(obj: unknown, ...rest: unknown[]): void {
    this.log.error(obj, ...(rest as [string, ...unknown[]]));
  }

  warn(obj: unknown, ...rest: unknown[]): void {
    this.log.warn(obj, ...(rest as [string, ...unknown[]]));
  }

  info(obj: unknown, ...rest: unknown[]): void {
    this.log.info(obj, ...(rest as [string, ...unknown[]]));
  }

  debug(obj: unknown, ...rest: unknown[]): void {
    this.log.debug(obj, ...(rest as [string, ...unknown[]]));
  }

  trace(obj: unknown, ...rest: unknown[]): void {
    this.log.trace(obj, ...(rest as [string, ...unknown[]]));
  }

  silent(): void {}

  child(bindings: pino.Bindings, options?: pino.ChildLoggerOptions): FastifyBaseLogger {
    return this.log.child(bindings, options);
  }
}

/** For `fastify.setChildLoggerFactory`: see LazyChildLogger. */
export function lazyChildLogger(
  logger: FastifyBaseLogger,
  bindings: pino.Bindings,
  options: pino.ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options);
}

/**
 * One JSON line per finished request at `info` (not for /health, which load balancers poll), from a
 * single onResponse hook. Below `info` no hook is added and a request writes nothing (Fastify only binds
 * its child logger, for its own warnings). Flat fields rather than `{ req, res }`: no serializer or
 * redaction pass per request, and no headers at all.
 */
export function registerRequestLogging(fastify: FastifyInstance, logger: Logger): void {
  if (!logger.isLevelEnabled('info')) return;
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (request.url !== '/health') {
      logger.info(
        {
          reqId: request.id,
          method: request.method,
          url: redactUrl(request.url),
          statusCode: reply.statusCode,
          responseTime: Math.round(reply.elapsedTime * 1000) / 1000,
        },
        'request completed',
      );
    }
    done();
  });
}

/** Nest's contexts for "X dependencies initialized", "{/path, GET} route" and "Mapped {...}" lines. */
const INVENTORY_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);

type NestLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Nest's LoggerService over the pino instance (`new Logger('X').warn(...)`, Nest's own start-up lines).
 * Same line shape as nestjs-pino's Logger: the context as `context`, an object argument merged into the
 * line, an Error as `err` (pino's err serializer). No AsyncLocalStorage: a line about a request names it
 * itself (`{ reqId }`, as the error filter does).
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...params: unknown[]): void {
    // Nest's start-up inventory (one line per module and per route) is for debugging, not for the
    // developer's terminal at info: the start banner says what matters.
    const context = params[params.length - 1];
    const level = typeof context === 'string' && INVENTORY_CONTEXTS.has(context) ? 'debug' : 'info';
    this.write(level, message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: NestLevel, message: unknown, params: unknown[]): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const line: Record<string, unknown> = {};
    // Nest's Logger passes its context as the last argument.
    let rest = params;
    if (params.length > 0) {
      line.context = params[params.length - 1];
      rest = params.slice(0, -1);
    }
    const log: (...args: unknown[]) => void = this.logger[level];
    if (typeof message === 'object') {
      if (message instanceof Error) line.err = message;
      else Object.assign(line, message);
      log.call(this.logger, line, ...rest);
    } else if (level === 'error' && isStackTrace(message, rest)) {
      // Nest's exception handlers call error(message, stack): log one Error rather than two strings.
      const err = new Error(message as string);
      err.stack = rest[0] as string;
      line.err = err;
      log.call(this.logger, line);
    } else {
      log.call(this.logger, line, message, ...rest);
    }
  }
}

function isStackTrace(message: unknown, rest: unknown[]): boolean {
  return (
    typeof message === 'string' &&
    rest.length === 1 &&
    typeof rest[0] === 'string' &&
    /\n\s*at /.test(rest[0])
  );
}
