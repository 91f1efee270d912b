// The fault matrix for Modbus: a real Node-RED runtime polling a real server on loopback, with
// outages, a server that dies mid-request, garbage, exception codes and latency injected by a TCP
// proxy or the server itself. Each fault must end with good data again after the server's return,
// bad quality (never a silent gap) while it lasts, no duplicate or misattributed samples, errors a
// Catch node sees, and a runtime that keeps running. Tests wait generously and never assert on real
// time: each prints its reconnect time, and bench/faults.ts checks it against the 5-s requirement.
// Long outages replay on a simulated clock, where the 5 s is asserted.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import connectionNode = require('../../nodes/modbus-connection/modbus-connection');
import pollNode = require('../../nodes/modbus-poll/modbus-poll');
import writeNode = require('../../nodes/modbus-write/modbus-write');
import { ModbusConnection, type StateChange } from '../../lib/protocols/modbus-client';
import { FaultProxy, seededBytes } from '../fixtures/fault-proxy';
import { assertNoDuplicates, PATIENCE_MS, reportFault, watch, type Watch } from '../fixtures/fault-watch';
import { ManualClock } from '../fixtures/manual-clock';
import { freePort, InProcessModbusServer, pymodbusAvailable, startPymodbus, type PymodbusServer } from '../fixtures/modbus-servers';
import { getNode, helper, lastStatus, sleep } from '../helpers/node-red';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const NODES = [connectionNode, pollNode, writeNode, catchNode];
const TIMEOUT_MS = 500;
const SIMULATED_RETURN_BOUND_MS = 5000; // the requirement, asserted on the simulated clock only

const TAGS = [
  { name: 'a', area: 'holding', address: '0', type: 'uint16' },
  { name: 'b', area: 'holding', address: '200', type: 'uint16' },
  { name: 'c', area: 'input', address: '5', type: 'uint16' },
  { name: 'd', area: 'coil', address: '7' },
];
const EXPECTED: Record<string, unknown> = { a: 1111, b: 2222, c: 3333, d: true };

function flow(port: number, poll: Record<string, unknown> = {}, conn: Record<string, unknown> = {}) {
  return [
    { id: 'tab', type: 'tab' },
    { id: 'conn', type: 'millwright-modbus-connection', z: '', host: '127.0.0.1', port, unitId: 1, timeout: TIMEOUT_MS, queueSize: 64, ...conn },
    { id: 'p1', type: 'millwright-modbus-poll', z: 'tab', name: 'line', connection: 'conn', tags: TAGS, addressing: '0', interval: 100, output: 'poll', maxGap: '0', wires: [['out']], ...poll },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'w1', type: 'millwright-modbus-write', z: 'tab', connection: 'conn', tags: [{ name: 'sp', area: 'holding', address: '300', type: 'uint16' }], addressing: '0', writeEnabled: true, wires: [['written']] },
    { id: 'written', type: 'helper', z: 'tab' },
    { id: 'c', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ];
}

function fill(server: InProcessModbusServer): InProcessModbusServer {
  server.memory.holding[0] = 1111;
  server.memory.holding[200] = 2222;
  server.memory.input[5] = 3333;
  server.memory.coil[7] = 1;
  return server;
}

const allGood = (w: Watch, from = 0) => () => w.msgs.slice(from).some((m) => m.samples.length === 4 && m.samples.every((s) => s.quality === 'good'));

/** The checks every fault ends with: complete msgs, right values, no duplicates, the runtime alive. */
function assertHealthy(w: Watch, label: string): void {
  const samples = w.samplesSince(0);
  assert.ok(w.msgs.every((m) => m.samples.length === 4), `${label}: every poll reports every tag, good or bad`);
  const wrong = samples.filter((s) => s.quality === 'good' && s.value !== EXPECTED[s.tag]);
  assert.deepEqual(wrong, [], `${label}: a good sample never carries another request's value`);
  assert.ok(samples.filter((s) => s.quality === 'bad').every((s) => typeof s.error === 'string' && s.error.length > 0), `${label}: bad samples say why`);
  assertNoDuplicates(samples, label);
  assert.equal(lastStatus(getNode('p1')).fill, 'green', `${label}: status back to green`);
}

describe('Modbus fault matrix (real runtime, real server, fault proxy)', () => {
  let server: InProcessModbusServer;
  let proxy: FaultProxy;
  before(async () => {
    await new Promise<void>((resolve) => helper.startServer(resolve));
    server = await fill(new InProcessModbusServer()).start();
  });
  after(async () => {
    await server.stop();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
  });
  afterEach(async () => {
    await helper.unload();
    server.refuse = undefined;
    server.silent = false;
    if (proxy) await proxy.stop();
  });

  async function deploy(port: number, poll: Record<string, unknown> = {}, conn: Record<string, unknown> = {}): Promise<Watch> {
    await helper.load(NODES, flow(port, poll, conn));
    const w = watch(getNode('out'), getNode('caught'));
    if (poll.interval !== 0) await w.until('good data', allGood(w));
    else await sleep(200); // polls only on input: give the connection time to open
    return w;
  }

  it('outage of 1 s (server stopped and restarted on its port): bad quality while down, good data again after its return', async () => {
    const restartable = await fill(new InProcessModbusServer()).start();
    try {
      const w = await deploy(restartable.port);
      await restartable.stop();
      const down = w.msgs.length;
      await sleep(1000);
      assert.ok(w.samplesSince(down).some((s) => s.quality === 'bad'), 'the outage shows as bad quality, not silence');
      assert.equal(lastStatus(getNode('p1')).fill, 'red');
      const back = w.msgs.length;
      await restartable.start();
      const reconnectMs = await w.until('good data after the return', allGood(w, back));
      assert.ok(w.caught.some((e) => /not connected|lost|closed/.test(e)), `Catch saw the outage: ${w.caught.join(' | ')}`);
      assertHealthy(w, 'outage 1 s');
      reportFault('modbus', 'outage 1 s (restart)', { survived: true, reconnectMs, caught: w.caught });
    } finally {
      await helper.unload();
      await restartable.stop();
    }
  });

  it('a write during an outage fails to Catch and is never replayed after the return; the next one lands once', async () => {
    const restartable = await fill(new InProcessModbusServer()).start();
    try {
      const w = await deploy(restartable.port);
      await restartable.stop();
      await w.until('the outage seen', () => lastStatus(getNode('p1')).fill === 'red');
      const before = w.caught.length;
      getNode('w1').receive({ topic: 'sp', payload: 42 });
      await w.until('the write fails to Catch', () => w.caught.length > before && w.caughtFrom.slice(before).includes('w1'));
      assert.match(w.caught[w.caughtFrom.lastIndexOf('w1')], /not connected|lost|closed/);
      const back = w.msgs.length;
      await restartable.start();
      await w.until('good data after the return', allGood(w, back));
      await sleep(300);
      assert.deepEqual(restartable.writes, [], 'the failed write was not held and replayed');
      const written: Array<Record<string, any>> = [];
      getNode('written').on('input', (m: Record<string, any>) => written.push(m));
      getNode('w1').receive({ topic: 'sp', payload: 43 });
      await w.until('the write after the return', () => written.length === 1);
      assert.deepEqual(restartable.writes, [{ area: 'holding', address: 300, value: 43 }]);
      reportFault('modbus', 'write during an outage', { survived: true, caught: w.caught.filter((_, i) => w.caughtFrom[i] === 'w1') });
    } finally {
      await helper.unload();
      await restartable.stop();
    }
  });

  it('an independent server (pymodbus) killed with SIGKILL mid-request and restarted: good data again', { skip: pymodbusAvailable() ? false : 'python3 with pymodbus is not installed' }, async () => {
    const values = { holding: { '0': [1111], '200': [2222] }, input: { '5': [3333] }, coil: { '7': [1] } };
    let py: PymodbusServer = await startPymodbus(values);
    try {
      proxy = await new FaultProxy(py.port).up();
      const w = await deploy(proxy.port);
      proxy.latencyMs = 150; // replies wait in the proxy: a request is always in flight
      const sent = proxy.stats.requests;
      await w.until('a request in flight', () => proxy.stats.requests > sent);
      await py.kill();
      const down = w.msgs.length;
      await w.until('bad samples', () => w.samplesSince(down).some((s) => s.quality === 'bad'));
      proxy.latencyMs = 0;
      py = await startPymodbus(values);
      proxy.targetPort = py.port;
      const back = w.msgs.length;
      const reconnectMs = await w.until('good data from the restarted server', allGood(w, back));
      assert.ok(w.caught.some((e) => /lost|closed|not connected/.test(e)), `Catch saw the kill: ${w.caught.join(' | ')}`);
      assertHealthy(w, 'pymodbus killed');
      reportFault('modbus', 'server process killed (SIGKILL) mid-request, restarted', { survived: true, reconnectMs, caught: w.caught });
    } finally {
      await helper.unload();
      await py.stop();
    }
  });

  it('server killed mid-request (connection cut after the request left): error to Catch, good data again', async () => {
    proxy = await new FaultProxy(server.port).up();
    const w = await deploy(proxy.port);
    await proxy.killOnNextRequest();
    const down = w.msgs.length;
    await w.until('bad samples for the cut request', () => w.samplesSince(down).some((s) => s.quality === 'bad'));
    await sleep(500);
    const back = w.msgs.length;
    await proxy.up();
    const reconnectMs = await w.until('good data after the return', allGood(w, back));
    assert.ok(w.caught.some((e) => /lost|closed|not connected/.test(e)), `Catch saw the cut: ${w.caught.join(' | ')}`);
    assertHealthy(w, 'killed mid-request');
    reportFault('modbus', 'server killed mid-request', { survived: true, reconnectMs, caught: w.caught });
  });

  for (const [label, garbage] of [
    ['random bytes', ((bytes) => () => bytes(11))(seededBytes(42))],
    // the request's own header and function code, then a byte count the frame does not carry
    ['a frame that lies about its length', (req: Buffer) => Buffer.concat([req.subarray(0, 4), Buffer.from([0, 5]), req.subarray(6, 8), Buffer.from([200, 1, 2])])],
    // a length field far beyond what ever arrives: the client must not wait on it forever
    ['a header announcing 65535 bytes', (req: Buffer) => Buffer.concat([req.subarray(0, 4), Buffer.from([0xff, 0xff, 1, 3])])],
  ] as const) {
    it(`garbage replies (${label}): bad quality and errors while they last, right values after`, async () => {
      proxy = await new FaultProxy(server.port).up();
      const w = await deploy(proxy.port);
      proxy.garbage = garbage as (req: Buffer) => Buffer;
      proxy.mode = 'garbage';
      const during = w.msgs.length;
      await w.until('bad samples', () => w.samplesSince(during).some((s) => s.quality === 'bad'));
      await sleep(1000);
      proxy.mode = 'pass';
      const back = w.msgs.length;
      const reconnectMs = await w.until('good data after the garbage', allGood(w, back));
      assert.ok(w.caught.length > 0, 'Catch saw the garbage');
      assertHealthy(w, `garbage ${label}`);
      reportFault('modbus', `garbage reply (${label})`, { survived: true, reconnectMs, caught: w.caught });
    });
  }

  it('exception codes 01, 02, 03, 04 and 06: bad quality for the refused tag, the code in the error, the rest good', async () => {
    const w = await deploy(server.port, { interval: 0 });
    for (const code of [1, 2, 3, 4, 6]) {
      server.refuse = (area, start) => (area === 'holding' && start === 200 ? code : undefined);
      const from = w.msgs.length;
      const caughtBefore = w.caught.length;
      getNode('p1').receive({ payload: code });
      await w.until(`a poll answered with exception ${code}`, () => w.msgs.length > from);
      const b = w.msgs[from].samples.find((s) => s.tag === 'b')!;
      assert.equal(b.quality, 'bad');
      assert.match(b.error, new RegExp(`exception ${code}\\b`));
      assert.ok(w.msgs[from].samples.filter((s) => s.tag !== 'b').every((s) => s.quality === 'good' && s.value === EXPECTED[s.tag]));
      await w.until('Catch sees it', () => w.caught.length > caughtBefore);
      assert.match(w.caught.at(-1)!, new RegExp(`Modbus exception ${code}\\b`));
      assert.equal(lastStatus(getNode('p1')).fill, 'yellow');
    }
    server.refuse = undefined;
    const from = w.msgs.length;
    getNode('p1').receive({ payload: 'again' });
    await w.until('good data once the device stops refusing', allGood(w, from));
    assertHealthy(w, 'exceptions');
    assert.equal(server.openSockets, 1, 'exceptions never re-open the connection');
    reportFault('modbus', 'exception codes 01,02,03,04,06', { survived: true, caught: w.caught });
  });

  it('latency below the timeout: all good, nothing for Catch', async () => {
    proxy = await new FaultProxy(server.port).up();
    // a wide margin (100 ms latency, 1 s timeout) so a loaded machine does not turn it into a timeout
    const w = await deploy(proxy.port, {}, { timeout: 1000 });
    proxy.latencyMs = 100;
    const from = w.msgs.length;
    await w.until('polls through the slow link', () => w.msgs.length > from + 3);
    assert.ok(w.samplesSince(from).every((s) => s.quality === 'good'));
    assert.deepEqual(w.caught, []);
    assertHealthy(w, 'latency below timeout');
    reportFault('modbus', 'latency 100 ms (timeout 1 s)', { survived: true, caught: w.caught });
  });

  it('latency above the timeout, then a blackhole: Catch sees the timeouts, late replies never land on other requests', async () => {
    proxy = await new FaultProxy(server.port).up();
    const w = await deploy(proxy.port);
    for (const fault of ['latency', 'blackhole'] as const) {
      if (fault === 'latency') proxy.latencyMs = TIMEOUT_MS * 2;
      else proxy.mode = 'blackhole';
      const during = w.msgs.length;
      const caughtBefore = w.caught.length;
      await w.until('timeouts reach Catch', () => w.caught.slice(caughtBefore).some((e) => new RegExp(`no reply from 127\\.0\\.0\\.1:\\d+ within ${TIMEOUT_MS} ms`).test(e)));
      await sleep(1000);
      assert.ok(w.samplesSince(during).some((s) => s.quality === 'bad' && s.error.includes(`within ${TIMEOUT_MS} ms`)), 'timed-out tags read bad');
      proxy.latencyMs = 0;
      proxy.mode = 'pass';
      const back = w.msgs.length;
      const reconnectMs = await w.until(`good data after the ${fault}`, allGood(w, back));
      assertHealthy(w, fault);
      reportFault('modbus', fault === 'latency' ? `latency ${TIMEOUT_MS * 2} ms (above timeout)` : 'blackhole (never answers)', { survived: true, reconnectMs, caught: w.caught.slice(caughtBefore) });
    }
  });
});

describe('Modbus long outages on a simulated clock (lib, real sockets)', () => {
  /** Replays an outage of outageMs against a closed port, then brings the server back on it. */
  async function replay(outageMs: number) {
    const port = await freePort();
    const clock = new ManualClock();
    const conn = new ModbusConnection({ host: '127.0.0.1', port, timeoutMs: 500, timers: clock, random: (() => {
      const bytes = seededBytes(outageMs);
      return () => bytes(1)[0] / 255;
    })() });
    const delays: number[] = [];
    let last: StateChange = conn.state;
    conn.on('state', (s: StateChange) => {
      last = s;
      if (s.state === 'reconnecting' && s.delayMs !== undefined) delays.push(s.delayMs);
    });
    const settled = async (want: (s: StateChange) => boolean) => {
      for (let i = 0; i < 500 && !want(last); i++) await new Promise((r) => setImmediate(r));
      assert.ok(want(last), `state ${last.state} after waiting`);
    };
    const server = fill(new InProcessModbusServer(port));
    try {
      conn.start();
      // every attempt is refused for real; the clock jumps to the retry the connection scheduled
      while (clock.now < outageMs) {
        await settled((s) => s.state === 'reconnecting');
        clock.advance(clock.nextDue()! - clock.now);
      }
      await settled((s) => s.state === 'reconnecting');
      await server.start();
      const returnedAt = clock.now;
      clock.advance(clock.nextDue()! - clock.now);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`not connected: ${last.state} ${last.error ?? ''}`)), PATIENCE_MS);
        const check = () => (last.state === 'connected' ? (clearTimeout(t), resolve()) : setTimeout(check, 5));
        check();
      });
      const buffer = await conn.readRegisters('holding', 1, 0, 1);
      assert.equal(buffer.readUInt16BE(0), 1111);
      return { attempts: delays.length, lastDelays: delays.slice(-20), maxDelay: Math.max(...delays), reconnectMs: clock.now - returnedAt };
    } finally {
      await conn.close();
      await server.stop();
    }
  }

  it('an outage of 1 min and one of 1 h end in the same capped backoff: back within the 2.5 s cap of the return', async () => {
    const minute = await replay(60_000);
    const hour = await replay(3_600_000);
    for (const [label, r] of [['1 min', minute], ['1 h', hour]] as const) {
      assert.ok(r.maxDelay <= 2500, `${label}: no retry waits beyond the cap (max ${r.maxDelay} ms)`);
      assert.ok(r.lastDelays.every((d) => d >= 1250 && d <= 2500), `${label}: retries at the end of the outage wait within the capped band: ${r.lastDelays}`);
      assert.ok(r.reconnectMs <= SIMULATED_RETURN_BOUND_MS, `${label}: back ${r.reconnectMs} ms (simulated) after the return`);
      reportFault('modbus', `outage ${label} (simulated clock)`, { survived: true, reconnectMs: r.reconnectMs, caught: [] });
    }
    assert.ok(hour.attempts > minute.attempts * 30, `the hour retried all along (${hour.attempts} attempts vs ${minute.attempts})`);
  });
});
