import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** The production build the benchmark runs: dist/src/main.js and the operator CLI. */
export const BUILT_ENTRIES = ['dist/src/main.js', 'dist/src/cli/admin.js'] as const;

/**
 * Same rule as scripts/run-built.js: build when dist/ is missing or older than src/ or package.json,
 * so `npm run bench` works straight after `npm ci`.
 */
export function ensureBuilt(root: string, log: (line: string) => void): { built: boolean; ms: number } {
  const entries = BUILT_ENTRIES.map((entry) => join(root, entry));
  const sources = Math.max(newest(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs);
  const stale = entries.some((entry) => !existsSync(entry) || statSync(entry).mtimeMs < sources);
  if (!stale) return { built: false, ms: 0 };
  log('building the production bundle (dist/ is missing or older than src/): npx nest build');
  const started = Date.now();
  const build = spawnSync('npx', ['nest', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (build.status !== 0) throw new Error(`nest build failed (exit ${String(build.status)})`);
  for (const entry of entries) if (!existsSync(entry)) throw new Error(`the build did not produce ${entry}`);
  return { built: true, ms: Date.now() - started };
}
