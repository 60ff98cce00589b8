import cluster from 'node:cluster';
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

import { AggregatorRegistry, register } from 'prom-client';

import type { AppConfig } from '../../config/app-config';

/** Constant-time bearer check (METRICS_TOKEN); `undefined` token means no check. */
export function bearerMatches(header: string | undefined, token: string | undefined): boolean {
  if (token === undefined) return true;
  const match = /^Bearer ([^\s]+)$/i.exec(header ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1]);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A tiny listener on METRICS_PORT that answers only `GET /metrics`: the metrics stay off the public port
 * (bind it to an internal interface or let the network policy keep it private). With METRICS_TOKEN also
 * set, scrapes must present it here too.
 */
export function startMetricsListener(
  config: AppConfig,
  render: () => Promise<{ contentType: string; body: string }>,
): Promise<Server> {
  const { port, token } = config.operations.metrics;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    if (!bearerMatches(req.headers.authorization, token)) {
      res
        .writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer' })
        .end('{"error":"unauthorized"}');
      return;
    }
    render().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      () => res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"server_error"}'),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, config.host, () => resolve(server));
  });
}

/** Single process: this process's registry. */
export function renderLocal(): Promise<{ contentType: string; body: string }> {
  return register.metrics().then((body) => ({ contentType: register.contentType, body }));
}

/**
 * WORKERS > 1: the primary serves METRICS_PORT and sums every worker's registry (prom-client's cluster
 * aggregator, over the cluster IPC channel), so one scrape sees the whole instance rather than the one
 * worker a load balancer happened to pick.
 */
export async function startPrimaryMetrics(config: AppConfig): Promise<void> {
  if (config.operations.metrics.port === undefined) return;
  const aggregator = new AggregatorRegistry();
  await startMetricsListener(config, async () => ({
    contentType: aggregator.contentType,
    body: await aggregator.clusterMetrics(),
  }));
}

/** Workers answer the primary's aggregation requests (prom-client adds its IPC listener on construction). */
export function answerClusterScrapes(): void {
  if (cluster.isWorker) new AggregatorRegistry();
}
