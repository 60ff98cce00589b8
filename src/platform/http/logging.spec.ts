import { ConsoleLogger, Logger } from '@nestjs/common';
import Fastify, { type FastifyInstance } from 'fastify';

import type { AppConfig } from '../../config/app-config';
import {
  createLogger,
  fastifyLogging,
  PinoNestLogger,
  redactUrl,
  registerRequestLogging,
  requestIdFor,
} from './logging';

/** A pino destination that keeps the JSON lines it is given. */
function capture(): { write(line: string): void; lines(): Record<string, unknown>[]; raw(): string } {
  const chunks: string[] = [];
  return {
    write: (line: string) => void chunks.push(line),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    raw: () => chunks.join(''),
  };
}

const level = (logLevel: AppConfig['logLevel']) => ({ logLevel });

describe('redactUrl', () => {
  it('blanks credential query parameters and keeps the rest', () => {
    expect(redactUrl('/cb?code=abc&state=xyz')).toBe('/cb?code=%5BREDACTED%5D&state=xyz');
    expect(redactUrl('/x?Client_Secret=s&token=t&refresh_token=r&keep=1')).toBe(
      '/x?Client_Secret=%5BREDACTED%5D&token=%5BREDACTED%5D&refresh_token=%5BREDACTED%5D&keep=1',
    );
    expect(redactUrl('/v1/user')).toBe('/v1/user');
  });
});

describe('requestIdFor', () => {
  const req = (headers: Record<string, string>) => ({ headers }) as never;

  it('keeps a plain caller id and replaces anything else with a UUID', () => {
    expect(requestIdFor(req({ 'x-request-id': 'abc-123.X_y' }))).toBe('abc-123.X_y');
    expect(requestIdFor(req({ 'x-request-id': 'bad id\n' }))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor(req({ 'x-request-id': 'a'.repeat(65) }))).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFor(req({}))).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('createLogger', () => {
  it('redacts credential headers and secret query parameters of a logged request', () => {
    const out = capture();
    createLogger(level('info'), out).info(
      {
        req: {
          id: 'r1',
          method: 'GET',
          url: '/cb?code=SECRET&state=s',
          headers: {
            authorization: 'Bearer SECRET',
            cookie: 'sid=SECRET',
            'x-api-key': 'SECRET',
            accept: '*/*',
          },
        },
      },
      'hello',
    );
    expect(out.raw()).not.toContain('SECRET');
    const [line] = out.lines();
    expect(line.req).toEqual({
      id: 'r1',
      method: 'GET',
      url: '/cb?code=%5BREDACTED%5D&state=s',
      headers: {
        authorization: '[REDACTED]',
        cookie: '[REDACTED]',
        'x-api-key': '[REDACTED]',
        accept: '*/*',
      },
    });
  });

  it('writes nothing at LOG_LEVEL=silent', () => {
    const out = capture();
    const logger = createLogger(level('silent'), out);
    logger.error('nope');
    new PinoNestLogger(logger).error({ err: new Error('x') }, 'unhandled error', 'ErrorFilter');
    expect(out.raw()).toBe('');
  });
});

describe('PinoNestLogger', () => {
  afterEach(() => Logger.overrideLogger(new ConsoleLogger()));

  it('serialises { err, reqId } from the error filter with pino’s err serializer', () => {
    const out = capture();
    Logger.overrideLogger(new PinoNestLogger(createLogger(level('info'), out)));
    const error = new TypeError('boom');
    new Logger('ErrorFilter').error({ err: error, reqId: 'req-1' }, 'unhandled error');
    const [line] = out.lines();
    expect(line).toMatchObject({
      level: 50,
      context: 'ErrorFilter',
      reqId: 'req-1',
      msg: 'unhandled error',
      err: { type: 'TypeError', message: 'boom' },
    });
    expect((line.err as { stack: string }).stack).toContain('TypeError: boom');
  });

  it('writes Nest log calls as JSON lines with their context, honouring the level', () => {
    const out = capture();
    Logger.overrideLogger(new PinoNestLogger(createLogger(level('warn'), out)));
    new Logger('Cache').warn('stale entry dropped');
    new Logger('Cache').log('not at warn');
    new Logger('Boot').error(new Error('bad'));
    expect(out.lines()).toEqual([
      expect.objectContaining({ level: 40, context: 'Cache', msg: 'stale entry dropped' }),
      expect.objectContaining({
        level: 50,
        context: 'Boot',
        err: expect.objectContaining({ message: 'bad' }),
      }),
    ]);
  });

  it('writes Nest’s route-mapping and module lines at debug, so info shows only the banner', () => {
    const atInfo = capture();
    Logger.overrideLogger(new PinoNestLogger(createLogger(level('info'), atInfo)));
    new Logger('RouterExplorer').log('Mapped {/health, GET} route');
    new Logger('RoutesResolver').log('HealthController {/health}:');
    new Logger('InstanceLoader').log('AppModule dependencies initialized');
    new Logger('NestApplication').log('Nest application successfully started');
    expect(atInfo.lines()).toEqual([expect.objectContaining({ level: 30, context: 'NestApplication' })]);
    const atDebug = capture();
    Logger.overrideLogger(new PinoNestLogger(createLogger(level('debug'), atDebug)));
    new Logger('RouterExplorer').log('Mapped {/health, GET} route');
    expect(atDebug.lines()).toEqual([
      expect.objectContaining({ level: 20, context: 'RouterExplorer', msg: 'Mapped {/health, GET} route' }),
    ]);
  });

  it('turns Nest’s error(message, stack) contract into one err', () => {
    const out = capture();
    const logger = new PinoNestLogger(createLogger(level('info'), out));
    logger.error('it failed', 'Error: it failed\n    at somewhere (file.ts:1:1)', 'ExceptionsHandler');
    const [line] = out.lines();
    expect(line).toMatchObject({ context: 'ExceptionsHandler', err: { message: 'it failed' } });
    expect((line.err as { stack: string }).stack).toContain('at somewhere');
  });
});

describe('registerRequestLogging', () => {
  async function serve(logLevel: AppConfig['logLevel']) {
    const out = capture();
    const logger = createLogger(level(logLevel), out);
    // As Nest's adapter types it (FastifyBaseLogger), which is what the app registers the hook on.
    const fastify = Fastify({
      ...fastifyLogging(logger),
      genReqId: requestIdFor,
    }) as unknown as FastifyInstance;
    registerRequestLogging(fastify, logger);
    fastify.get('/x', (_req, reply) => reply.send({ ok: true }));
    fastify.get('/health', (_req, reply) => reply.send({ status: 'ok' }));
    await fastify.ready();
    return { fastify, out };
  }

  it('logs one flat line per request at info, without secrets or headers, and skips /health', async () => {
    const { fastify, out } = await serve('info');
    const res = await fastify.inject({
      url: '/x?code=SECRET&keep=1',
      headers: { authorization: 'Bearer SECRET', cookie: 'sid=SECRET', 'x-request-id': 'trace-1' },
    });
    await fastify.inject({ url: '/health' });
    await fastify.close();
    expect(res.statusCode).toBe(200);
    const requests = out.lines().filter((l) => l.msg === 'request completed');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toEqual({
      level: 30,
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      reqId: 'trace-1',
      method: 'GET',
      url: '/x?code=%5BREDACTED%5D&keep=1',
      statusCode: 200,
      responseTime: expect.any(Number),
      msg: 'request completed',
    });
    expect(out.raw()).not.toContain('SECRET');
  });

  it('adds no per-request logging below info', async () => {
    const { fastify, out } = await serve('warn');
    await fastify.inject({ url: '/x' });
    await fastify.close();
    expect(out.raw()).toBe('');
  });
});
