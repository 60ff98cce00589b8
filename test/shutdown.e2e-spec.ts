import { request as httpRequest } from 'node:http';

import { createClient } from './factories/clients';
import { bootApp, type TestApp } from './support/app';
import { eventually } from './support/eventually';
import { basic } from './support/oauth';
import { type RunningServer, startServer } from './support/server';

type Outcome =
  | { kind: 'response'; status: number; body: string; complete: boolean; start: number; end: number }
  | { kind: 'refused'; start: number; end: number }
  | { kind: 'error'; code: string; start: number; end: number; connected?: boolean };

/**
 * One request on its own connection (no keep-alive pool): either a complete response (the body's
 * length matches Content-Length and, for JSON, parses), a refused connection (never accepted), or
 * an error — a reset or a truncated response, which graceful shutdown must never produce.
 */
function once(
  url: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Outcome> {
  const start = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest(
      `${url}${path}`,
      { method: init.method ?? 'GET', headers: { ...init.headers, connection: 'close' }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e: NodeJS.ErrnoException) =>
          resolve({ kind: 'error', code: e.code ?? e.message, start, end: performance.now() }),
        );
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString();
          const length = Number(res.headers['content-length'] ?? Buffer.byteLength(body));
          let complete = res.complete && Buffer.byteLength(body) === length;
          if (complete && /json/.test(res.headers['content-type'] ?? '')) {
            try {
              JSON.parse(body);
            } catch {
              complete = false;
            }
          }
          resolve({
            kind: 'response',
            status: res.statusCode ?? 0,
            body,
            complete,
            start,
            end: performance.now(),
          });
        });
      },
    );
    let connected = false;
    req.on('socket', (socket) => socket.once('connect', () => (connected = true)));
    req.on('error', (e: NodeJS.ErrnoException) =>
      resolve(
        e.code === 'ECONNREFUSED'
          ? { kind: 'refused', start, end: performance.now() }
          : { kind: 'error', code: e.code ?? e.message, start, end: performance.now(), connected },
      ),
    );
    req.end(init.body);
  });
}

describe('graceful shutdown and worker supervision (real server on PostgreSQL)', () => {
  let t: TestApp;
  let tokenAuth: { method: string; headers: Record<string, string>; body: string };

  beforeAll(async () => {
    // The spawned servers share this database: register the client through an in-process app.
    t = await bootApp();
    const service = await createClient(t.app, {
      name: 'Shutdown probe',
      grantTypes: ['client_credentials'],
      redirectUris: [],
      scopes: ['read:projects'],
    });
    tokenAuth = {
      method: 'POST',
      headers: {
        authorization: basic(service.clientId, service.clientSecret!),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    };
  });
  afterAll(() => t.close());

  describe('SIGTERM to a single process', () => {
    let server: RunningServer | undefined;
    afterEach(() => server?.stop());

    it('turns readiness 503 at once, then stops accepting; liveness answers meanwhile', async () => {
      server = await startServer({ LOG_LEVEL: 'silent', SHUTDOWN_DELAY: '2', JANITOR_ENABLED: 'false' });
      expect((await once(server.url, '/health/ready')) as { status?: number }).toMatchObject({ status: 200 });
      process.kill(server.pid, 'SIGTERM');
      await eventually(async () => {
        const ready = await once(server!.url, '/health/ready');
        return ready.kind === 'response' && ready.status === 503;
      }, 1000);
      expect(await once(server.url, '/health')).toMatchObject({
        kind: 'response',
        status: 200,
        complete: true,
      });
      expect(await server.exited).toBe(0);
      expect(await once(server.url, '/health')).toMatchObject({ kind: 'refused' });
    });

    it('under load behind a load balancer that honours readiness: no request lost, reset or cut short', async () => {
      server = await startServer({
        LOG_LEVEL: 'silent',
        SHUTDOWN_DELAY: '1',
        SHUTDOWN_TIMEOUT: '10',
        JANITOR_ENABLED: 'false',
        RATE_LIMIT_CLIENT: '0',
      });
      const running = server;
      const outcomes: Outcome[] = [];
      let signalledAt = Infinity;
      let outOfRotation = false;
      // The load balancer: polls readiness and stops routing once it answers 503.
      const balancer = (async () => {
        while (!outOfRotation) {
          const ready = await once(running.url, '/health/ready');
          if (ready.kind !== 'response' || ready.status === 503) outOfRotation = true;
          else await new Promise((resolve) => setTimeout(resolve, 25));
        }
      })();
      // Four clients sending token requests back to back (bounded: at most 300 each).
      const loop = async () => {
        for (let i = 0; i < 300 && !outOfRotation; i++) {
          outcomes.push(await once(running.url, '/oauth2/token', tokenAuth));
        }
      };
      const loops = Array.from({ length: 4 }, loop);
      await new Promise((resolve) => setTimeout(resolve, 400));
      signalledAt = performance.now();
      process.kill(running.pid, 'SIGTERM');
      await Promise.all([...loops, balancer]);
      expect(await running.exited).toBe(0);

      expect(outcomes.filter((o) => o.kind !== 'response')).toEqual([]);
      expect(outcomes.filter((o) => o.kind === 'response' && (!o.complete || o.status !== 200))).toEqual([]);
      expect(outcomes.length).toBeGreaterThan(10);
      // Requests in flight when the signal came completed with their token.
      expect(outcomes.some((o) => o.start < signalledAt && o.end > signalledAt)).toBe(true);
    });

    /** A token request whose body arrives in two halves, `gapMs` apart: in flight for that long. */
    function slowTokenRequest(url: string, gapMs: number, whileInFlight: () => Promise<void>) {
      return new Promise<Outcome>((resolve) => {
        const start = performance.now();
        const req = httpRequest(`${url}/oauth2/token`, {
          method: 'POST',
          agent: false,
          headers: {
            ...tokenAuth.headers,
            'content-length': String(tokenAuth.body.length),
            connection: 'close',
          },
        });
        req.on('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              kind: 'response',
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString(),
              complete: res.complete,
              start,
              end: performance.now(),
            }),
          );
        });
        req.on('error', (e: NodeJS.ErrnoException) =>
          resolve({ kind: 'error', code: e.code ?? e.message, start, end: performance.now() }),
        );
        req.flushHeaders();
        req.write(tokenAuth.body.slice(0, 10));
        setTimeout(() => {
          void whileInFlight().then(() => setTimeout(() => req.end(tokenAuth.body.slice(10)), gapMs).unref());
        }, 200);
      });
    }

    it('lets a request accepted before SIGTERM finish after the listener closed', async () => {
      server = await startServer({ LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT: '10', JANITOR_ENABLED: 'false' });
      const running = server;
      const outcome = await slowTokenRequest(running.url, 100, async () => {
        process.kill(running.pid, 'SIGTERM');
        // The listener closes: new connections are refused while the accepted request is still open.
        await eventually(async () => (await once(running.url, '/health')).kind === 'refused', 5000);
      });
      expect(outcome).toMatchObject({ kind: 'response', status: 200, complete: true });
      expect(JSON.parse((outcome as { body: string }).body)).toHaveProperty('access_token');
      expect(await running.exited).toBe(0);
    });

    it('cuts requests still open after SHUTDOWN_TIMEOUT, then exits', async () => {
      server = await startServer({ LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT: '1', JANITOR_ENABLED: 'false' });
      const running = server;
      let signalled = 0;
      const outcome = slowTokenRequest(running.url, 20_000, async () => {
        signalled = performance.now();
        process.kill(running.pid, 'SIGTERM');
      });
      expect(await running.exited).toBe(0);
      expect(performance.now() - signalled).toBeLessThan(5000);
      expect(await outcome).toMatchObject({ kind: 'error' });
    });
  });

  describe('WORKERS=2', () => {
    let server: RunningServer | undefined;
    afterAll(() => server?.stop());

    it('replaces a worker that received SIGTERM alone; requests keep being answered; SIGTERM to the primary drains all', async () => {
      server = await startServer({
        LOG_LEVEL: 'silent',
        WORKERS: '2',
        JANITOR_ENABLED: 'false',
        RATE_LIMIT_CLIENT: '0',
      });
      const running = server;
      const pids = () =>
        [...running.stdout().matchAll(/worker \d+ \(pid (\d+)\) listening on/g)].map((m) => Number(m[1]));
      expect(pids()).toHaveLength(2);
      const [victim, survivor] = pids();

      const outcomes: Outcome[] = [];
      let stop = false;
      const loop = async () => {
        for (let i = 0; i < 2000 && !stop; i++) {
          outcomes.push(await once(running.url, '/oauth2/token', tokenAuth));
        }
      };
      const loops = Array.from({ length: 4 }, loop);
      await new Promise((resolve) => setTimeout(resolve, 200));
      process.kill(victim, 'SIGTERM');
      // A new worker appears with a new pid; the other one kept serving.
      await eventually(async () => pids().length === 3, 60_000);
      const replacement = pids()[2];
      expect([victim, survivor]).not.toContain(replacement);
      await new Promise((resolve) => setTimeout(resolve, 300));
      stop = true;
      await Promise.all(loops);

      expect(outcomes.filter((o) => o.kind !== 'response')).toEqual([]);
      const responses = outcomes.filter((o) => o.kind === 'response');
      expect(responses.filter((o) => !o.complete)).toEqual([]);
      // 200, or a 503 from the draining worker for a connection the primary had handed it just before
      // it closed its listener (a complete answer the client may retry), never a reset or a 5xx else.
      const statuses = responses.map((o) => o.status);
      expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
      expect(statuses.filter((s) => s === 503).length).toBeLessThanOrEqual(4);
      expect(outcomes.length).toBeGreaterThan(20);
      // The replacement serves: keep asking until a response comes from it (round-robin across two).
      expect(process.kill(replacement, 0)).toBe(true);

      process.kill(running.pid, 'SIGTERM');
      expect(await running.exited).toBe(0);
      for (const pid of [survivor, replacement]) expect(() => process.kill(pid, 0)).toThrow();
      expect(running.stdout()).not.toMatch(
        /worker \d+ \(pid \d+\) listening on[\s\S]*worker \d+ \(pid \d+\) listening on[\s\S]*worker \d+ \(pid \d+\) listening on[\s\S]*worker \d+ \(pid \d+\) listening on/,
      );
    }, 150_000);
  });
});
