import cluster, { type Worker } from 'node:cluster';

export interface SupervisorOptions {
  workers: number;
  /** Extra environment for every worker. */
  env: Record<string, string>;
  /** How long the primary waits for draining workers before it kills them (ms). */
  drainTimeoutMs: number;
  log?: (message: string) => void;
  error?: (message: string) => void;
}

/** A worker that dies sooner than this after its start counts towards the crash-loop back-off. */
const EARLY_EXIT_MS = 10_000;
const MAX_BACKOFF_MS = 30_000;

/**
 * The cluster primary: keeps `workers` processes serving. A worker that exits for any reason — a crash,
 * an OOM kill, or a plain SIGTERM sent to it alone — is replaced, unless the primary itself is shutting
 * down. SIGTERM/SIGINT to the primary forwards SIGTERM to every worker (each drains its requests, see
 * graceful-shutdown.ts), waits for all of them, then exits.
 */
export function superviseWorkers(options: SupervisorOptions): { stopping(): boolean } {
  const log = options.log ?? ((m: string) => console.log(m));
  const error = options.error ?? ((m: string) => console.error(m));
  const live = new Set<Worker>();
  const startedAt = new WeakMap<Worker, number>();
  let stopping = false;
  let earlyExits = 0;

  const fork = () => {
    if (stopping) return;
    const worker = cluster.fork(options.env);
    live.add(worker);
    startedAt.set(worker, Date.now());
  };

  cluster.on('exit', (worker, code, signal) => {
    live.delete(worker);
    if (stopping) {
      if (live.size === 0) process.exit(0);
      return;
    }
    // A worker that cannot even start (bad config, database unreachable) would otherwise be
    // re-forked in a tight loop: back off 1 s, 2 s, 4 s, ... up to 30 s while exits stay early.
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    earlyExits = lived < EARLY_EXIT_MS ? earlyExits + 1 : 0;
    const delay = earlyExits > 1 ? Math.min(MAX_BACKOFF_MS, 1000 * 2 ** (earlyExits - 2)) : 0;
    error(
      `worker ${worker.id} exited (${signal ?? `code ${code}`}); starting a new one${delay ? ` in ${delay} ms` : ''}`,
    );
    setTimeout(fork, delay);
  });

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: draining ${live.size} worker(s)`);
    if (live.size === 0) process.exit(0);
    // Signal the process itself, not worker.kill(): that first disconnects IPC, and the worker would
    // close its listener without running its own drain.
    for (const worker of live) worker.process.kill('SIGTERM');
    setTimeout(() => {
      error(`workers still running after ${options.drainTimeoutMs} ms; killing them`);
      for (const worker of live) worker.process.kill('SIGKILL');
      process.exit(1);
    }, options.drainTimeoutMs).unref();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  for (let i = 0; i < options.workers; i++) fork();
  return { stopping: () => stopping };
}
