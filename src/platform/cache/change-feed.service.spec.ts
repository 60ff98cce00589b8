import { EventEmitter } from 'node:events';

import { Logger } from '@nestjs/common';

import { loadConfig } from '../../config/app-config';
import { ChangeFeed } from './change-feed.service';
import { invalidationMessage, type ParentChannel } from './cluster-relay';

// Lets a test play "this process is a cluster worker" without forking.
let parent: ParentChannel | undefined;
jest.mock('./cluster-relay', () => ({
  ...jest.requireActual<typeof import('./cluster-relay')>('./cluster-relay'),
  clusterParent: () => parent,
}));

function feedWithoutRedis(): ChangeFeed {
  return new ChangeFeed(loadConfig({ NODE_ENV: 'test', REDIS_URL: '' }));
}

describe('ChangeFeed cache invalidation (no Redis)', () => {
  afterEach(() => {
    parent = undefined;
    jest.restoreAllMocks();
  });

  it('delivers to this process’s handlers of that kind at once (synchronously)', async () => {
    const feed = feedWithoutRedis();
    const users: string[] = [];
    const projects: string[] = [];
    await feed.onInvalidate('user', (id) => users.push(id));
    await feed.onInvalidate('user', (id) => users.push(`again ${id}`));
    await feed.onInvalidate('projects', (id) => projects.push(id));
    feed.invalidate('user', 'u:1'); // ids may contain colons
    expect(users).toEqual(['u:1', 'again u:1']);
    expect(projects).toEqual([]);
  });

  it('a failing handler is logged and does not stop the others', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const feed = feedWithoutRedis();
    const seen: string[] = [];
    await feed.onInvalidate('client', () => {
      throw new Error('boom');
    });
    await feed.onInvalidate('client', (id) => seen.push(id));
    expect(() => feed.invalidate('client', 'c')).not.toThrow();
    expect(seen).toEqual(['c']);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('refuses kinds that would not survive the `<kind>:<id>` wire format', async () => {
    const feed = feedWithoutRedis();
    await expect(feed.onInvalidate('a:b', () => undefined)).rejects.toThrow(/kind/);
    expect(() => feed.invalidate('', 'x')).toThrow(/kind/);
  });

  it('in a cluster worker, sends to the primary and delivers what the primary relays', async () => {
    const proc = Object.assign(new EventEmitter(), { connected: true, send: jest.fn(() => true) });
    parent = proc;
    const feed = feedWithoutRedis();
    const seen: string[] = [];
    await feed.onInvalidate('projects', (id) => seen.push(id));
    feed.invalidate('projects', 'mine');
    expect(proc.send).toHaveBeenCalledWith(invalidationMessage('projects', 'mine'), expect.any(Function));
    proc.emit('message', invalidationMessage('projects', 'theirs'));
    proc.emit('message', { unrelated: true });
    expect(seen).toEqual(['mine', 'theirs']);

    await feed.onModuleDestroy();
    expect(proc.listenerCount('message')).toBe(0);
    feed.invalidate('projects', 'late'); // still local, no longer relayed
    expect(seen).toEqual(['mine', 'theirs', 'late']);
    expect(proc.send).toHaveBeenCalledTimes(1);
  });
});
