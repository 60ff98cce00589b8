import cluster from 'node:cluster';

/**
 * Cache invalidation between the workers of one `WORKERS=n` cluster when there is no Redis: a worker
 * sends `{ kind, id }` to the primary over the cluster's IPC channel, and the primary forwards it to
 * every other worker (worker → primary → peers). With Redis every worker subscribes itself and none of
 * this runs. Kept free of Nest and of `process`/`cluster` globals (passed in) so it is testable without
 * forking.
 */
export const INVALIDATION_MESSAGE = 'iiniit:cache-invalidate';

export interface InvalidationMessage {
  type: typeof INVALIDATION_MESSAGE;
  kind: string;
  id: string;
}

/** Kinds are short names (`user`, `client`, ...); ids are keys such as UUIDs and hashes. */
const MAX_FIELD = 512;

export function invalidationMessage(kind: string, id: string): InvalidationMessage {
  return { type: INVALIDATION_MESSAGE, kind, id };
}

/** IPC carries other messages too (Node's own cluster traffic, other code's): recognise ours strictly. */
export function isInvalidationMessage(message: unknown): message is InvalidationMessage {
  if (typeof message !== 'object' || message === null) return false;
  const m = message as Partial<Record<keyof InvalidationMessage, unknown>>;
  return (
    m.type === INVALIDATION_MESSAGE &&
    typeof m.kind === 'string' &&
    typeof m.id === 'string' &&
    m.kind.length > 0 &&
    m.kind.length <= MAX_FIELD &&
    m.id.length <= MAX_FIELD
  );
}

/** What the primary needs of a worker (node:cluster's Worker satisfies it). */
export interface RelayWorker {
  id: number;
  isConnected(): boolean;
  send(message: InvalidationMessage, callback: (error: Error | null) => void): boolean;
}

/**
 * Primary: forwards an invalidation from worker `from` to every other connected worker. A worker that
 * is exiting may refuse; it has no cache worth keeping then, so the error is dropped.
 */
export function relayToPeers(
  from: { id: number },
  message: unknown,
  workers: Iterable<RelayWorker | undefined>,
): number {
  if (!isInvalidationMessage(message)) return 0;
  const forwarded = invalidationMessage(message.kind, message.id);
  let sent = 0;
  for (const worker of workers) {
    if (!worker || worker.id === from.id || !worker.isConnected()) continue;
    worker.send(forwarded, () => undefined);
    sent++;
  }
  return sent;
}

/** What the primary needs of node:cluster. */
export interface RelayCluster {
  workers?: NodeJS.Dict<RelayWorker>;
  on(event: 'message', listener: (worker: RelayWorker, message: unknown) => void): unknown;
}

/** Primary: relay every worker's invalidations to its peers (main.ts installs it once). */
export function installInvalidationRelay(target: RelayCluster = cluster): void {
  target.on('message', (worker, message) => {
    relayToPeers(worker, message, Object.values(target.workers ?? {}));
  });
}

/** What a worker needs of `process` (a forked child with an IPC channel). */
export interface ParentChannel {
  connected?: boolean;
  send?(message: InvalidationMessage, callback: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/**
 * Worker: sends this worker's invalidations to the primary and delivers the peers' ones to `deliver`.
 * The primary never echoes a message to its sender, so local delivery stays the caller's job.
 */
export class WorkerInvalidationLink {
  private readonly listener = (message: unknown): void => {
    if (isInvalidationMessage(message)) this.deliver(message.kind, message.id);
  };

  constructor(
    private readonly parent: ParentChannel,
    private readonly deliver: (kind: string, id: string) => void,
  ) {
    parent.on('message', this.listener);
  }

  /** Best effort like the Redis feed: a lost message leaves a peer stale for at most the cache TTL. */
  send(kind: string, id: string): void {
    if (!this.parent.send || this.parent.connected === false) return;
    this.parent.send(invalidationMessage(kind, id), () => undefined);
  }

  close(): void {
    this.parent.off('message', this.listener);
  }
}

/** This process's channel to the cluster primary, when it is a cluster worker; undefined otherwise. */
export function clusterParent(): ParentChannel | undefined {
  // A Jest worker or any forked child also has process.send; only a cluster worker has peers to tell.
  if (!cluster.isWorker || typeof process.send !== 'function') return undefined;
  return process;
}
