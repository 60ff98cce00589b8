/**
 * Limit `argon2` (ceiling-argon2): argon2id verifications per second on ONE core with the product's
 * parameters. Started by bench/run.ts with UV_THREADPOOL_SIZE=1, so every hash runs on the one libuv thread;
 * two verifications stay in flight so that thread never waits for the event loop between them.
 * ARGON2_DURATION / ARGON2_WARMUP in seconds; sends `{ verifications, seconds, latenciesMs }` over IPC.
 */
import { performance } from 'node:perf_hooks';

import * as argon2 from 'argon2';

// Copied from src/users/users.service.ts (ARGON2_OPTIONS, not exported): the OWASP parameters every sign-in
// pays. Keep the two in step, or this limit measures a different cost from scenario 8.
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
const IN_FLIGHT = 2;

async function verifyFor(
  hash: string,
  password: string,
  seconds: number,
  latencies?: number[],
): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < end) {
      const started = performance.now();
      if (!(await argon2.verify(hash, password))) throw new Error('argon2 verification failed');
      latencies?.push(performance.now() - started);
      done++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
  return done;
}

async function main(): Promise<void> {
  const duration = Number(process.env.ARGON2_DURATION ?? 10);
  const warmup = Number(process.env.ARGON2_WARMUP ?? 2);
  const password = 'correct horse battery staple';
  const hash = await argon2.hash(password, ARGON2_OPTIONS);
  if (warmup > 0) await verifyFor(hash, password, warmup);
  process.send?.({ ready: true });
  const latenciesMs: number[] = [];
  const started = performance.now();
  const verifications = await verifyFor(hash, password, duration, latenciesMs);
  const seconds = (performance.now() - started) / 1000;
  process.send?.({ verifications, seconds, latenciesMs }, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
