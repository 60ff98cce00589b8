import { readFileSync } from 'node:fs';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  percent: number;
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  /** Self time by function (where the CPU actually was). */
  topFunctions: ProfileEntry[];
  /**
   * Self time by npm package or app folder; native and Node-internal frames are charged to the nearest
   * package or app frame that called them (a socket write issued by `pg` counts as `pg`).
   */
  byOwner: ProfileEntry[];
}

const SPECIAL = new Set(['(program)', '(garbage collector)', '(idle)', '(root)']);

/** Who owns a frame: an npm package, a folder of our app, Node itself, or V8 bookkeeping. */
function ownerOf(frame: CpuProfileNode['callFrame']): string {
  if (SPECIAL.has(frame.functionName)) return frame.functionName;
  const url = frame.url;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const app = /\/dist\/src\/([^/]+)/.exec(url);
  if (app) return `app: ${app[1].replace(/\.js$/, '')}`;
  if (url.startsWith('node:')) return `node: ${url.slice(5).split('/')[0]}`;
  if (url === '') return '(native / V8 builtins)';
  return url;
}

function shortUrl(url: string): string {
  const pkg = /node_modules\/(.*)$/.exec(url);
  if (pkg) return pkg[1];
  const app = /\/dist\/(src\/.*)$/.exec(url);
  if (app) return app[1];
  return url.replace(/^file:\/\//, '');
}

function top(map: Map<string, number>, total: number, count: number): ProfileEntry[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, percent: Math.round((us / total) * 1000) / 10 }));
}

/** Self time per function and per owner, as a share of the non-idle sampled time. */
export function summarizeProfile(file: string, count = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  // The profiler's own work (serialising the profile when it stops) is not the app's; its query counter
  // (`countingQuery`) wraps the app's own queries, which are.
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const ours = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame?.url.includes('profiler-preload') && frame.functionName !== 'countingQuery') return true;
    }
    return false;
  };
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const chargedOwner = (id: number): string => {
    const own = ownerOf(byId.get(id)!.callFrame);
    if (!own.startsWith('node: ') && own !== '(native / V8 builtins)') return own;
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const owner = ownerOf(byId.get(at)!.callFrame);
      if (!owner.startsWith('node: ') && owner !== '(native / V8 builtins)' && owner !== '(root)') {
        return owner;
      }
    }
    return own;
  };
  const functions = new Map<string, number>();
  const owners = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)' || ours(id)) continue;
    total += us;
    const where = frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + us);
    const owner = chargedOwner(id);
    owners.set(owner, (owners.get(owner) ?? 0) + us);
  }
  total = Math.max(total, 1);
  return {
    file,
    sampledMs: Math.round(total / 1000),
    topFunctions: top(functions, total, count),
    byOwner: top(owners, total, count),
  };
}
