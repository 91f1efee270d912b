// Compiles lib/ and nodes/ to CommonJS in dist/, then puts each node's editor .html, locales/ and an
// icons/ copy beside its .js, which is where Node-RED's loader looks for them. It builds into a fresh
// directory and swaps it in with renames, so a test run or `npm pack` in the same checkout never reads a
// half-built dist/.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const staging = join(root, `.dist-build-${process.pid}`);
const require = createRequire(import.meta.url);

rmSync(staging, { recursive: true, force: true });
const tsc = require.resolve('typescript/bin/tsc');
try {
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json'), '--outDir', staging], { stdio: 'inherit', cwd: root });
} catch (err) {
  rmSync(staging, { recursive: true, force: true });
  throw err;
}

const nodesDir = join(root, 'nodes');
for (const name of readdirSync(nodesDir)) {
  const src = join(nodesDir, name);
  if (!statSync(src).isDirectory() || name === 'shared') continue;
  const out = join(staging, 'nodes', name);
  for (const entry of readdirSync(src)) {
    if (entry.endsWith('.html') || entry === 'locales') cpSync(join(src, entry), join(out, entry), { recursive: true });
  }
  if (existsSync(join(root, 'icons'))) cpSync(join(root, 'icons'), join(out, 'icons'), { recursive: true });
}
const retired = `${staging}-old`;
if (existsSync(dist)) renameSync(dist, retired);
renameSync(staging, dist);
rmSync(retired, { recursive: true, force: true });
console.log('build: dist/ ready');
