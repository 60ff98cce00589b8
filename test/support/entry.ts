import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

let sourcesChanged: number | undefined;

/**
 * Node arguments that run a TypeScript entry point (`src/main.ts`, `src/cli/admin.ts`) in a child process:
 * its compiled `dist/` file when the build is newer than every source (CI builds right before the tests),
 * else the source through ts-node with swc, so the tests never need a build. Same staleness rule as
 * `scripts/run-built.js`; the compiled file starts several times faster than transpiling ~600 modules per spawn.
 */
export function entryArgs(entry: string): string[] {
  const built = join(ROOT, 'dist', entry.replace(/\.ts$/, '.js'));
  if (existsSync(built)) {
    sourcesChanged ??= Math.max(newest(join(ROOT, 'src')), statSync(join(ROOT, 'package.json')).mtimeMs);
    if (statSync(built).mtimeMs >= sourcesChanged) return ['--enable-source-maps', built];
  }
  return ['-r', 'ts-node/register', join(ROOT, entry)];
}
