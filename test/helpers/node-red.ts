// Node tests run the real Node-RED runtime through node-red-node-test-helper.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper');

// MILLWRIGHT_NODE_RED_DIR points at another install (the Node-RED 5 compatibility run), else the
// project's own devDependency.
const nodeRedFrom = process.env.MILLWRIGHT_NODE_RED_DIR ? { paths: [process.env.MILLWRIGHT_NODE_RED_DIR] } : undefined;
helper.init(require.resolve('node-red', nodeRedFrom));

// The helper never starts context stores; a real runtime does, so restart tests need them:
// open the configured stores before each flow load and close (flush) them after each unload.
const internal = helper as unknown as { _redNodes: Record<string, (...args: unknown[]) => Promise<unknown>>; unload: () => Promise<unknown> };
const redNodes = internal._redNodes;
const loadFlows = redNodes.loadFlows.bind(redNodes);
redNodes.loadFlows = async (...args: unknown[]) => {
  await redNodes.loadContextsPlugin();
  return loadFlows(...args);
};

// Core nodes a test passes in are taken from the Node-RED under test (the compatibility run uses
// another install); catch, status and complete are preloaded by the helper itself, so they are dropped.
const PRELOADED = ['core/common/25-catch.js', 'core/common/25-status.js', 'core/common/24-complete.js'];
function coreNodeFile(fn: unknown): string | undefined {
  for (const [file, mod] of Object.entries(require.cache)) {
    const i = file.replace(/\\/g, '/').indexOf('/@node-red/nodes/');
    if (mod?.exports === fn && i >= 0) return file.replace(/\\/g, '/').slice(i + '/@node-red/nodes/'.length);
  }
  return undefined;
}

// unload() restores the helper's spies; it must run after every load, even one that failed, and only
// once (a second run would clean the context stores again after they were removed).
let active = false;
const load = helper.load.bind(helper);
(helper as unknown as { load: (...args: unknown[]) => Promise<unknown> }).load = (testNode: unknown, ...rest: unknown[]) => {
  active = true;
  const list = (Array.isArray(testNode) ? testNode : [testNode]).flatMap((fn) => {
    const rel = coreNodeFile(fn);
    if (!rel) return [fn];
    if (PRELOADED.includes(rel)) return [];
    return [require(require.resolve(`@node-red/nodes/${rel}`, nodeRedFrom))];
  });
  return (load as (...args: unknown[]) => Promise<unknown>)(list, ...rest);
};
const unload = helper.unload.bind(helper);
internal.unload = async () => {
  if (!active) return;
  active = false;
  try {
    await unload();
  } finally {
    await redNodes.closeContextsPlugin().catch(() => undefined);
  }
};

/**
 * Stops the flows and closes (flushes) the context stores as a Node-RED shutdown does, keeping what the
 * stores hold; helper.unload also wipes every node's context, which a real restart never does.
 */
export async function stopRuntimeKeepingContext(): Promise<void> {
  const h = helper as unknown as {
    _redNodes: { clearRegistry(): void; stopFlows(): Promise<void>; closeContextsPlugin(): Promise<void> };
    _logSpy?: { restore(): void };
    _sandbox: { restore(): void };
  };
  active = false;
  h._redNodes.clearRegistry();
  h._logSpy?.restore();
  h._sandbox.restore();
  await h._redNodes.stopFlows();
  await h._redNodes.closeContextsPlugin();
}

export { helper };

export interface NodeLike {
  on(event: string, listener: (...args: any[]) => void): void;
  receive(msg: Record<string, unknown>): void;
  status: { (...args: any[]): void; lastCall?: { args: any[] } } & Record<string, any>;
  error: Record<string, any>;
  [key: string]: any;
}

export function getNode(id: string): NodeLike {
  const node = helper.getNode(id) as NodeLike | null;
  if (!node) throw new Error(`node ${id} not found in the loaded flow`);
  return node;
}

/** Resolves with the next msg a node sends, or rejects after timeoutMs. */
export function nextMessage(node: NodeLike, timeoutMs = 2000): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
    node.on('input', (msg: Record<string, any>) => {
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

/** Collects msgs a helper node receives. */
export function collect(node: NodeLike): Array<Record<string, any>> {
  const got: Array<Record<string, any>> = [];
  node.on('input', (msg: Record<string, any>) => got.push(msg));
  return got;
}

/** Resolves when a catch node receives an error, with the msg it saw. */
export function nextCaught(catchHelper: NodeLike, timeoutMs = 2000): Promise<Record<string, any>> {
  return nextMessage(catchHelper, timeoutMs);
}

/** A file context store in a fresh temporary directory, for restart tests. */
export function fileContextSettings(): { settings: Record<string, unknown>; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'millwright-ctx-'));
  return {
    settings: { contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem', config: { dir, flushInterval: 0 } } } },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The last status this node set (the helper's spy sits on the shared Node prototype, so filter by node). */
export function lastStatus(node: NodeLike): { fill?: string; shape?: string; text?: string } {
  const calls: Array<{ thisValue: unknown; args: any[] }> = typeof node.status.getCalls === 'function' ? node.status.getCalls() : [];
  const own = calls.filter((c) => c.thisValue === node);
  const call = own.length ? own[own.length - 1] : undefined;
  return call ? call.args[0] : {};
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
