// The fault matrix for OPC UA: a real Node-RED runtime subscribed to (and reading from) a real
// node-opcua server on loopback through a TCP fault proxy: link outages, the server gone mid-request,
// garbage, latency and a blackhole. Each fault must end with data again after the return, stale
// data flagged as bad quality, no duplicate samples, counter values lost only inside the outage,
// errors a Catch node sees, and a runtime that keeps running. Tests wait generously and never assert
// on real time: each prints its reconnect time, and bench/faults.ts checks it against the 5-s
// requirement. Long outages replay on a simulated clock, where the 5 s is asserted.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, afterEach, before, describe, it } from 'node:test';
import { parseEndpointSettings } from '../../lib/protocols/opcua-options';
import { OpcuaConnection, type ConnectionStateEvent } from '../../lib/protocols/opcua-session';
import { FaultProxy } from '../fixtures/fault-proxy';
import { assertNoDuplicates, PATIENCE_MS, reportFault, watch, type Watch } from '../fixtures/fault-watch';
import { ManualClock } from '../fixtures/manual-clock';
import { catcher, endpointConfig, opcuaNodes, waitForStatus } from '../fixtures/opcua-node-flows';
import { freePort, startTestServer, type TestServer } from '../fixtures/opcua-test-server';
import { getNode, helper, sleep } from '../helpers/node-red';

const SIMULATED_RETURN_BOUND_MS = 5000; // the requirement, asserted on the simulated clock only
const READ_TIMEOUT_MS = 1000;

function flow(url: string) {
  return [
    endpointConfig(url),
    { id: 'sub', type: 'millwright-opcua-subscribe', endpoint: 'ep', items: [{ nodeId: 'ns=2;s=Counter', tag: 'count' }, { nodeId: 'ns=2;s=Temperature', tag: 'temp' }], publishingInterval: 100, samplingInterval: 50, queueSize: 10, output: 'change', wires: [['out']] },
    { id: 'out', type: 'helper' },
    { id: 'rd', type: 'millwright-opcua-read', endpoint: 'ep', items: [{ nodeId: 'ns=2;s=Temperature', tag: 'temp' }], output: 'all', timeout: READ_TIMEOUT_MS, wires: [['read']] },
    { id: 'read', type: 'helper' },
    ...catcher(null),
  ];
}

const good = (w: Watch, from = 0, tag = 'count') => w.samplesSince(from).filter((s) => s.quality === 'good' && s.tag === tag);

/**
 * Counter values seen good, in order: each must follow the one before, except once (the outage),
 * and never go back (a re-delivered or duplicated change).
 */
function assertLossOnlyInOutage(w: Watch, label: string): void {
  const values = good(w).map((s) => s.value as number);
  const gaps: string[] = [];
  for (let i = 1; i < values.length; i++) {
    if (values[i] <= values[i - 1]) gaps.push(`back ${values[i - 1]}->${values[i]}`);
    else if (values[i] !== values[i - 1] + 1) gaps.push(`gap ${values[i - 1]}->${values[i]}`);
  }
  assert.ok(gaps.length <= 1 && gaps.every((g) => g.startsWith('gap')), `${label}: counter values missing only across the outage: ${gaps.join(', ')}`);
}

const lastWord = (w: Watch) => Object.fromEntries(new Map(w.samplesSince(0).map((s) => [s.tag, s.quality])));

async function assertHealthy(w: Watch, label: string): Promise<void> {
  // the last word on every tag is good: a value that never changed is confirmed after the fault too
  await w.until(`${label}: every tag reads good again`, () => lastWord(w).count === 'good' && lastWord(w).temp === 'good');
  assertNoDuplicates(w.samplesSince(0), label);
  assertLossOnlyInOutage(w, label);
  assert.ok(w.samplesSince(0).filter((s) => s.quality === 'bad').every((s) => typeof s.error === 'string' && s.error.length > 0), `${label}: bad samples say why`);
}

describe('OPC UA fault matrix (real runtime, real server, fault proxy)', () => {
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-faults-opcua-'));
  let server: TestServer;
  let proxy: FaultProxy;
  before(async () => {
    helper.settings({ userDir });
    await new Promise<void>((resolve) => helper.startServer(resolve));
    server = await startTestServer({ tickMs: 100 });
  });
  after(async () => {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    await server.stop();
    rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    await proxy.stop();
  });

  async function deploy(): Promise<Watch> {
    proxy = await new FaultProxy(server.port).up();
    await helper.load(opcuaNodes, flow(`opc.tcp://127.0.0.1:${proxy.port}`));
    const w = watch(getNode('out'), getNode('caught'));
    await w.until('data', () => good(w).length > 3);
    return w;
  }

  /** Reads once through the read node; resolves with its msg or the error Catch saw. */
  async function readOnce(w: Watch): Promise<{ msg?: Record<string, any>; error?: string }> {
    const reads: Array<Record<string, any>> = [];
    const listener = (m: Record<string, any>) => reads.push(m);
    getNode('read').on('input', listener);
    const caughtBefore = w.caught.length;
    getNode('rd').receive({ payload: 'read' });
    const fromRead = () => w.caught.filter((_, i) => i >= caughtBefore && w.caughtFrom[i] === 'rd');
    await w.until('the read ends', () => reads.length > 0 || fromRead().length > 0);
    getNode('read').removeListener('input', listener);
    return reads.length ? { msg: reads[0] } : { error: fromRead().join(' | ') };
  }

  /** Reads until one comes back good; a connection still settling may fail a read or two. */
  async function readsGoodAgain(w: Watch): Promise<void> {
    const deadline = Date.now() + PATIENCE_MS;
    const errors: string[] = [];
    for (;;) {
      const r = await readOnce(w);
      if (r.msg?.payload[0].quality === 'good') return;
      errors.push(r.error ?? JSON.stringify(r.msg?.payload));
      if (Date.now() > deadline) assert.fail(`no good read within ${PATIENCE_MS} ms: ${errors.join(' | ')}`);
      await sleep(100);
    }
  }

  it('link outage of 1 s: stale data flagged bad, Catch told, data again after the return', async () => {
    const w = await deploy();
    const down = w.msgs.length;
    await proxy.down();
    await w.until('a stale flag', () => w.samplesSince(down).some((s) => s.quality === 'bad'));
    await w.until('both tags flagged', () => w.samplesSince(down).filter((s) => s.quality === 'bad').length === 2);
    const flag = w.samplesSince(down).find((s) => s.quality === 'bad' && s.tag === 'count')!;
    assert.match(flag.error, /connection lost|closed/);
    assert.equal(flag.value, good(w).at(-1)!.value, 'the flag carries the last good value');
    assert.equal(w.samplesSince(down).find((s) => s.tag === 'temp')!.value, 20.5);
    await sleep(1000);
    const back = w.msgs.length;
    await proxy.up();
    const reconnectMs = await w.until('data after the return', () => good(w, back).length > 0);
    await w.until('Catch heard of it', () => w.caught.length > 0);
    await w.until('more data', () => good(w, back).length > 3);
    await assertHealthy(w, 'link outage 1 s');
    await readsGoodAgain(w);
    reportFault('opcua', 'link outage 1 s', { survived: true, reconnectMs, caught: w.caught });
  });

  it('server gone mid-request: the read in flight fails to Catch, both nodes recover', async () => {
    const w = await deploy();
    proxy.mode = 'blackhole'; // the read request reaches nobody...
    const pending = readOnce(w);
    await sleep(200);
    const down = w.msgs.length;
    await proxy.down(); // ...and the server goes away while it waits
    proxy.mode = 'pass';
    const read = await pending;
    assert.ok(read.error, `the read failed: ${JSON.stringify(read.msg?.payload)}`);
    await w.until('a stale flag', () => w.samplesSince(down).some((s) => s.quality === 'bad'));
    await sleep(1000);
    const back = w.msgs.length;
    await proxy.up();
    const reconnectMs = await w.until('data after the return', () => good(w, back).length > 0);
    await assertHealthy(w, 'gone mid-request');
    await readsGoodAgain(w);
    reportFault('opcua', 'server gone mid-request', { survived: true, reconnectMs, caught: w.caught });
  });

  it('garbage instead of replies: the channel is dropped and rebuilt, data again once it stops', async () => {
    const w = await deploy();
    const during = w.msgs.length;
    proxy.mode = 'garbage';
    await w.until('a stale flag', () => w.samplesSince(during).some((s) => s.quality === 'bad'));
    await sleep(1000);
    proxy.mode = 'pass';
    const back = w.msgs.length;
    const reconnectMs = await w.until('data after the garbage', () => good(w, back).length > 0);
    await assertHealthy(w, 'garbage');
    reportFault('opcua', 'garbage reply', { survived: true, reconnectMs, caught: w.caught });
  });

  it('latency below the read timeout: reads and data stay good, nothing for Catch', async () => {
    const w = await deploy();
    proxy.latencyMs = 200;
    const from = w.msgs.length;
    const read = await readOnce(w);
    assert.equal(read.msg?.payload[0].quality, 'good');
    await w.until('data through the slow link', () => good(w, from).length > 5);
    assert.deepEqual(w.caught, []);
    await assertHealthy(w, 'latency below timeout');
    reportFault('opcua', 'latency 200 ms (below timeout)', { survived: true, caught: w.caught });
  });

  it('latency above the read timeout: Catch sees the read time out, all good again once the link is fast', async () => {
    const w = await deploy();
    proxy.latencyMs = READ_TIMEOUT_MS * 2;
    const started = Date.now();
    const read = await readOnce(w);
    const tookMs = Date.now() - started;
    assert.match(read.error ?? '', /timed out|timeout/i, `the slow read fails with a timeout: ${JSON.stringify(read)}`);
    proxy.latencyMs = 0;
    const resetAt = Date.now();
    // a keep-alive answered late during the latency may still break the connection a moment later
    await sleep(3000);
    await w.until('fresh data after the last flag', () => lastWord(w).count === 'good');
    const lastBad = Math.max(resetAt, ...w.msgs.filter((m) => m.samples.some((x) => x.quality === 'bad')).map((m) => m.at));
    const reconnectMs = w.msgs.find((m) => m.at >= lastBad && m.samples.some((x) => x.quality === 'good'))!.at - lastBad;
    await readsGoodAgain(w);
    await assertHealthy(w, 'latency above timeout');
    reportFault('opcua', `latency ${READ_TIMEOUT_MS * 2} ms (above read timeout; read failed after ${tookMs} ms)`, { survived: true, reconnectMs, caught: w.caught });
  });

  it('blackhole (the link takes requests and never answers): stale flagged, data again once it answers', async () => {
    const w = await deploy();
    const during = w.msgs.length;
    proxy.mode = 'blackhole';
    await w.until('a stale flag', () => w.samplesSince(during).some((s) => s.quality === 'bad'));
    proxy.mode = 'pass';
    const back = w.msgs.length;
    const reconnectMs = await w.until('data after the blackhole', () => good(w, back).length > 0);
    await waitForStatus(getNode('sub'), (s) => /item/.test(s.text ?? ''), PATIENCE_MS);
    await assertHealthy(w, 'blackhole');
    reportFault('opcua', 'blackhole (never answers)', { survived: true, reconnectMs, caught: w.caught });
  });
});

// About 19 ms of real work per refused attempt: an hour (~1900 attempts) takes 40 s or more, so it runs
// when MILLWRIGHT_FAULTS_LONG is set (bench/faults.ts sets it); the minute always runs.
const LONG = Boolean(process.env.MILLWRIGHT_FAULTS_LONG);

/** Heap in use after a full collection (gc exposed at run time, so heap growth means retained objects). */
function heapAfterGcMb(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1e6;
}

describe('OPC UA long outages on a simulated clock (lib, real sockets)', () => {
  async function replay(outageMs: number) {
    const pki = mkdtempSync(join(tmpdir(), 'millwright-faults-opcua-pki-'));
    const port = await freePort();
    const clock = new ManualClock();
    const options = parseEndpointSettings({ endpointUrl: `opc.tcp://127.0.0.1:${port}`, securityMode: 'None', securityPolicy: 'None', authType: 'anonymous', pkiDir: pki });
    const conn = new OpcuaConnection(options, { timers: clock });
    const delays: number[] = [];
    let last: ConnectionStateEvent = conn.state;
    conn.on('state', (s: ConnectionStateEvent) => {
      last = s;
      if (s.retryInMs !== undefined) delays.push(s.retryInMs);
    });
    const settled = async (want: (s: ConnectionStateEvent) => boolean, ms = PATIENCE_MS) => {
      const deadline = Date.now() + ms;
      while (!want(last) && Date.now() < deadline) await sleep(1);
      assert.ok(want(last), `state ${last.state}: ${last.message}`);
    };
    let srv: TestServer | undefined;
    try {
      conn.start();
      clock.advance(0);
      let heapBefore = 0;
      let counted = 0;
      while (clock.now < outageMs) {
        await settled((s) => s.state === 'error' && clock.pending > 0);
        if (++counted === 10) heapBefore = heapAfterGcMb(); // after the one-off setup (certificates)
        clock.advance(clock.nextDue()! - clock.now);
      }
      await settled((s) => s.state === 'error' && clock.pending > 0);
      const heapGrowthMb = heapAfterGcMb() - heapBefore;
      srv = await startTestServer({ port });
      const returnedAt = clock.now;
      clock.advance(clock.nextDue()! - clock.now);
      await settled((s) => s.state === 'connected');
      return { attempts: delays.length, maxDelay: Math.max(...delays), lastDelays: delays.slice(-10), reconnectMs: clock.now - returnedAt, heapGrowthMb };
    } finally {
      await conn.close();
      if (srv) await srv.stop();
      rmSync(pki, { recursive: true, force: true });
    }
  }

  for (const [label, outageMs] of [['1 min', 60_000], ['1 h', 3_600_000]] as const) {
    const skip = outageMs > 60_000 && !LONG ? 'takes 40 s or more: set MILLWRIGHT_FAULTS_LONG=1 (npm run bench -- faults does)' : false;
    it(`an outage of ${label} ends in the capped backoff, and the client connects on the first retry after the return`, { skip }, async () => {
      const r = await replay(outageMs);
      assert.ok(r.maxDelay <= 2500, `no retry waits beyond the cap: ${r.maxDelay} ms`);
      assert.ok(r.lastDelays.every((d) => d >= 1500 && d <= 2500), `retries at the end wait within the capped band: ${r.lastDelays}`);
      assert.ok(r.reconnectMs <= SIMULATED_RETURN_BOUND_MS, `back ${r.reconnectMs} ms (simulated) after the return`);
      process.stdout.write(`# ${label}: ${r.attempts} attempts, heap ${r.heapGrowthMb.toFixed(1)} MB after them\n`);
      reportFault('opcua', `outage ${label} (simulated clock)`, { survived: true, reconnectMs: r.reconnectMs, caught: [] });
    });
  }
});
