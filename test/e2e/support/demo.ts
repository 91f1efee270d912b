// Runs the `npm start` demo (scripts/demo.mjs) on a temporary user directory with the example flows
// rewritten to free ports, and reads node statuses from the editor.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { freePort, projectRoot, removeDir, type RunningNodeRed } from './packed-node-red';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

export function exampleFlow(file: string): FlowNode[] {
  return JSON.parse(readFileSync(join(projectRoot, 'examples', file), 'utf8')) as FlowNode[];
}

/** The demo flows with the simulator (and its clients) moved to other ports and another speed. */
export function retargetDemo(flows: FlowNode[], o: { opcuaPort: number; modbusPort: number; speed?: number }): FlowNode[] {
  return flows.map((n) => {
    if (n.type === 'millwright-plant-simulator') return { ...n, opcuaPort: o.opcuaPort, modbusPort: o.modbusPort, ...(o.speed ? { speed: o.speed } : {}) };
    if (n.type === 'millwright-modbus-connection') return { ...n, port: o.modbusPort };
    if (n.type === 'millwright-opcua-endpoint') return { ...n, endpointUrl: String(n.endpointUrl).replace(/:\d+($|\/)/, `:${o.opcuaPort}$1`) };
    return n;
  });
}

/** Starts scripts/demo.mjs (as `npm start` does) with these flows in a fresh user directory. */
export async function startDemo(flows: FlowNode[]): Promise<RunningNodeRed> {
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-demo-'));
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flows));
  const port = await freePort();
  let output = '';
  // Its own process group, so Node-RED (the demo's child) can be ended with it whatever happens.
  const child = spawn(process.execPath, [join(projectRoot, 'scripts', 'demo.mjs')], {
    cwd: projectRoot,
    // npm test has just built dist/; a second build here would pull it from under other test runs.
    env: { ...process.env, PORT: String(port), MILLWRIGHT_DEMO_DIR: userDir, ...(existsSync(join(projectRoot, 'dist', 'nodes')) ? { MILLWRIGHT_DEMO_NO_BUILD: '1' } : {}) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    // Node-RED must never outlive the demo script, even when the script was killed.
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // the group is gone already
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  while (!/Millwright demo running/.test(output)) {
    const failed = child.exitCode !== null || /Waiting for missing types/.test(output) || Date.now() > deadline;
    if (failed) {
      await stop();
      removeDir(userDir);
      throw new Error(`the demo did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    }
  };
  return { url, userDir, pid: child.pid ?? -1, alive: () => child.exitCode === null && child.signalCode === null, kill, log: () => output, stop };
}

export interface ShownStatus {
  fill?: string;
  shape?: string;
  text?: string;
}

/** Each node's status as the editor shows it (the editor must be open on page). */
export function editorStatuses(page: Page, ids: string[]): Promise<Record<string, ShownStatus | null>> {
  return page.evaluate((wanted) => {
    const out: Record<string, { fill?: string; shape?: string; text?: string } | null> = {};
    for (const id of wanted) {
      const n = (globalThis as any).RED.nodes.node(id);
      out[id] = n && n.status && (n.status.text || n.status.fill) ? { fill: n.status.fill, shape: n.status.shape, text: String(n.status.text ?? '') } : null;
    }
    return out;
  }, ids);
}
