// Compiles lib/ and nodes/ to CommonJS in dist/, then puts each node's editor .html, locales/ and an
// icons/ copy beside its .js, which is where Node-RED's loader looks for them.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const require = createRequire(import.meta.url);

rmSync(dist, { recursive: true, force: true });
const tsc = require.resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.json')], { stdio: 'inherit', cwd: root });

const nodesDir = join(root, 'nodes');
for (const name of readdirSync(nodesDir)) {
  const src = join(nodesDir, name);
  if (!statSync(src).isDirectory() || name === 'shared') continue;
  const out = join(dist, 'nodes', name);
  for (const entry of readdirSync(src)) {
    if (entry.endsWith('.html') || entry === 'locales') cpSync(join(src, entry), join(out, entry), { recursive: true });
  }
  if (existsSync(join(root, 'icons'))) cpSync(join(root, 'icons'), join(out, 'icons'), { recursive: true });
}
console.log('build: dist/ ready');
