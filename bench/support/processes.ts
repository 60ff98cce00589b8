import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Every process the benchmark starts, so that all of them are stopped on success, failure and Ctrl-C.
 * Each child gets its own process group (`detached`), so stopping it also stops what it forked
 * (the app's cluster workers) and nothing else.
 */
export interface ManagedChild {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** The last lines the child printed, shown when it fails. */
  readonly output: string[];
  exitCode: number | null | undefined;
  readonly exited: Promise<void>;
}

const running = new Set<ManagedChild>();
const OUTPUT_LINES = 80;

export interface StartOptions {
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** An IPC channel: our own child scripts report their port through it and exit when it closes. */
  ipc?: boolean;
  /** Echo the child's stderr to ours as it arrives (prefixed). */
  echoStderr?: boolean;
}

export function startChild(
  name: string,
  command: string,
  args: string[],
  options: StartOptions,
): ManagedChild {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: options.ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  const output: string[] = [];
  const collect = (stream: NodeJS.ReadableStream | null, echo: boolean): void => {
    let partial = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        output.push(line);
        if (output.length > OUTPUT_LINES) output.shift();
        if (echo) process.stderr.write(`  [${name}] ${line}\n`);
      }
    });
  };
  collect(child.stdout, false);
  collect(child.stderr, options.echoStderr ?? false);
  const managed: ManagedChild = {
    name,
    pid: child.pid,
    process: child,
    output,
    exitCode: undefined,
    exited: new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        managed.exitCode = code ?? (signal ? -1 : null);
        running.delete(managed);
        resolve();
      });
    }),
  };
  running.add(managed);
  return managed;
}

function signalGroup(child: ManagedChild, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** SIGTERM (graceful), then SIGKILL to the whole group after `graceMs`. */
export async function stopChild(child: ManagedChild, graceMs = 5000): Promise<void> {
  if (child.exitCode !== undefined) {
    signalGroup(child, 'SIGKILL'); // leftovers of a group whose leader died
    return;
  }
  signalGroup(child, 'SIGTERM');
  // Unreferenced: a pending race timer must not keep the benchmark alive after its work is done.
  const timer = sleep(graceMs, undefined, { ref: false }).then(() => 'timeout' as const);
  if ((await Promise.race([child.exited.then(() => 'exited' as const), timer])) === 'timeout') {
    signalGroup(child, 'SIGKILL');
    await child.exited;
  }
  signalGroup(child, 'SIGKILL');
}

export async function stopAllChildren(): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child)));
}

/** Last resort from a synchronous `exit` handler: nothing can be awaited there. */
export function killAllChildrenNow(): void {
  for (const child of running) signalGroup(child, 'SIGKILL');
}

export function describeFailure(child: ManagedChild): string {
  const tail = child.output.slice(-30).join('\n');
  return `${child.name} (pid ${child.pid}) exited with ${String(child.exitCode)}${tail ? `; its last output:\n${tail}` : ''}`;
}

/** Waits for the child's first IPC message `{ port }` (our own child scripts). */
export async function portFromChild(child: ManagedChild, timeoutMs = 30_000): Promise<number> {
  const message = once(child.process, 'message') as Promise<[unknown]>;
  const outcome = await Promise.race([
    message.then(([value]) => value),
    child.exited.then(() => 'exited' as const),
    sleep(timeoutMs, undefined, { ref: false }).then(() => 'timeout' as const),
  ]);
  if (outcome === 'exited') throw new Error(describeFailure(child));
  if (outcome === 'timeout') throw new Error(`${child.name} did not report its port within ${timeoutMs} ms`);
  const port = (outcome as { port?: unknown }).port;
  if (typeof port !== 'number') throw new Error(`${child.name} sent an unexpected message`);
  return port;
}

/** A port that was free a moment ago (the app takes PORT from its environment). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Polls `url` until it answers 200; fails at once if the child dies. */
export async function waitForHttp(url: string, child: ManagedChild, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (child.exitCode !== undefined) throw new Error(describeFailure(child));
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(150);
  }
  throw new Error(`${child.name} was not ready at ${url} within ${timeoutMs} ms (${last})`);
}

/** The pids of `root` and every process below it (the cluster primary and its workers). */
export function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = parents.get(ppid) ?? [];
      list.push(Number(entry));
      parents.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  const tree: number[] = [];
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    tree.push(pid);
    queue.push(...(parents.get(pid) ?? []));
  }
  return tree;
}
