import { EventEmitter } from 'node:events';

import {
  installInvalidationRelay,
  type InvalidationMessage,
  invalidationMessage,
  isInvalidationMessage,
  type RelayCluster,
  relayToPeers,
  type RelayWorker,
  WorkerInvalidationLink,
} from './cluster-relay';

/**
 * A cluster without forking: each simulated worker has a `process` side (what WorkerInvalidationLink
 * sees) and a primary side (what node:cluster's Worker gives the primary), joined like the IPC channel.
 */
function simulatedCluster(count: number) {
  const primary = new EventEmitter();
  const cluster: RelayCluster = {
    workers: {},
    on: (event, listener) => primary.on(event, listener),
  };
  const workers = Array.from({ length: count }, (_, i) => {
    const id = i + 1;
    const proc = new EventEmitter() as EventEmitter & { connected: boolean; send: jest.Mock };
    proc.connected = true;
    // primary → worker: the message arrives on the worker's process asynchronously, as over IPC.
    const toWorker = jest.fn((message: InvalidationMessage, callback: (error: Error | null) => void) => {
      setImmediate(() => {
        proc.emit('message', structuredClone(message));
        callback(null);
      });
      return true;
    });
    const handle: RelayWorker & { connected: boolean } = {
      id,
      connected: true,
      isConnected: () => handle.connected,
      send: toWorker,
    };
    // worker → primary: cluster emits 'message' with the sending worker.
    proc.send = jest.fn((message: unknown, callback: (error: Error | null) => void) => {
      setImmediate(() => {
        primary.emit('message', handle, structuredClone(message));
        callback(null);
      });
      return true;
    });
    cluster.workers![String(id)] = handle;
    const received: string[] = [];
    const link = new WorkerInvalidationLink(proc, (kind, id) => received.push(`${kind}:${id}`));
    return { id, proc, handle, toWorker, link, received };
  });
  // Each hop is one setImmediate; a timer could fire between hops on a loaded machine, so wait in check phases.
  const settle = async () => {
    for (let hop = 0; hop < 4; hop++) await new Promise((resolve) => setImmediate(resolve));
  };
  return { cluster, workers, settle };
}

describe('cluster invalidation relay (worker → primary → other workers)', () => {
  it('delivers a worker’s invalidation to every other worker, never back to the sender', async () => {
    const { cluster, workers, settle } = simulatedCluster(3);
    installInvalidationRelay(cluster);
    workers[0].link.send('projects', 'owner-1');
    await settle();
    expect(workers[0].received).toEqual([]);
    expect(workers[1].received).toEqual(['projects:owner-1']);
    expect(workers[2].received).toEqual(['projects:owner-1']);
  });

  it('skips disconnected workers and ignores messages that are not invalidations', async () => {
    const { cluster, workers, settle } = simulatedCluster(3);
    installInvalidationRelay(cluster);
    workers[2].handle.connected = false;
    workers[1].link.send('user', 'u1');
    workers[0].proc.send({ cmd: 'NODE_CLUSTER', act: 'online' }, () => undefined);
    workers[0].proc.send({ type: 'iiniit:cache-invalidate', kind: 42, id: 'x' }, () => undefined);
    await settle();
    expect(workers[0].received).toEqual(['user:u1']);
    expect(workers[2].received).toEqual([]);
    expect(workers[2].toWorker).not.toHaveBeenCalled();
    expect(workers[1].toWorker).not.toHaveBeenCalled();
  });

  it('a worker link does not send once its channel is gone, and stops listening when closed', async () => {
    const { cluster, workers, settle } = simulatedCluster(2);
    installInvalidationRelay(cluster);
    workers[0].proc.connected = false;
    workers[0].link.send('client', 'c1');
    expect(workers[0].proc.send).not.toHaveBeenCalled();
    workers[1].link.close();
    workers[0].proc.connected = true;
    workers[0].link.send('client', 'c2');
    await settle();
    expect(workers[1].received).toEqual([]);
  });

  it('relayToPeers forwards only well-formed messages and counts the recipients', () => {
    const sent: unknown[] = [];
    const worker = (id: number): RelayWorker => ({
      id,
      isConnected: () => true,
      send: (message) => sent.push([id, message]) > 0,
    });
    const peers = [worker(1), worker(2), undefined, worker(3)];
    expect(relayToPeers({ id: 2 }, invalidationMessage('api_key', 'h'), peers)).toBe(2);
    expect(sent).toEqual([
      [1, invalidationMessage('api_key', 'h')],
      [3, invalidationMessage('api_key', 'h')],
    ]);
    expect(relayToPeers({ id: 2 }, 'api_key:h', peers)).toBe(0);
    expect(relayToPeers({ id: 2 }, { ...invalidationMessage('a', 'b'), id: 'x'.repeat(600) }, peers)).toBe(0);
  });

  it('recognises its own messages strictly', () => {
    expect(isInvalidationMessage(invalidationMessage('user', 'u'))).toBe(true);
    expect(isInvalidationMessage(null)).toBe(false);
    expect(isInvalidationMessage({ type: 'iiniit:cache-invalidate', kind: '', id: 'u' })).toBe(false);
    expect(isInvalidationMessage({ type: 'other', kind: 'user', id: 'u' })).toBe(false);
  });
});
