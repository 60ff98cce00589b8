import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { metrics } from './metrics';

type Observe = (seconds: number) => void;

/**
 * Request duration by route template (Fastify's `routeOptions.url`, e.g. `/v1/projects/:id`; never the
 * raw path, which would make every id its own series) and status class. One synchronous onResponse
 * hook; each label combination's child is looked up once and cached, so a request costs one Map lookup
 * and one histogram observation.
 */
export function registerHttpMetrics(fastify: FastifyInstance): void {
  const histogram = metrics().httpDuration;
  const children = new Map<string, Observe>();
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
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
    observe(reply.elapsedTime / 1000);
    done();
  });
}

const STATUS_CLASSES: Record<number, string> = { 1: '1xx', 2: '2xx', 3: '3xx', 4: '4xx', 5: '5xx' };
