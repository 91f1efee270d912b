// Runs the test suites with node's built-in runner, TypeScript through tsx.
// Usage: node scripts/run-tests.mjs [unit|nodes|e2e|<suite>/<file>.test.ts ...]   (default: the three suites, in that order)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'nodes', 'e2e'];

function testFiles(dir) {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory()) return [dir];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return testFiles(full);
    return name.endsWith('.test.ts') ? [full] : [];
  }).sort();
}

const files = suites.flatMap((s) => testFiles(join(root, 'test', s)));
if (files.length === 0) {
  console.error(`no test files found for: ${suites.join(', ')}`);
  process.exit(1);
}
// e2e files share ports and a browser: run files one at a time so they never contend.
const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env: process.env });
process.exit(result.status ?? 1);
