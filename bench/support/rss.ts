import { readFileSync } from 'node:fs';

import { processTree } from './processes';

export interface RssSample {
  pid: number;
  role: 'primary' | 'worker' | 'single';
  peakMb: number;
  averageMb: number;
}

function rssKb(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples VmRSS of the app and every process below it (cluster workers) while a scenario runs.
 * Reading /proc costs microseconds, so sampling does not disturb the load generator.
 */
export function sampleRss(rootPid: number, intervalMs = 250): { stop(): RssSample[] } {
  const samples = new Map<number, number[]>();
  let tree = processTree(rootPid);
  let ticks = 0;
  const tick = (): void => {
    if (ticks++ % 8 === 0) tree = processTree(rootPid); // workers may be (re)started
    for (const pid of tree) {
      const kb = rssKb(pid);
      if (kb === undefined) continue;
      const list = samples.get(pid) ?? [];
      list.push(kb);
      samples.set(pid, list);
    }
  };
  tick();
  const timer = setInterval(tick, intervalMs);
  return {
    stop(): RssSample[] {
      clearInterval(timer);
      tick();
      const single = samples.size === 1;
      return [...samples].map(([pid, list]) => ({
        pid,
        role: single ? 'single' : pid === rootPid ? 'primary' : 'worker',
        peakMb: Math.round(Math.max(...list) / 102.4) / 10,
        averageMb: Math.round(list.reduce((a, b) => a + b, 0) / list.length / 102.4) / 10,
      }));
    },
  };
}
