import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { freePort } from './app';
import { entryArgs } from './entry';

const ROOT = join(__dirname, '..', '..');
const START_TIMEOUT_MS = 50_000;

export interface RunningServer {
  /** Base URL (also its ISSUER), e.g. http://127.0.0.1:41234 */
  url: string;
  /** Everything the server has written to stdout so far. */
  stdout(): string;
  /** SIGTERM, then waits for the process to exit. */
  stop(): Promise<void>;
  /** Sends `signal` (e.g. SIGKILL: a crash) and waits for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** The server process (the cluster primary with WORKERS > 1). */
  pid: number;
  /** Resolves with the exit code (null when a signal ended it) once the process has exited. */
  exited: Promise<number | null>;
}

/**
 * The real server (src/main.ts, compiled on the fly like test/support/cli.ts) on a free port, with `env`
 * over the test defaults. Resolves once every worker (WORKERS, default 1) has printed its
 * "listening on" line; a server that exits or does not start within 50 s rejects with its output.
 */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const workers = Number(env.WORKERS ?? '1');
  const child = spawn(process.execPath, entryArgs('src/main.ts'), {
    cwd: ROOT,
    env: {
      ...process.env,
      TS_NODE_TRANSPILE_ONLY: 'true',
      TS_NODE_SWC: 'true',
      NODE_ENV: 'test',
      DB_MIGRATIONS_RUN: 'false',
      ...env,
      HOST: '127.0.0.1',
      PORT: String(port),
      ISSUER: url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  };
  const stop = () => kill('SIGTERM');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`server did not start:\n${stdout}\n${stderr}`));
    }, START_TIMEOUT_MS);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if ((stdout.match(/listening on/g) ?? []).length < workers) return;
      clearTimeout(timer);
      resolve();
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}):\n${stdout}\n${stderr}`));
    });
  });
  return { url, stdout: () => stdout, stop, kill, pid: child.pid!, exited };
}
