import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { metrics } from './metrics';

type Observe = (seconds: number) => void;

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the request arrived (HTTP duration metric). */
    metricsStart: number;
  }
}

/**
 * Request duration by route template (Fastify's `routeOptions.url`, e.g. `/v1/projects/:id`; never the
 * raw path, which would make every id its own series) and status class, measured from onRequest to
 * onSend (the response is complete then; only its write to the socket is left).
 *
 * Not an onResponse hook: with none registered (and no per-request logger) Fastify attaches no
 * `finish`/`error` listeners to the response at all, and adding them measurably cost the fastest
 * route. Each label combination's child is looked up once and cached, so a request costs two
 * synchronous hook calls, one Map lookup and one histogram observation.
 */
export function registerHttpMetrics(fastify: FastifyInstance): void {
  const histogram = metrics().httpDuration;
  const children = new Map<string, Observe>();
  // Declared up front so every request object keeps one shape.
  fastify.decorateRequest('metricsStart', 0);
  fastify.addHook('onRequest', (request: FastifyRequest, _reply: FastifyReply, done: () => void) => {
    request.metricsStart = performance.now();
    done();
  });
  fastify.addHook(
    'onSend',
    (
      request: FastifyRequest,
      reply: FastifyReply,
      payload: unknown,
      done: (err: null, payload: unknown) => void,
    ) => {
      // Unknown routes share one label: a scanner walking random paths adds no series.
      const route = request.routeOptions.url ?? 'unmatched';
      const statusClass = STATUS_CLASSES[Math.floor(reply.statusCode / 100)] ?? 'other';
      const key = `${request.method} ${route} ${statusClass}`;
      let observe = children.get(key);
      if (!observe) {
        const child = histogram.labels(request.method, route, statusClass);
        observe = (seconds) => child.observe(seconds);
        children.set(key, observe);
      }
      observe((performance.now() - request.metricsStart) / 1000);
      done(null, payload);
    },
  );
}

const STATUS_CLASSES: Record<number, string> = { 1: '1xx', 2: '2xx', 3: '3xx', 4: '4xx', 5: '5xx' };
