#!/usr/bin/env node
// Runs a compiled entry point from dist/, building first when dist/ is missing or older than the sources,
// so `npm start` and `npm run admin` work straight after `npm install` on a fresh clone.
'use strict';
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: run-built.js <path inside dist, e.g. src/main.js> [args...]');
  process.exit(2);
}

function newest(dir) {
  let latest = 0;
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, name.name);
    latest = Math.max(latest, name.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const built = join(root, 'dist', entry);
const stale =
  !existsSync(built) ||
  Math.max(newest(join(root, 'src')), statSync(join(root, 'package.json')).mtimeMs) > statSync(built).mtimeMs;
if (stale) {
  console.error('building (dist/ is missing or older than src/)...');
  const build = spawnSync('npx', ['nest', 'build'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const run = spawnSync(process.execPath, ['--enable-source-maps', built, ...args], { stdio: 'inherit' });
process.exit(run.status ?? 1);
