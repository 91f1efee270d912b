// OPC UA benchmark: 1000 monitored items at 100 ms. CPU per 1000 changes for Millwright's
// subscribe node in a real Node-RED runtime (one msg per publish), for a bare node-opcua client,
// and for node-red-contrib-opcua@0.2.354 (installed for the benchmark only, under bench/out/).
// The server runs in its own process and every client in a fresh process of its own, so each
// figure is the client's CPU alone (median of interleaved rounds). Usage: npm run bench -- protocols-opcua [--seconds 6] [--rounds 5]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { finish, parseArgs, round } from './_shared';

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'bench', 'out');
const PEER_DIR = join(OUT, 'opcua-peer');
const PEER_PACKAGE = 'node-red-contrib-opcua@0.2.354';
const ITEMS = 1000;
const INTERVAL_MS = 100;

type Variant = 'bare' | 'millwright' | 'peer';

interface VariantRun {
  changes: number;
  msgs: number;
  cpuMs: number;
  seconds: number;
}

export interface OpcuaFigures {
  items: number;
  cpuMsPer1000: number | null;
  bareCpuMsPer1000: number | null;
  peerCpuMsPer1000: number | null;
  ratioVsBare: number | null;
  ratioVsPeer: number | null;
  changesPerSecond?: Record<string, number | null>;
  peerError?: string;
}

// ---- the measuring child -------------------------------------------------------------------------

const counters = { changes: 0, msgs: 0 };
/** Scratch folder of this child (user dir, PKI); the parent removes it whatever happens. */
let WORK = OUT;
(globalThis as Record<string, unknown>).__millwrightBench = counters;

async function measure(seconds: number, stop: () => Promise<void>): Promise<VariantRun> {
  const deadline = Date.now() + 60_000;
  while (counters.changes < ITEMS) {
    if (Date.now() > deadline) throw new Error(`no data: ${counters.changes} changes after 60 s`);
    await sleep(100);
  }
  await sleep(3000); // warm-up: JIT, first publishes, initial values
  const c0 = process.cpuUsage();
  const start = { ...counters };
  const t0 = performance.now();
  await sleep(seconds * 1000);
  const cpu = process.cpuUsage(c0);
  const run = { changes: counters.changes - start.changes, msgs: counters.msgs - start.msgs, cpuMs: (cpu.user + cpu.system) / 1000, seconds: (performance.now() - t0) / 1000 };
  await stop();
  return run;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const itemIds = (ns: number) => Array.from({ length: ITEMS }, (_, i) => `ns=${ns};s=Item${i}`);

async function runBare(url: string, seconds: number): Promise<VariantRun> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ua = require('node-opcua') as typeof import('node-opcua');
  const pki = mkdtempSync(join(WORK, 'bare-pki-'));
  const clientCertificateManager = new ua.OPCUACertificateManager({ rootFolder: pki, automaticallyAcceptUnknownCertificate: true });
  await clientCertificateManager.initialize();
  const client = ua.OPCUAClient.create({ endpointMustExist: false, clientCertificateManager, connectionStrategy: { maxRetry: 3 } });
  await client.connect(url);
  const session = await client.createSession();
  const subscription = await session.createSubscription2({ requestedPublishingInterval: INTERVAL_MS, requestedMaxKeepAliveCount: 10, requestedLifetimeCount: 100, maxNotificationsPerPublish: 0, publishingEnabled: true, priority: 10 });
  const group = await subscription.monitorItems(
    itemIds(2).map((nodeId) => ({ nodeId, attributeId: ua.AttributeIds.Value })),
    { samplingInterval: INTERVAL_MS, queueSize: 1, discardOldest: true },
    ua.TimestampsToReturn.Both,
  );
  // The least a bare client does with a change: look at its value.
  let sink = 0;
  group.on('changed', (_item, dataValue) => {
    counters.changes++;
    counters.msgs++;
    sink += typeof dataValue.value.value === 'number' ? 1 : 0;
  });
  return measure(seconds, async () => {
    await subscription.terminate();
    await session.close();
    await client.disconnect();
    await clientCertificateManager.dispose();
    rmSync(pki, { recursive: true, force: true });
    void sink;
  });
}

function counterNodeDir(): string {
  const dir = join(OUT, 'opcua-bench-nodes');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'bench-counter.js'),
    `module.exports = function (RED) {
  function BenchCounter(n) {
    RED.nodes.createNode(this, n);
    const c = globalThis.__millwrightBench;
    this.on('input', (msg, send, done) => {
      const p = msg.payload;
      c.msgs++;
      c.changes += Array.isArray(p) ? p.length : 1;
      done();
    });
  }
  RED.nodes.registerType('bench-counter', BenchCounter);
};
`,
  );
  writeFileSync(
    join(dir, 'bench-counter.html'),
    `<script type="text/javascript">RED.nodes.registerType('bench-counter', { category: 'function', defaults: {}, inputs: 1, outputs: 0 });</script>
<script type="text/html" data-template-name="bench-counter"></script>
`,
  );
  return dir;
}

/** Starts an embedded Node-RED (the real runtime, no test harness) with the given flow. */
async function startNodeRed(userDir: string, nodesDir: string[], flow: unknown[], credentials: Record<string, unknown> = {}): Promise<() => Promise<void>> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const RED = require('node-red');
  writeFileSync(join(userDir, 'flows.json'), JSON.stringify(flow));
  if (Object.keys(credentials).length) writeFileSync(join(userDir, 'flows_cred.json'), JSON.stringify(credentials));
  const server = createServer();
  RED.init(server, {
    userDir,
    flowFile: 'flows.json',
    credentialSecret: false,
    nodesDir,
    httpAdminRoot: '/admin',
    httpNodeRoot: false,
    disableEditor: true,
    uiPort: 0,
    logging: { console: { level: 'warn', metrics: false, audit: false } },
    editorTheme: { tours: false },
    SKIP_BUILD_CHECK: true,
  });
  await RED.start();
  return async () => {
    await RED.stop();
    server.close();
  };
}

async function runMillwright(url: string, seconds: number): Promise<VariantRun> {
  const userDir = mkdtempSync(join(WORK, 'mw-user-'));
  const dist = join(SNAPSHOT, 'nodes');
  const flow = [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'ep', type: 'millwright-opcua-endpoint', endpointUrl: url, securityMode: 'None', securityPolicy: 'Basic256Sha256', authType: 'anonymous' },
    { id: 'sub', type: 'millwright-opcua-subscribe', z: 'tab', endpoint: 'ep', items: itemIds(2).map((nodeId) => ({ nodeId })), publishingInterval: INTERVAL_MS, samplingInterval: INTERVAL_MS, queueSize: 1, deadbandType: 'none', deadbandValue: 0, output: 'publish', wires: [['count']] },
    { id: 'count', type: 'bench-counter', z: 'tab', wires: [] },
  ];
  const stop = await startNodeRed(userDir, [join(dist, 'opcua-endpoint'), join(dist, 'opcua-subscribe'), counterNodeDir()], flow);
  return measure(seconds, async () => {
    await stop();
    rmSync(userDir, { recursive: true, force: true });
  });
}

async function runPeer(url: string, seconds: number): Promise<VariantRun> {
  const userDir = mkdtempSync(join(WORK, 'peer-user-'));
  symlinkSync(join(PEER_DIR, 'node_modules'), join(userDir, 'node_modules'), 'dir');
  // How its users subscribe many items: one client node, action subscribe, topic "multiple".
  const flow = [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'pep', type: 'OpcUa-Endpoint', endpoint: url, secpol: 'None', secmode: 'None', none: true, login: false, usercert: false },
    { id: 'go', type: 'inject', z: 'tab', props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }, { p: 'interval', v: String(INTERVAL_MS), vt: 'num' }], once: true, onceDelay: 0.5, topic: 'multiple', payload: JSON.stringify(itemIds(2).map((nodeId) => ({ nodeId }))), payloadType: 'json', wires: [['client']] },
    { id: 'client', type: 'OpcUa-Client', z: 'tab', endpoint: 'pep', action: 'subscribe', time: INTERVAL_MS, timeUnit: 'ms', certificate: 'n', deadbandtype: 'a', deadbandvalue: 0, setstatusandtime: false, keepsessionalive: false, wires: [['count'], [], []] },
    { id: 'count', type: 'bench-counter', z: 'tab', wires: [] },
  ];
  const stop = await startNodeRed(userDir, [counterNodeDir()], flow);
  return measure(seconds, async () => {
    await stop();
    rmSync(userDir, { recursive: true, force: true });
  });
}

// ---- the orchestrating parent --------------------------------------------------------------------

function ensurePeer(): string | undefined {
  if (existsSync(join(PEER_DIR, 'node_modules', 'node-red-contrib-opcua', 'package.json'))) return undefined;
  mkdirSync(PEER_DIR, { recursive: true });
  writeFileSync(join(PEER_DIR, 'package.json'), JSON.stringify({ name: 'opcua-bench-peer', private: true }));
  console.log(`installing ${PEER_PACKAGE} into bench/out/opcua-peer (benchmark only)...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['install', '--no-audit', '--no-fund', '--loglevel=error', PEER_PACKAGE], { cwd: PEER_DIR, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return `npm install ${PEER_PACKAGE} failed: ${(r.stderr || r.stdout || String(r.error)).trim().split('\n').slice(-3).join(' ')}`;
  return undefined;
}

// The built nodes, copied once per benchmark: dist/ is rebuilt by every `npm test` on this
// machine, and a child starting mid-rebuild would find no nodes to load.
const SNAPSHOT = join(OUT, 'opcua-dist');
const NEEDED = ['nodes/shared/glue.js', 'nodes/opcua-endpoint/opcua-endpoint.js', 'nodes/opcua-endpoint/opcua-endpoint.html', 'nodes/opcua-subscribe/opcua-subscribe.js', 'nodes/opcua-subscribe/opcua-subscribe.html', 'lib/protocols/opcua-subscription.js', 'lib/contracts.js'];

async function snapshotDist(): Promise<void> {
  const dist = join(ROOT, 'dist');
  for (let attempt = 0; attempt < 6; attempt++) {
    if (attempt === 3 || (attempt === 0 && !existsSync(join(dist, NEEDED[3])))) {
      console.log('building dist/ ...');
      spawnSync(process.execPath, [join(ROOT, 'scripts', 'build.mjs')], { cwd: ROOT, stdio: 'inherit' });
    }
    rmSync(SNAPSHOT, { recursive: true, force: true });
    try {
      cpSync(join(dist, 'lib'), join(SNAPSHOT, 'lib'), { recursive: true });
      for (const node of ['shared', 'opcua-endpoint', 'opcua-subscribe']) cpSync(join(dist, 'nodes', node), join(SNAPSHOT, 'nodes', node), { recursive: true });
      if (NEEDED.every((f) => existsSync(join(SNAPSHOT, f)))) return;
    } catch {
      // dist/ changed under us: try again
    }
    await sleep(5000);
  }
  throw new Error('could not take a complete copy of dist/: run npm run build');
}

function startServerProcess(): Promise<{ url: string; child: ChildProcess }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'fixtures', 'opcua-bench-server.ts'), '--items', String(ITEMS), '--tick', String(INTERVAL_MS)], { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
    const timer = setTimeout(() => reject(new Error('benchmark server did not start in 60 s')), 60_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^READY (\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ url: m[1], child });
      }
    });
    child.on('exit', (code) => reject(new Error(`benchmark server exited with ${code}`)));
  });
}

function runChild(variant: Variant, url: string, seconds: number): Promise<VariantRun> {
  return new Promise((resolvePromise, reject) => {
    const env = { ...process.env };
    const work = mkdtempSync(join(OUT, 'opcua-run-'));
    // The peer keeps its PKI under the home folder: give it a throw-away one.
    if (variant === 'peer') {
      env.HOME = join(work, 'home');
      mkdirSync(env.HOME);
    }
    // tsx/cjs rather than --import tsx: the ESM loader thread costs CPU every idle second.
    const child = spawn(process.execPath, ['--require', 'tsx/cjs', __filename, '--variant', variant, '--url', url, '--seconds', String(seconds), '--work', work], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let last = '';
    let errText = '';
    let outText = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 120) * 1000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('RESULT ')) last = line.slice(7);
      else outText = (outText + line + '\n').slice(-1500);
    });
    child.stderr!.on('data', (d) => (errText = (errText + d.toString()).slice(-2000)));
    child.on('exit', (code) => {
      clearTimeout(timer);
      rmSync(work, { recursive: true, force: true });
      if (last) return resolvePromise(JSON.parse(last) as VariantRun);
      const why = `${outText.trim().split('\n').slice(-3).join(' ')} ${errText.trim().split('\n').slice(-3).join(' ')}`;
      reject(new Error(`${variant} run failed (exit ${code}): ${why}`));
    });
  });
}

const per1000 = (r: VariantRun) => (r.changes > 0 ? (r.cpuMs / r.changes) * 1000 : Infinity);

export async function benchOpcua(options: { seconds?: number; rounds?: number } = {}): Promise<OpcuaFigures> {
  const seconds = options.seconds ?? 6;
  const rounds = options.rounds ?? 5;
  mkdirSync(OUT, { recursive: true });
  await snapshotDist();
  const peerError = ensurePeer();
  const { url, child } = await startServerProcess();
  console.log(`opcua: server ${url} with ${ITEMS} items changing every ${INTERVAL_MS} ms (own process)`);
  const runs: Record<Variant, VariantRun[]> = { bare: [], millwright: [], peer: [] };
  let peerFailure = peerError;
  try {
    for (let round = 0; round < rounds; round++) {
      for (const variant of ['bare', 'millwright', 'peer'] as Variant[]) {
        if (variant === 'peer' && peerFailure) continue;
        try {
          const r = await runChild(variant, url, seconds);
          runs[variant].push(r);
          console.log(`opcua ${variant} round ${round + 1}: ${r.changes} changes in ${r.msgs} msgs, ${round3(r.cpuMs)} ms CPU over ${round3(r.seconds)} s -> ${round3(per1000(r))} ms / 1000 changes`);
        } catch (err) {
          // A run lost to the shared machine (stall, timeout) is reported, not fatal; the peer is
          // dropped after its first failure.
          console.log(`opcua ${variant} round ${round + 1} failed: ${(err as Error).message}`);
          if (variant === 'peer') peerFailure = (err as Error).message;
        }
      }
    }
  } finally {
    child.stdin?.end();
    child.kill('SIGTERM');
  }
  // Median of the interleaved rounds: robust to the odd round disturbed by the shared machine.
  const best = (list: VariantRun[]) => {
    if (!list.length) return null;
    const v = list.map(per1000).sort((a, b) => a - b);
    const mid = Math.floor(v.length / 2);
    return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  };
  const rate = (list: VariantRun[]) => (list.length ? round(list.reduce((a, r) => a + r.changes / r.seconds, 0) / list.length, 0) : null);
  if (!runs.millwright.length || !runs.bare.length) throw new Error('no successful Millwright or bare run');
  const mw = best(runs.millwright);
  const bare = best(runs.bare);
  const peer = best(runs.peer);
  const figures: OpcuaFigures = {
    items: ITEMS,
    cpuMsPer1000: mw === null ? null : round(mw),
    bareCpuMsPer1000: bare === null ? null : round(bare),
    peerCpuMsPer1000: peer === null ? null : round(peer),
    ratioVsBare: mw !== null && bare ? round(mw / bare, 2) : null,
    ratioVsPeer: mw && peer !== null ? round(peer / mw, 2) : null,
    changesPerSecond: { millwright: rate(runs.millwright), bare: rate(runs.bare), peer: rate(runs.peer) },
  };
  if (peer === null) figures.peerError = peerFailure ?? 'no peer run';
  return figures;
}

const round3 = (x: number) => round(x, 3);

async function childMain(args: Record<string, string | true>): Promise<void> {
  const url = String(args.url);
  const seconds = Number(args.seconds ?? 8);
  const variant = args.variant as Variant;
  if (typeof args.work === 'string') WORK = args.work;
  const run = variant === 'bare' ? runBare : variant === 'millwright' ? runMillwright : runPeer;
  const result = await run(url, seconds);
  console.log(`RESULT ${JSON.stringify(result)}`);
  process.exit(0);
}

if (require.main === module) {
  const args = parseArgs();
  if (args.variant) {
    childMain(args).catch((err) => {
      console.error(err);
      process.exit(1);
    });
  } else {
    benchOpcua({ seconds: args.seconds ? Number(args.seconds) : undefined, rounds: args.rounds ? Number(args.rounds) : undefined })
      .then((figures) => finish({ opcua: figures }))
      .catch((err) => {
        console.error(err);
        process.exit(1);
      });
  }
}
