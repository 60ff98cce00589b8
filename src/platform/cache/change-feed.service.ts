import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Redis } from 'ioredis';

import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { countRedisFallback, gaugeSources } from '../metrics/metrics';
import { clusterParent, WorkerInvalidationLink } from './cluster-relay';

type Handler = (message: string) => void;
/** Receives the id of an entry that changed; drops it (or what depends on it) from a cache. */
export type InvalidationHandler = (id: string) => void;

/**
 * Cache invalidations: `<kind>:<id>` (kinds: api_key, client, user, projects); receivers drop what they
 * cached for it. Use `ChangeFeed.invalidate` / `onInvalidate` rather than this channel directly.
 */
export const CACHE_CHANNEL = 'iiniit:cache';

/** How long shutdown waits for invalidations still being published (a CLI run exits right after its write). */
const FLUSH_TIMEOUT_MS = 2_000;

/** How long start-up waits for Redis to confirm a subscription before carrying on without it. */
const SUBSCRIBE_TIMEOUT_MS = 5_000;
const QUIT_TIMEOUT_MS = 1_000;
/**
 * A publish never holds the request that made the change (a revocation, a key rotation) longer than this,
 * even when Redis accepts the connection but does not answer.
 */
const PUBLISH_TIMEOUT_MS = 500;

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Cross-instance notifications over Redis pub/sub (design: "revocation and cache-invalidation pub/sub,
 * shared by all instances"). Without REDIS_URL `publish`/`subscribe` do nothing and callers rely on their
 * own in-process state — a single instance (design: "Without it, in-memory and single instance"); cache
 * invalidations (`invalidate`/`onInvalidate`) then still reach the other workers of a `WORKERS=n`
 * cluster over IPC (see cache/cluster-relay.ts).
 *
 * Pub/sub is at-most-once: a message sent while an instance is disconnected is lost, so every user of this
 * feed has a safety net: the revocation list polls the database, the read caches expire (TTL). A
 * subscribed Redis connection cannot run other commands (Redis docs, SUBSCRIBE), hence the second
 * connection for publishing.
 *
 * Redis down: each instance keeps its own state (what it changed itself applies at once, here), publishes
 * fail fast without queueing (one warning per outage, `iiniit_redis_fallback_total{component="change_feed"}`
 * per message not sent), and when the subscription is back `onResume` handlers catch up on what the
 * other instances published meanwhile (the revocation list re-reads the database at once).
 */
@Injectable()
export class ChangeFeed implements OnModuleDestroy {
  private readonly logger = new Logger(ChangeFeed.name);
  private publisher?: Redis;
  private subscriber?: Redis;
  private readonly handlers = new Map<string, Handler[]>();
  private readonly invalidationHandlers = new Map<string, InvalidationHandler[]>();
  private cacheSubscription?: Promise<void>;
  /** Epoch ms until which start-up waits for Redis: one bounded wait for all channels, not one per channel. */
  private subscribeDeadline?: number;
  private workerLink?: WorkerInvalidationLink;
  private readonly pendingPublishes = new Set<Promise<void>>();
  private readonly resumeHandlers: (() => void | Promise<void>)[] = [];
  /**
   * Start-up's subscription was confirmed or given up on: a later 'ready' is a reconnection after an
   * outage (or Redis arriving late), when receivers must catch up.
   */
  private catchUpOnReady = false;
  /** A publish failed and the publisher has not been ready since: the outage is already logged. */
  private publishFailing = false;
  private closed = false;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get enabled(): boolean {
    return this.config.redisUrl !== undefined;
  }

  /** Registers a handler; resolves once Redis confirmed the subscription (or after a bounded wait). */
  async subscribe(channel: string, handler: Handler): Promise<void> {
    if (!this.config.redisUrl || this.closed) return;
    const existing = this.handlers.get(channel);
    if (existing) {
      existing.push(handler);
      return;
    }
    this.handlers.set(channel, [handler]);
    const subscriber = (this.subscriber ??= this.connectSubscriber(this.config.redisUrl));
    // Modules subscribe one after another at start-up; with Redis unreachable each would otherwise add
    // its own full wait.
    const deadline = (this.subscribeDeadline ??= Date.now() + SUBSCRIBE_TIMEOUT_MS);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('timed out'), Math.max(0, deadline - Date.now()));
    });
    const problem = await Promise.race([this.subscribeWhenReady(subscriber, channel), timedOut]);
    clearTimeout(timer);
    // Redis answered: a later subscription gets a full wait of its own again.
    if (!problem) this.subscribeDeadline = undefined;
    this.catchUpOnReady = true;
    if (problem) {
      // The 'ready' listener subscribes every registered channel whenever the connection (re)opens.
      this.logger.warn(
        `Redis subscription to ${channel} not confirmed (${problem}); database polling covers it`,
      );
    }
  }

  /**
   * Registers a cache's handler for one kind of invalidation. It runs for this process's own
   * `invalidate` calls (synchronously) and for other instances' (Redis) or other cluster workers' (IPC,
   * without Redis). Resolves once the Redis subscription is confirmed (or after a bounded wait).
   */
  async onInvalidate(kind: string, handler: InvalidationHandler): Promise<void> {
    checkKind(kind);
    const list = this.invalidationHandlers.get(kind);
    if (list) list.push(handler);
    else this.invalidationHandlers.set(kind, [handler]);
    if (this.enabled) {
      await (this.cacheSubscription ??= this.subscribe(CACHE_CHANNEL, (payload) => this.receive(payload)));
    } else {
      this.link();
    }
  }

  /**
   * Call after the write committed: drops `kind`/`id` from this process's caches at once, then tells every
   * other instance (Redis) or, without Redis, the other workers of this cluster (IPC). Never waits, and
   * a delivery problem never throws: delivery elsewhere is best effort, and the caches' TTL bounds a lost
   * message.
   */
  invalidate(kind: string, id: string): void {
    checkKind(kind);
    this.deliver(kind, id);
    if (this.closed) return;
    if (this.enabled) {
      const publishing = this.publish(CACHE_CHANNEL, `${kind}:${id}`).finally(() =>
        this.pendingPublishes.delete(publishing),
      );
      this.pendingPublishes.add(publishing);
    } else {
      this.link()?.send(kind, id);
    }
  }

  /**
   * Runs `handler` each time the Redis subscription comes back after an outage, once every channel is
   * subscribed again: messages published while this instance was cut off are lost (pub/sub is
   * at-most-once), so whoever relies on them catches up from the database here. Never at start-up.
   */
  onResume(handler: () => void | Promise<void>): void {
    this.resumeHandlers.push(handler);
  }

  /**
   * Best effort: a failed publish is logged (once per outage) and counted, never thrown — the database
   * write already happened, and the receivers' safety nets (database polling, cache TTL, `onResume`)
   * cover the lost message. Bounded: never waits on a Redis that is down or does not answer.
   */
  async publish(channel: string, payload: string): Promise<void> {
    if (!this.config.redisUrl || this.closed) return;
    const publisher = (this.publisher ??= this.connectPublisher(this.config.redisUrl));
    // Known outage (the connection was lost and ioredis is reconnecting): fail at once rather than
    // queueing the message behind reconnection attempts.
    if (publisher.status === 'reconnecting' || publisher.status === 'end') {
      this.publishFailed(channel, new Error(`connection ${publisher.status}`));
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${PUBLISH_TIMEOUT_MS} ms`)),
        PUBLISH_TIMEOUT_MS,
      );
    });
    try {
      await Promise.race([publisher.publish(channel, payload), timeout]);
    } catch (error) {
      this.publishFailed(channel, error);
    } finally {
      clearTimeout(timer);
    }
  }

  private publishFailed(channel: string, error: unknown): void {
    countRedisFallback('change_feed');
    if (!this.publishFailing) {
      this.logger.warn(
        `publishing to ${channel} failed (${message(error)}); instances keep their own state until Redis is back`,
      );
    }
    this.publishFailing = true;
  }

  private connectPublisher(url: string): Redis {
    const client = this.connect(url, 'publisher');
    client.on('ready', () => {
      this.publishFailing = false;
    });
    return client;
  }

  async onModuleDestroy(): Promise<void> {
    // A short-lived process (the admin CLI) closes right after its write: let its invalidations go out.
    await this.flush();
    this.closed = true;
    this.workerLink?.close();
    this.workerLink = undefined;
    const clients = [this.subscriber, this.publisher].filter((c): c is Redis => c !== undefined);
    await Promise.all(clients.map((client) => close(client)));
    this.subscriber = undefined;
    this.publisher = undefined;
  }

  /** Waits (boundedly) until the invalidations published so far have reached Redis or failed. */
  async flush(): Promise<void> {
    if (this.pendingPublishes.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, FLUSH_TIMEOUT_MS);
    });
    await Promise.race([Promise.allSettled([...this.pendingPublishes]), timeout]);
    clearTimeout(timer);
  }

  /** Subscribed again after an outage: catch up (after subscribing, so nothing falls in between). */
  private resume(): void {
    if (this.closed) return;
    this.logger.log('Redis subscription is back: catching up on changes made during the outage');
    for (const handler of this.resumeHandlers) {
      Promise.resolve()
        .then(handler)
        .catch((error: unknown) => this.logger.warn(`catch-up after Redis outage failed: ${message(error)}`));
    }
  }

  private receive(payload: string): void {
    const colon = payload.indexOf(':');
    if (colon > 0) this.deliver(payload.slice(0, colon), payload.slice(colon + 1));
  }

  private deliver(kind: string, id: string): void {
    for (const handler of this.invalidationHandlers.get(kind) ?? []) {
      try {
        handler(id);
      } catch (error) {
        this.logger.warn(`invalidation handler for ${kind} failed: ${message(error)}`);
      }
    }
  }

  /** Without Redis, in a cluster worker: the IPC link to the primary, which relays to the other workers. */
  private link(): WorkerInvalidationLink | undefined {
    if (this.workerLink || this.closed) return this.workerLink;
    const parent = clusterParent();
    if (parent) this.workerLink = new WorkerInvalidationLink(parent, (kind, id) => this.deliver(kind, id));
    return this.workerLink;
  }

  /**
   * SUBSCRIBE only on a ready connection: sent while ioredis still runs its ready check (INFO), it puts the
   * connection in subscriber mode first and the check — or the subscription — fails (seen here in ~15% of
   * fresh connections). Resolves to undefined on success, else the reason.
   */
  private async subscribeWhenReady(client: Redis, channel: string): Promise<string | undefined> {
    try {
      if (client.status !== 'ready') {
        await new Promise<void>((resolve, reject) => {
          const onReady = (): void => {
            client.off('end', onEnd);
            resolve();
          };
          const onEnd = (): void => {
            client.off('ready', onReady);
            reject(new Error('connection closed'));
          };
          client.once('ready', onReady);
          client.once('end', onEnd);
        });
      }
      await client.subscribe(channel);
      return undefined;
    } catch (error) {
      return message(error);
    }
  }

  private connectSubscriber(url: string): Redis {
    // Our own re-subscription on every 'ready' replaces ioredis's, which has the same race as above.
    const client = this.connect(url, 'subscriber', { autoResubscribe: false });
    client.on('ready', () => {
      const channels = [...this.handlers.keys()];
      if (channels.length === 0) return;
      const resumed = this.catchUpOnReady;
      client
        .subscribe(...channels)
        .then(() => {
          if (resumed) this.resume();
        })
        .catch((error: unknown) => {
          this.logger.warn(`Redis re-subscription failed: ${message(error)}`);
        });
    });
    client.on('message', (channel: string, payload: string) => {
      for (const handler of this.handlers.get(channel) ?? []) {
        try {
          handler(payload);
        } catch (error) {
          this.logger.warn(`handler for ${channel} failed: ${message(error)}`);
        }
      }
    });
    return client;
  }

  private connect(url: string, role: string, options: { autoResubscribe?: boolean } = {}): Redis {
    const client = new Redis(url, {
      // Fail publishes fast while Redis is away instead of queueing them for minutes; polling covers the gap.
      maxRetriesPerRequest: 2,
      connectionName: `iiniit-${role}`,
      // ioredis arms this timer on every disconnect, even of a socket that is already gone, and it would
      // hold the process (a CLI run, a test worker) open for the default 2 s.
      disconnectTimeout: 200,
      // Same reason as the rate-limit connection: notice an unanswering Redis within a second per attempt.
      connectTimeout: 1_000,
      ...options,
    });
    // Without a listener an 'error' event would crash the process; reconnecting is ioredis's job.
    let reported = false;
    client.on('error', (error: Error) => {
      if (!reported) this.logger.warn(`Redis ${role} connection error: ${error.message}`);
      reported = true;
    });
    client.on('ready', () => {
      reported = false;
    });
    gaugeSources.redis.set(`change_feed_${role}`, () => client.status === 'ready');
    return client;
  }
}

/** The kind is the message prefix up to the first colon; ids may contain anything. */
function checkKind(kind: string): void {
  if (!/^[a-z_]{1,32}$/.test(kind)) throw new Error(`invalid invalidation kind: ${kind}`);
}

/** QUIT when connected (clean close); otherwise drop the socket so no reconnect timer keeps Node alive. */
async function close(client: Redis): Promise<void> {
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, QUIT_TIMEOUT_MS);
  });
  await Promise.race([
    client.quit().then(
      () => undefined,
      () => undefined,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  client.disconnect();
}
