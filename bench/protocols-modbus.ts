// Modbus benchmark: a scattered 200-tag table over three areas, polled every 250 ms from one in-process
// modbus-serial ServerTCP by
//   - Millwright's poll node in a real (embedded) Node-RED runtime, one msg per poll;
//   - node-red-contrib-modbus@5.23.3 in the same runtime, one read node per contiguous block (how its
//     users wire a table), installed for the benchmark only under bench/out/;
//   - a bare modbus-serial client reading the coalesced ranges and decoding the tags;
//   - (for the record) Millwright's lib poller alone, without Node-RED, to show what the runtime adds.
// Each client runs in its own child process so its CPU time is its own; the server counts requests.
// Children load TypeScript with tsx's require hook only: its ESM loader thread costs idle CPU that
// would be billed to whichever client ran under it.
// Usage: npm run bench -- protocols-modbus [--seconds 6] [--interval 250] [--rounds 5]
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type * as net from 'node:net';
import { join, resolve } from 'node:path';
import { ServerTCP } from 'modbus-serial';
import { contiguousBlocks, optimalRequestCount, planRequests, type ReadRequest } from '../lib/protocols/modbus-coalesce';
import { parseTagTable, type ModbusTag, type ModbusTagInput } from '../lib/protocols/modbus-tags';
import { finish, parseArgs, round as round2 } from './_shared';

const ROOT = resolve(__dirname, '..');
const OUT = join(ROOT, 'bench', 'out');
const PEER = 'node-red-contrib-modbus@5.23.3';
const PEER_DIR = join(OUT, 'peer-modbus');

export interface ModbusBenchFigures {
  tags: number;
  requestsPerPoll: number;
  optimalRequestsPerPoll: number;
  cpuMsPer1000: number;
  peerCpuMsPer1000: number;
  bareCpuMsPer1000: number;
  ratioVsPeer: number;
  ratioVsBare: number;
  [extra: string]: unknown;
}

type Variant = 'millwright' | 'peer' | 'bare' | 'lib';

interface ChildConfig {
  variant: Variant;
  port: number;
  rows: ModbusTagInput[];
  intervalMs: number;
  warmupMs: number;
  measureMs: number;
  userDir: string;
}

interface ChildResult {
  cpuMs: number;
  values: number;
  wallMs: number;
}

// ---- the tag table ------------------------------------------------------------------------------

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * 200 tags over holding, input and coil, as a real map looks: runs of back-to-back tags separated by
 * gaps of unused addresses. Fixed seed; the same table for all three clients.
 */
export function benchTable(seed = 20240601): ModbusTagInput[] {
  const rand = rng(seed);
  const rows: ModbusTagInput[] = [];
  const areas: Array<[string, number]> = [['holding', 80], ['input', 70], ['coil', 50]];
  const registerTypes = ['float32', 'float32', 'int16', 'uint16', 'uint32'];
  for (const [area, n] of areas) {
    let address = Math.floor(rand() * 20);
    for (let i = 0; i < n; i++) {
      const type = area === 'coil' ? 'bool' : registerTypes[Math.floor(rand() * registerTypes.length)];
      rows.push({ name: `${area}-${i}`, area, address: String(address), type });
      const size = type === 'float32' || type === 'uint32' ? 2 : 1;
      // two in three tags follow the previous one directly; others leave a gap
      const gap = rand() < 0.66 ? 0 : area === 'coil' ? 1 + Math.floor(rand() * 600) : 1 + Math.floor(rand() * 100);
      address += size + gap;
    }
  }
  return rows;
}

// ---- server -------------------------------------------------------------------------------------

interface CountingServer {
  port: number;
  requests(): number;
  close(): Promise<void>;
}

async function startServer(): Promise<CountingServer> {
  const rand = rng(99);
  const holding = Uint16Array.from({ length: 65536 }, () => Math.floor(rand() * 65536));
  const input = Uint16Array.from({ length: 65536 }, () => Math.floor(rand() * 65536));
  const coils = Uint8Array.from({ length: 65536 }, () => (rand() < 0.5 ? 1 : 0));
  const vector = {
    getMultipleHoldingRegisters: (a: number, n: number) => Array.from(holding.subarray(a, a + n)),
    getMultipleInputRegisters: (a: number, n: number) => Array.from(input.subarray(a, a + n)),
    getHoldingRegister: (a: number) => holding[a],
    getInputRegister: (a: number) => input[a],
    getCoil: (a: number) => coils[a] === 1,
    getDiscreteInput: (a: number) => coils[a] === 1,
  };
  let count = 0;
  const port = await new Promise<number>((resolvePort, reject) => {
    const probe = require('node:net').createServer() as net.Server;
    probe.listen(0, '127.0.0.1', () => {
      const p = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolvePort(p));
    });
    probe.on('error', reject);
  });
  const server = new ServerTCP(vector as never, { host: '127.0.0.1', port, unitID: 255 } as never);
  server.on('socketError', () => undefined);
  await new Promise<void>((ok, fail) => {
    server.on('initialized', () => ok());
    server.on('serverError', (e) => fail(e));
  });
  // Count Modbus frames (MBAP headers) as they arrive, independent of how the server answers them.
  (server as unknown as { _server: net.Server })._server.on('connection', (sock: net.Socket) => {
    let pending = Buffer.alloc(0);
    sock.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 6) {
        const length = pending.readUInt16BE(4);
        if (pending.length < 6 + length) break;
        count++;
        pending = pending.subarray(6 + length);
      }
    });
  });
  return { port, requests: () => count, close: () => new Promise<void>((done) => server.close(() => done())) };
}

// ---- the peer, installed for the benchmark only ---------------------------------------------------

function ensurePeer(): void {
  const pkg = join(PEER_DIR, 'node_modules', 'node-red-contrib-modbus', 'package.json');
  if (existsSync(pkg) && JSON.parse(readFileSync(pkg, 'utf8')).version === '5.23.3') return;
  mkdirSync(PEER_DIR, { recursive: true });
  writeFileSync(join(PEER_DIR, 'package.json'), JSON.stringify({ name: 'peer-modbus-bench', private: true }));
  console.log(`installing ${PEER} into bench/out/peer-modbus (benchmark only)...`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  execFileSync(npm, ['install', '--no-audit', '--no-fund', '--no-save', PEER], { cwd: PEER_DIR, stdio: 'inherit' });
}

/** A Node-RED package that loads Millwright's node sources through tsx (the child runs with tsx/cjs). */
function ensureMillwrightShim(userDir: string): void {
  const dir = join(userDir, 'node_modules', 'millwright-bench-nodes');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const nodes: Record<string, string> = {};
  for (const name of ['modbus-connection', 'modbus-poll']) {
    nodes[`millwright-${name}`] = `${name}.js`;
    writeFileSync(join(dir, `${name}.js`), `module.exports = require(${JSON.stringify(join(ROOT, 'nodes', name, `${name}.ts`))});\n`);
    writeFileSync(join(dir, `${name}.html`), readFileSync(join(ROOT, 'nodes', name, `${name}.html`)));
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'millwright-bench-nodes', version: '0.0.0', 'node-red': { nodes } }));
}

// ---- flows ----------------------------------------------------------------------------------------

const COUNTER = 'const c = global.get("benchCounter"); c.values += msg.payload.length; return null;';

function millwrightFlow(c: ChildConfig): unknown[] {
  return [
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'conn', type: 'millwright-modbus-connection', host: '127.0.0.1', port: c.port, unitId: 1, timeout: 1000, queueSize: 64, transport: 'tcp' },
    { id: 'mbpoll', type: 'millwright-modbus-poll', z: 'tab', connection: 'conn', tags: c.rows, addressing: '0', interval: c.intervalMs, output: 'poll', maxGap: '', x: 100, y: 100, wires: [['count']] },
    { id: 'count', type: 'function', z: 'tab', func: COUNTER, outputs: 0, x: 300, y: 100, wires: [] },
  ];
}

const PEER_AREA: Record<string, string> = { holding: 'HoldingRegister', input: 'InputRegister', coil: 'Coil', discrete: 'Input' };

function peerFlow(c: ChildConfig, blocks: ReadRequest[]): unknown[] {
  const tagsPerBlock: Record<string, number> = {};
  const nodes: unknown[] = [
    { id: 'tab', type: 'tab', label: 'bench' },
    {
      id: 'client', type: 'modbus-client', name: '', clienttype: 'tcp', bufferCommands: true, stateLogEnabled: false, queueLogEnabled: false, failureLogEnabled: true,
      tcpHost: '127.0.0.1', tcpPort: String(c.port), tcpType: 'DEFAULT', serialPort: '/dev/ttyUSB', serialType: 'RTU-BUFFERD', serialBaudrate: '9600', serialDatabits: '8',
      serialStopbits: '1', serialParity: 'none', serialConnectionDelay: '100', serialAsciiResponseStartDelimiter: '0x3A', unit_id: '1', commandDelay: '1', clientTimeout: '1000',
      reconnectOnTimeout: true, reconnectTimeout: '2000', parallelUnitIdsAllowed: true,
    },
  ];
  blocks.forEach((b, i) => {
    const topic = `${b.area}:${b.start}`;
    tagsPerBlock[topic] = b.tags.length;
    nodes.push({
      id: `read${i}`, type: 'modbus-read', z: 'tab', name: '', topic, showStatusActivities: false, logIOActivities: false, showErrors: false, unitid: '1',
      dataType: PEER_AREA[b.area], adr: String(b.start), quantity: String(b.count), rate: String(c.intervalMs), rateUnit: 'ms', delayOnStart: false, startDelayTime: '',
      server: 'client', useIOFile: false, ioFile: '', useIOForPayload: false, emptyMsgOnFail: false, x: 100, y: 40 + i * 40, wires: [['count'], []],
    });
  });
  // The peer outputs raw registers per block; count the tag values each block carries (no decoding, in the peer's favour).
  const func = `const per = ${JSON.stringify(tagsPerBlock)}; const c = global.get("benchCounter"); c.values += per[msg.topic] || 0; return null;`;
  nodes.push({ id: 'count', type: 'function', z: 'tab', func, outputs: 0, x: 400, y: 100, wires: [] });
  return nodes;
}

// ---- child processes -----------------------------------------------------------------------------

async function measure(c: ChildConfig, counter: { values: number }): Promise<ChildResult> {
  await new Promise((r) => setTimeout(r, c.warmupMs));
  const v0 = counter.values;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  process.send?.({ event: 'measuring' });
  await new Promise((r) => setTimeout(r, c.measureMs));
  const cpu = process.cpuUsage(cpu0);
  const result = { cpuMs: (cpu.user + cpu.system) / 1000, values: counter.values - v0, wallMs: performance.now() - t0 };
  process.send?.({ event: 'measured' });
  return result;
}

async function runNodeRed(c: ChildConfig, flow: unknown[]): Promise<ChildResult> {
  const RED = require(require.resolve('node-red', { paths: [ROOT] }));
  const counter = { values: 0 };
  writeFileSync(join(c.userDir, 'flows.json'), JSON.stringify(flow));
  const server = http.createServer();
  RED.init(server, {
    userDir: c.userDir,
    flowFile: 'flows.json',
    httpAdminRoot: false,
    httpNodeRoot: false,
    credentialSecret: false,
    logging: { console: { level: 'error', metrics: false, audit: false } },
    functionGlobalContext: { benchCounter: counter },
    externalModules: { autoInstall: false },
  });
  await RED.start();
  const result = await measure(c, counter);
  await RED.stop();
  return result;
}

async function runBare(c: ChildConfig): Promise<ChildResult> {
  const ModbusRTU = require('modbus-serial');
  const tags = parseTagTable(c.rows);
  const plan = planRequests(tags);
  const client = new ModbusRTU();
  await client.connectTCP('127.0.0.1', { port: c.port });
  client.setID(1);
  client.setTimeout(1000);
  const counter = { values: 0 };
  let stop = false;
  const decode = (t: ModbusTag, b: Buffer, start: number): number => {
    const o = (t.address - start) * 2;
    switch (t.type) {
      case 'float32':
        return b.readFloatBE(o);
      case 'int16':
        return b.readInt16BE(o);
      case 'uint32':
        return b.readUInt32BE(o);
      default:
        return b.readUInt16BE(o);
    }
  };
  const poll = async () => {
    const values: Array<number | boolean> = [];
    for (const r of plan) {
      if (r.area === 'coil') {
        const res = await client.readCoils(r.start, r.count);
        for (const t of r.tags) values.push(res.data[t.address - r.start]);
      } else {
        const res = r.area === 'holding' ? await client.readHoldingRegisters(r.start, r.count) : await client.readInputRegisters(r.start, r.count);
        for (const t of r.tags) values.push(decode(t, res.buffer, r.start));
      }
    }
    counter.values += values.length;
  };
  const loop = async () => {
    while (!stop) {
      const t0 = Date.now();
      await poll();
      await new Promise((r) => setTimeout(r, Math.max(0, c.intervalMs - (Date.now() - t0))));
    }
  };
  const running = loop();
  const result = await measure(c, counter);
  stop = true;
  await running;
  client.close(() => undefined);
  return result;
}

async function runLib(c: ChildConfig): Promise<ChildResult> {
  const { ModbusConnection } = require('../lib/protocols/modbus-client') as typeof import('../lib/protocols/modbus-client');
  const { ModbusPoller } = require('../lib/protocols/modbus-poller') as typeof import('../lib/protocols/modbus-poller');
  const conn = new ModbusConnection({ host: '127.0.0.1', port: c.port });
  const connected = new Promise<void>((ok) => conn.on('state', (s) => s.state === 'connected' && ok()));
  conn.start();
  await connected;
  const poller = new ModbusPoller(conn, parseTagTable(c.rows), 'bench');
  const counter = { values: 0 };
  let stop = false;
  const loop = async () => {
    while (!stop) {
      const t0 = Date.now();
      counter.values += (await poller.poll()).samples.length;
      await new Promise((r) => setTimeout(r, Math.max(0, c.intervalMs - (Date.now() - t0))));
    }
  };
  const running = loop();
  const result = await measure(c, counter);
  stop = true;
  await running;
  await conn.close();
  return result;
}

async function childMain(): Promise<void> {
  const c = await new Promise<ChildConfig>((ok) => process.once('message', (m) => ok(m as ChildConfig)));
  let result: ChildResult;
  if (c.variant === 'bare') result = await runBare(c);
  else if (c.variant === 'lib') result = await runLib(c);
  else if (c.variant === 'millwright') result = await runNodeRed(c, millwrightFlow(c));
  else result = await runNodeRed(c, peerFlow(c, contiguousBlocks(parseTagTable(c.rows))));
  process.send?.({ event: 'result', result });
  setTimeout(() => process.exit(0), 100);
}

function runChild(config: ChildConfig, server: CountingServer): Promise<ChildResult & { requests: number }> {
  return new Promise((ok, fail) => {
    const child: ChildProcess = fork(__filename, ['--modbus-bench-child'], { execArgv: ['--require', 'tsx/cjs', ...(process.env.MODBUS_BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(OUT, 'profiles')}`] : [])], cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let r0 = 0;
    let requests = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`${config.variant} child did not finish`));
    }, config.warmupMs + config.measureMs + 60000);
    child.on('message', (m: { event: string; result?: ChildResult }) => {
      if (m.event === 'measuring') r0 = server.requests();
      else if (m.event === 'measured') requests = server.requests() - r0;
      else if (m.event === 'result' && m.result) {
        clearTimeout(timer);
        ok({ ...m.result, requests });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) fail(new Error(`${config.variant} child exited with ${code}`));
    });
    child.send(config);
  });
}

// ---- the benchmark ----------------------------------------------------------------------------------

export async function benchModbus(options: { seconds?: number; intervalMs?: number; rounds?: number } = {}): Promise<ModbusBenchFigures> {
  const measureMs = (options.seconds ?? 6) * 1000;
  const rounds = options.rounds ?? 5;
  const intervalMs = options.intervalMs ?? 250;
  const rows = benchTable();
  const tags = parseTagTable(rows);
  const plan = planRequests(tags);
  const optimal = optimalRequestCount(tags);
  const blocks = contiguousBlocks(tags).length;
  console.log(`modbus: ${tags.length} tags, ${plan.length} coalesced requests (optimum ${optimal}), ${blocks} contiguous blocks; poll every ${intervalMs} ms, ${rounds} rounds of ${measureMs / 1000} s per client`);
  let peerReady = true;
  try {
    ensurePeer();
  } catch (err) {
    // offline, or the registry refuses: report the peer as missing rather than fail the whole run
    peerReady = false;
    console.log(`${PEER} could not be installed (${(err as Error).message}); its figures are left out`);
  }
  const mwDir = join(OUT, 'nr-millwright');
  mkdirSync(mwDir, { recursive: true });
  ensureMillwrightShim(mwDir);

  const server = await startServer();
  const base = { port: server.port, rows, intervalMs, warmupMs: 3000, measureMs };
  const variants: Variant[] = peerReady ? ['millwright', 'peer', 'bare', 'lib'] : ['millwright', 'bare', 'lib'];
  const runs: Record<Variant, Array<ChildResult & { requests: number }>> = { millwright: [], peer: [], bare: [], lib: [] };
  try {
    // Rounds interleave the clients so a change in machine load hits all three alike; medians are reported.
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < variants.length; k++) {
        const variant = variants[(k + round) % variants.length];
        const r = await runChild({ ...base, variant, userDir: variant === 'peer' ? PEER_DIR : mwDir }, server);
        runs[variant].push(r);
        const polls = r.values / tags.length;
        console.log(
          `  round ${round + 1} ${variant.padEnd(10)} ${round2(r.cpuMs, 1)} ms CPU, ${r.values} values (${round2(polls, 1)} polls of ${round2(r.wallMs / intervalMs, 1)} due), ` +
            `${r.requests} requests (${polls ? round2(r.requests / polls, 2) : 'n/a'} per poll), ${r.values ? round2((r.cpuMs / r.values) * 1000, 2) : 'n/a'} ms per 1000 values`,
        );
      }
    }
  } finally {
    await server.close();
  }
  const per1000 = (v: Variant) => (runs[v].length ? median(runs[v].map((r) => (r.values > 0 ? (r.cpuMs / r.values) * 1000 : NaN))) : NaN);
  const totals = (v: Variant) => runs[v].reduce((t, r) => ({ requests: t.requests + r.requests, polls: t.polls + r.values / tags.length }), { requests: 0, polls: 0 });
  const mw = per1000('millwright');
  const peer = per1000('peer');
  const bare = per1000('bare');
  const mwTotals = totals('millwright');
  const peerTotals = totals('peer');
  return {
    tags: tags.length,
    requestsPerPoll: mwTotals.polls ? round2(mwTotals.requests / mwTotals.polls, 2) : NaN,
    optimalRequestsPerPoll: optimal,
    cpuMsPer1000: round2(mw, 2),
    peerCpuMsPer1000: round2(peer, 2),
    bareCpuMsPer1000: round2(bare, 2),
    ratioVsPeer: round2(peer / mw, 2),
    ratioVsBare: round2(mw / bare, 2),
    libCpuMsPer1000: round2(per1000('lib'), 2),
    peerRequestsPerPoll: peerTotals.polls ? round2(peerTotals.requests / peerTotals.polls, 2) : NaN,
    contiguousBlocks: blocks,
    peerPollsPerSecond: round2(peerTotals.polls / ((rounds * measureMs) / 1000), 2),
    pollsDuePerSecond: round2(1000 / intervalMs, 2),
    intervalMs,
    rounds,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

if (process.argv.includes('--modbus-bench-child')) {
  childMain().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else if (require.main === module) {
  const args = parseArgs();
  benchModbus({ seconds: args.seconds ? Number(args.seconds) : undefined, intervalMs: args.interval ? Number(args.interval) : undefined, rounds: args.rounds ? Number(args.rounds) : undefined })
    .then((figures) => finish(figures))
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
