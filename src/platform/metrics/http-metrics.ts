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
 * route. The observe function of each (route, method, status class) is bound once and found through
 * two Map lookups and an array index, with no string built per request; FastHistogram records it in
 * a few number writes (see there for what prom-client's own observe costs).
 */
export function registerHttpMetrics(fastify: FastifyInstance): void {
  const histogram = metrics().httpDuration;
  // route template → method → status class (index 0-5: other, 1xx … 5xx) → bound observe.
  const byRoute = new Map<string, Map<string, Observe[]>>();
  const bind = (route: string, method: string): Observe[] =>
    STATUS_CLASSES.map((statusClass) => histogram.bind({ method, route, status_class: statusClass }));
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
      let byMethod = byRoute.get(route);
      if (!byMethod) {
        byMethod = new Map();
        byRoute.set(route, byMethod);
      }
      // Methods: Fastify answers only the ones it knows (a closed set), so this map stays small.
      let observers = byMethod.get(request.method);
      if (!observers) {
        observers = bind(route, request.method);
        byMethod.set(request.method, observers);
      }
      const statusClass = Math.floor(reply.statusCode / 100);
      observers[statusClass >= 1 && statusClass <= 5 ? statusClass : 0](
        (performance.now() - request.metricsStart) / 1000,
      );
      done(null, payload);
    },
  );
}

/** Index = the status code's first digit; anything outside 1-5 is 'other'. */
const STATUS_CLASSES = ['other', '1xx', '2xx', '3xx', '4xx', '5xx'];
