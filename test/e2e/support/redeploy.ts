// Redeploys of the demo flow in a started Node-RED, measured from outside and through a probe:
// open file descriptors and sockets (/proc), OPC UA sessions on the simulator's server (its standard
// diagnostics node, read by a client of our own), live timers and sockets (async_hooks, unref'd
// ones included), and memory after a forced GC.
import { readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua';
import { AttributeIds, MessageSecurityMode, OPCUAClient, SecurityPolicy } from 'node-opcua-client';
import { exampleFlow, retargetDemo, type FlowNode } from './demo';
import { freePort, makeUserDir, projectRoot, removeDir, startNodeRed, type RunningNodeRed } from './packed-node-red';

const PROBE = '/millwright-redeploy-probe';

// Runs inside Node-RED (settings.js): counts live resources by async_hooks type and answers the probe
// on the admin app after two forced GCs. Promises are not counted (they die by GC, not by close).
const PROBE_SETTINGS = `
  httpAdminMiddleware: (function () {
    const live = new Map();
    require('node:async_hooks').createHook({
      init(id, type) { if (type !== 'PROMISE') live.set(id, type); },
      destroy(id) { live.delete(id); },
    }).enable();
    // Which folders are watched, to tell a leaked watcher's owner by its path.
    const fs = require('node:fs');
    const watched = new Map();
    const watch = fs.watch;
    fs.watch = function (...args) {
      const handle = watch.apply(this, args);
      watched.set(handle, String(args[0]));
      handle.once('close', () => watched.delete(handle));
      return handle;
    };
    // node-opcua-pki swaps fs.watch while a certificate store starts; it must be put back afterwards.
    const installed = fs.watch;
    return function (req, res, next) {
      if (req.url === '${PROBE}/watchers') return res.end(JSON.stringify([...watched.values()]));
      if (req.url !== '${PROBE}') return next();
      if (global.gc) { global.gc(); global.gc(); }
      const resources = {};
      for (const type of live.values()) resources[type] = (resources[type] || 0) + 1;
      const m = process.memoryUsage();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ gc: typeof global.gc === 'function', fsWatchReplaced: fs.watch !== installed, resources, rss: m.rss, heapUsed: m.heapUsed, external: m.external }));
    };
  })(),`;

export interface RedeployMeasure {
  fds: number;
  sockets: number;
  /** Sessions on the simulator's OPC UA server besides the one this measurement opens. */
  sessions: number;
  /** Live timers (Timeout), unref'd ones included. */
  timers: number;
  /** Live sockets, servers and file watchers (TCPWRAP, TCPSERVERWRAP, UDPWRAP, PIPEWRAP, FSEVENTWRAP, STATWATCHER). */
  handles: number;
  /** fs.watch left replaced by a wrapper (node-opcua-pki's, which then keeps every later watcher). */
  fsWatchReplaced: boolean;
  /** Watched folders by path (file watchers share one inotify fd, so fds alone do not show them). */
  watched: Record<string, number>;
  rssMb: number;
  heapUsedMb: number;
  resources: Record<string, number>;
}

export interface RedeployRuntime {
  red: RunningNodeRed;
  flows: FlowNode[];
  opcuaPort: number;
  deploy: (flows: FlowNode[], type: 'full' | 'flows') => Promise<void>;
  measure: () => Promise<RedeployMeasure>;
  /** Heap in use after a forced GC, MB (the probe alone: no OPC UA read, no /proc). */
  heapMb: () => Promise<number>;
  stop: () => Promise<void>;
}

/** The example plant flow (without its dashboard tab, which needs a package the gateway may lack). */
export async function startRedeployRuntime(): Promise<RedeployRuntime> {
  const opcuaPort = await freePort();
  const modbusPort = await freePort();
  const flows = retargetDemo(exampleFlow('plant-demo.json'), { opcuaPort, modbusPort });
  const userDir = makeUserDir();
  let red: RunningNodeRed;
  try {
    // The simulator serves OPC UA only where node-opcua (the server) is installed, as its status says;
    // the project's own copy stands in for `npm install node-opcua` in the user directory.
    symlinkSync(join(projectRoot, 'node_modules', 'node-opcua'), join(userDir, 'node_modules', 'node-opcua'), 'dir');
    red = await startNodeRed(userDir, { flows, settings: PROBE_SETTINGS, nodeArgs: ['--expose-gc'] });
  } catch (err) {
    removeDir(userDir);
    throw err;
  }
  const deploy = async (next: FlowNode[], type: 'full' | 'flows') => {
    const res = await fetch(`${red.url}/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': type },
      body: JSON.stringify(next),
    });
    if (!res.ok) throw new Error(`${type} deploy answered ${res.status}: ${await res.text()}`);
  };
  // The probe client's own certificate goes to the user directory (removed at the end), not to home.
  const certificates = new OPCUACertificateManager({ rootFolder: join(userDir, 'probe-pki'), automaticallyAcceptUnknownCertificate: true });
  const measure = async (): Promise<RedeployMeasure> => {
    const probe = (await (await fetch(`${red.url}${PROBE}`)).json()) as { gc: boolean; fsWatchReplaced: boolean; resources: Record<string, number>; rss: number; heapUsed: number };
    if (!probe.gc) throw new Error('Node-RED was not started with --expose-gc');
    const paths = (await (await fetch(`${red.url}${PROBE}/watchers`)).json()) as string[];
    const watched: Record<string, number> = {};
    for (const p of paths) {
      const key = p.startsWith(userDir) ? `<userDir>${p.slice(userDir.length)}` : p;
      watched[key] = (watched[key] ?? 0) + 1;
    }
    const fd = openFds(red.pid);
    const sessions = await serverSessions(opcuaPort, certificates);
    const r = probe.resources;
    return {
      fds: fd.fds,
      sockets: fd.sockets,
      sessions,
      timers: r.Timeout ?? 0,
      handles: ['TCPWRAP', 'TCPSERVERWRAP', 'UDPWRAP', 'PIPEWRAP', 'FSEVENTWRAP', 'STATWATCHER'].reduce((sum, type) => sum + (r[type] ?? 0), 0),
      watched,
      fsWatchReplaced: probe.fsWatchReplaced,
      rssMb: probe.rss / 2 ** 20,
      heapUsedMb: probe.heapUsed / 2 ** 20,
      resources: r,
    };
  };
  const heapMb = async () => ((await (await fetch(`${red.url}${PROBE}`)).json()) as { heapUsed: number }).heapUsed / 2 ** 20;
  const stop = async () => {
    await red.stop();
    await certificates.dispose();
    removeDir(userDir);
  };
  return { red, flows, opcuaPort, deploy, measure, heapMb, stop };
}

export function openFds(pid: number): { fds: number; sockets: number } {
  const dir = `/proc/${pid}/fd`;
  let fds = 0;
  let sockets = 0;
  for (const name of readdirSync(dir)) {
    let target: string;
    try {
      target = readlinkSync(`${dir}/${name}`);
    } catch {
      continue; // closed while we looked
    }
    fds++;
    if (target.startsWith('socket:')) sockets++;
  }
  return { fds, sockets };
}

export function rssMbOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/**
 * ServerDiagnosticsSummary.CurrentSessionCount (i=2277), minus the session that reads it. Retries for
 * up to 20 s: after a full deploy the simulator's server is restarting.
 */
export async function serverSessions(port: number, clientCertificateManager: OPCUACertificateManager): Promise<number> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      return await readSessionCount(port, clientCertificateManager);
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

async function readSessionCount(port: number, clientCertificateManager: OPCUACertificateManager): Promise<number> {
  const client = OPCUAClient.create({
    applicationName: 'NodeOPCUA-Client',
    clientCertificateManager,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    endpointMustExist: false,
    connectionStrategy: { maxRetry: 0, initialDelay: 100 },
  });
  try {
    await client.connect(`opc.tcp://127.0.0.1:${port}`);
    const session = await client.createSession();
    try {
      const dv = await session.read({ nodeId: 'i=2277', attributeId: AttributeIds.Value });
      if (typeof dv.value.value !== 'number') throw new Error(`CurrentSessionCount unreadable: ${dv.statusCode.toString()}`);
      return dv.value.value - 1;
    } finally {
      await session.close();
    }
  } finally {
    await client.disconnect();
  }
}

/** The pack's nodes of the flow, in a fixed order: the modified deploys cycle through them. */
export function packNodeIds(flows: FlowNode[]): string[] {
  return flows.filter((n) => n.type.startsWith('millwright-')).map((n) => n.id);
}

/** The flow with one node renamed: a modified deploy restarts exactly that node (and its users). */
export function withRenamed(flows: FlowNode[], id: string, round: number): FlowNode[] {
  return flows.map((n) => (n.id === id ? { ...n, name: `${String(n.name ?? '').replace(/ #\d+$/, '')} #${round}` } : n));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
