// npm start: builds the pack, then runs Node-RED (the project's own dependency) on a user directory
// inside the project (.demo/, ignored by git) with the pack linked in and the plant demo flow deployed.
// The demo flow starts the plant simulator itself. PORT sets the editor port; Ctrl-C stops everything.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const port = Number(process.env.PORT || 1880);
const host = process.env.HOST || '127.0.0.1';
const userDir = process.env.MILLWRIGHT_DEMO_DIR || join(root, '.demo');
const reset = process.argv.includes('--reset') || process.env.MILLWRIGHT_DEMO_RESET === '1';

if (process.env.MILLWRIGHT_DEMO_NO_BUILD !== '1') execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root });

mkdirSync(join(userDir, 'node_modules', '@millwright'), { recursive: true });
const link = join(userDir, 'node_modules', '@millwright', 'node-red-millwright');
rmSync(link, { recursive: true, force: true });
symlinkSync(root, link, 'dir');
writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'millwright-demo', private: true }, null, 2));
writeFileSync(
  join(userDir, 'settings.js'),
  `module.exports = {
  uiHost: ${JSON.stringify(host)},
  uiPort: ${port},
  flowFile: 'flows.json',
  credentialSecret: 'millwright-demo-only',
  contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem', config: { flushInterval: 5 } } },
  telemetry: { enabled: false },
  editorTheme: { tours: false, projects: { enabled: false } },
  logging: { console: { level: 'info', metrics: false, audit: false } },
};\n`,
);

// The plant flow, plus its dashboard tab when @flowfuse/node-red-dashboard (a devDependency) is installed.
const flowFile = join(userDir, 'flows.json');
if (reset || !existsSync(flowFile)) {
  const flows = JSON.parse(readFileSync(join(root, 'examples', 'plant-demo.json'), 'utf8'));
  let dashboard = true;
  try {
    require.resolve('@flowfuse/node-red-dashboard/package.json');
  } catch {
    dashboard = false;
    console.log('@flowfuse/node-red-dashboard is not installed: the demo runs without its dashboard.');
  }
  if (dashboard) flows.push(...JSON.parse(readFileSync(join(root, 'examples', 'plant-demo-dashboard.json'), 'utf8')));
  writeFileSync(flowFile, JSON.stringify(flows, null, 2));
}

const red = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', join(userDir, 'settings.js')], {
  cwd: userDir,
  stdio: ['ignore', 'pipe', 'inherit'],
});
let announced = false;
red.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  if (!announced && /Started flows/.test(String(chunk))) {
    announced = true;
    const base = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
    console.log(`\nMillwright demo running.\n  editor:    ${base}/\n  dashboard: ${base}/dashboard\nCtrl-C stops it (npm start -- --reset restores the demo flow).\n`);
  }
});
const stop = () => red.kill('SIGINT');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
red.on('exit', (code) => process.exit(code ?? 0));
