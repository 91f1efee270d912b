// Starts a real Node-RED (the project's own devDependency) on a fresh user directory into which the
// packed pack was installed with npm, as a technician would install it on a gateway.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/free-port';

export const projectRoot = join(__dirname, '..', '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

let packedTarball: string | undefined;

/** npm pack once per test process; the tarball is what a gateway would install. */
export function packProject(): string {
  if (packedTarball && existsSync(packedTarball)) return packedTarball;
  const dir = mkdtempSync(join(tmpdir(), 'millwright-pack-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  try {
    execFileSync(npm, ['pack', '--pack-destination', dir], { cwd: projectRoot, stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm pack failed (it builds the pack first):\n${e.stdout ?? ''}\n${e.stderr ?? ''}`);
  }
  const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('npm pack produced no tarball');
  packedTarball = join(dir, tgz);
  return packedTarball;
}

export { freePort };

export interface RunningNodeRed {
  url: string;
  userDir: string;
  pid: number;
  alive: () => boolean;
  /** Ends the runtime at once, as a power cut would (SIGKILL). */
  kill: () => Promise<void>;
  log: () => string;
  stop: () => Promise<void>;
}

export interface StartOptions {
  /** Extra settings.js properties, as a JS object literal body. */
  settings?: string;
  /** Flows to start with. */
  flows?: unknown[];
  /** Extra node options, e.g. --expose-gc. */
  nodeArgs?: string[];
}

/** Makes a user directory with the packed pack installed from its tarball. */
export function makeUserDir(): string {
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-userdir-'));
  writeFileSync(join(userDir, 'package.json'), JSON.stringify({ name: 'millwright-e2e-userdir', private: true }));
  execFileSync(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=optional', packProject()], {
    cwd: userDir,
    stdio: 'pipe',
  });
  return userDir;
}

export async function startNodeRed(userDir: string, options: StartOptions = {}): Promise<RunningNodeRed> {
  const port = await freePort();
  mkdirSync(userDir, { recursive: true });
  writeFileSync(
    join(userDir, 'settings.js'),
    `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: 'flows.json',
  credentialSecret: 'e2e-only-secret',
  logging: { console: { level: 'info', metrics: false, audit: false } },
  editorTheme: { tours: false, projects: { enabled: false } },
  telemetry: { enabled: false },
  ${options.settings ?? ''}
};\n`,
  );
  if (options.flows) writeFileSync(join(userDir, 'flows.json'), JSON.stringify(options.flows));
  const redJs = require.resolve('node-red/red.js', { paths: [process.env.MILLWRIGHT_NODE_RED_DIR || projectRoot] });
  let output = '';
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), redJs, '--userDir', userDir, '--settings', join(userDir, 'settings.js')], {
    cwd: userDir,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Node-RED exited during start:\n${output}`);
    try {
      const res = await fetch(`${url}/settings`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Node-RED did not answer within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    userDir,
    pid: child.pid ?? -1,
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
    log: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** The node types the pack declares (package.json "node-red".nodes keys name node sets, not types). */
export function packageNodeSets(): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const pkg = require(join(projectRoot, 'package.json'));
  return Object.keys(pkg['node-red'].nodes);
}
