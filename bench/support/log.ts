import type { LoadResult } from './load';

const t0 = Date.now();
export function log(line: string): void {
  process.stderr.write(`[bench ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);
}

export function summary(result: LoadResult): string {
  const failures = result.errors + result.non2xx;
  const cpu = result.cpu
    ? `; cores: server ${result.cpu.app}, postgres ${result.cpu.postgres}, autocannon ${result.cpu.loadGenerator}, other ${result.cpu.other}`
    : '';
  return `${Math.round(result.rps)} req/s, p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms, ${result.requests} responses${failures ? `, ${failures} errors/non-2xx ${JSON.stringify(result.statusCodes)}` : ''}${cpu}`;
}
