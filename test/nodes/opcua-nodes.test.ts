// OPC UA nodes in a real Node-RED runtime against an in-process node-opcua server on loopback.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { collect, getNode, helper, nextMessage, sleep } from '../helpers/node-red';
import { catcher, endpointConfig, opcuaNodes, until, waitForStatus } from '../fixtures/opcua-node-flows';
import { freePort, startTestServer, type TestServer } from '../fixtures/opcua-test-server';

describe('OPC UA nodes', () => {
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-opcua-nr-'));
  let srv: TestServer;
  before(async () => {
    helper.settings({ userDir });
    srv = await startTestServer({ tickMs: 100 });
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    await srv.stop();
    rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
  });

  it('subscribes: one msg per change, samples with good quality, yellow status while unencrypted', async () => {
    await helper.load(opcuaNodes, [
      endpointConfig(srv.url),
      { id: 'sub', type: 'millwright-opcua-subscribe', endpoint: 'ep', items: [{ nodeId: srv.nodeId('Counter'), tag: 'count' }, { nodeId: srv.nodeId('Temperature') }], publishingInterval: 100, samplingInterval: 50, queueSize: 5, deadbandType: 'none', deadbandValue: 0, output: 'change', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const sub = getNode('sub');
    const got = collect(getNode('out'));
    await until('a few changes', () => got.filter((m) => m.topic === 'count').length >= 3, 15_000);
    const first = got.find((m) => m.topic === srv.nodeId('Temperature'))!;
    assert.equal(first.payload.value, 20.5);
    assert.equal(first.payload.quality, 'good');
    assert.equal(first.payload.source, srv.url);
    const counts = got.filter((m) => m.topic === 'count').map((m) => m.payload.value);
    assert.ok(counts.every((v: number, i: number) => i === 0 || v > counts[i - 1]), `counts rise: ${counts}`);
    const s = await waitForStatus(sub, (st) => /item/.test(st.text ?? ''));
    assert.equal(s.fill, 'yellow');
    assert.match(s.text!, /unencrypted/);
  });

  it('subscribes: one msg per publish carries all changes of that publish', async () => {
    await helper.load(opcuaNodes, [
      endpointConfig(srv.url),
      { id: 'sub', type: 'millwright-opcua-subscribe', endpoint: 'ep', items: [{ nodeId: srv.nodeId('Counter') }, { nodeId: srv.nodeId('Temperature') }], publishingInterval: 200, samplingInterval: 50, queueSize: 10, deadbandType: 'none', deadbandValue: 0, output: 'publish', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const got = collect(getNode('out'));
    await until('three publishes', () => got.length >= 3, 15_000);
    assert.ok(Array.isArray(got[0].payload));
    assert.ok(got[0].payload.length >= 2, 'first publish has the initial values of both items');
    assert.ok(got.slice(1).some((m) => m.payload.length >= 2), 'a later publish batches several counter changes (sampling 50 ms, publishing 200 ms)');
  });

  it('subscribes: node ids the server rejects give a yellow status and an error for Catch', async () => {
    await helper.load(opcuaNodes, [
      endpointConfig(srv.url),
      { id: 'sub', type: 'millwright-opcua-subscribe', endpoint: 'ep', items: [{ nodeId: srv.nodeId('Counter') }, { nodeId: 'ns=2;s=NoSuchTag' }], publishingInterval: 100, samplingInterval: 50, queueSize: 5, deadbandType: 'none', deadbandValue: 0, output: 'change', wires: [['out']] },
      { id: 'out', type: 'helper' },
      ...catcher(),
    ]);
    const caught = await nextMessage(getNode('caught'), 15_000);
    assert.match(caught.error.message, /ns=2;s=NoSuchTag \(BadNodeIdUnknown\)/);
    const s = await waitForStatus(getNode('sub'), (st) => /rejected/.test(st.text ?? ''));
    assert.equal(s.fill, 'yellow');
  });

  it('reads on demand: configured items, or node ids from the msg', async () => {
    await helper.load(opcuaNodes, [
      endpointConfig(srv.url),
      { id: 'rd', type: 'millwright-opcua-read', endpoint: 'ep', items: [{ nodeId: srv.nodeId('Temperature'), tag: 'temp' }, { nodeId: srv.nodeId('Running') }], output: 'all', timeout: 15000, wires: [['out']] },
      { id: 'rd2', type: 'millwright-opcua-read', endpoint: 'ep', items: [], output: 'each', timeout: 15000, wires: [['out2']] },
      { id: 'out', type: 'helper' },
      { id: 'out2', type: 'helper' },
    ]);
    const reply = nextMessage(getNode('out'), 15_000);
    getNode('rd').receive({ payload: 'go', correlation: 7 });
    const msg = await reply;
    assert.equal(msg.correlation, 7);
    assert.deepEqual(msg.payload.map((s: { tag: string; value: unknown; quality: string }) => [s.tag, s.value, s.quality]), [['temp', 20.5, 'good'], [srv.nodeId('Running'), true, 'good']]);
    const got2 = collect(getNode('out2'));
    getNode('rd2').receive({ payload: [srv.nodeId('Setpoint'), srv.nodeId('Mode')] });
    await until('two msgs', () => got2.length === 2, 10_000);
    assert.deepEqual(got2.map((m) => m.topic), [srv.nodeId('Setpoint'), srv.nodeId('Mode')]);
  });

  it('read: a bad node id comes back with bad quality and an error for Catch', async () => {
    await helper.load(opcuaNodes, [
      endpointConfig(srv.url),
      { id: 'rd', type: 'millwright-opcua-read', endpoint: 'ep', items: [], output: 'all', timeout: 15000, wires: [['out']] },
      { id: 'out', type: 'helper' },
      ...catcher(),
    ]);
    const caught = nextMessage(getNode('caught'), 15_000);
    const out = nextMessage(getNode('out'), 15_000);
    getNode('rd').receive({ topic: 'ns=2;s=Missing' });
    assert.equal((await out).payload[0].quality, 'bad');
    assert.match((await caught).error.message, /Missing \(BadNodeIdUnknown\)/);
    const bad = nextMessage(getNode('caught'), 5000);
    getNode('rd').receive({ topic: 'not a node id' });
    assert.match((await bad).error.message, /node id "not a node id" is not valid/);
  });

  it('write: refused until enabled; then clamps, rejects and limits the rate, logging old and new values', async () => {
    const setpoint = srv.nodeId('Setpoint');
    const mode = srv.nodeId('Mode');
    await helper.load(opcuaNodes, [
      endpointConfig(srv.url),
      { id: 'off', type: 'millwright-opcua-write', endpoint: 'ep', nodeId: setpoint, writeEnabled: false, limits: [], timeout: 15000, wires: [[]] },
      { id: 'wr', type: 'millwright-opcua-write', endpoint: 'ep', nodeId: '', writeEnabled: true, onlyListed: true, timeout: 15000, wires: [['out']],
        limits: [{ nodeId: setpoint, min: 0, max: 100, mode: 'clamp' }, { nodeId: mode, min: 0, max: 3, mode: 'reject', rate: 1 }] },
      { id: 'out', type: 'helper' },
      ...catcher(),
    ]);
    const caught = collect(getNode('caught'));
    const out = collect(getNode('out'));
    getNode('off').receive({ payload: 10 });
    await until('refusal', () => caught.length === 1, 5000);
    assert.match(caught[0].error.message, /writing is disabled/);
    assert.equal(srv.getValue('Setpoint'), 50);

    const wr = getNode('wr');
    const logs: string[] = [];
    wr.on('call:log', (call: { args: [string] }) => logs.push(call.args[0]));
    wr.receive({ topic: setpoint, payload: 140 });
    await until('clamped write', () => out.length === 1, 15_000);
    assert.deepEqual([out[0].payload.oldValue, out[0].payload.newValue], [50, 100]);
    assert.equal(srv.getValue('Setpoint'), 100);
    assert.match(out[0].payload.adjustments[0], /140 clamped to 100/);
    wr.receive({ topic: mode, payload: 2 }); // Mode is 1: a change of 1 is within 1/s
    await until('mode write', () => out.length === 2, 5000);
    assert.equal(srv.getValue('Mode'), 2);
    wr.receive({ topic: mode, payload: 3 }); // right after: far more than 1/s
    wr.receive({ topic: mode, payload: 9 });
    wr.receive({ topic: srv.nodeId('Counter'), payload: 1 });
    await until('three refusals', () => caught.length === 4, 5000);
    const refusals = caught.slice(1).map((m) => m.error.message).sort();
    assert.ok(refusals.some((t) => /3 rejected, change 1 exceeds 1\/s/.test(t)), refusals.join(' | '));
    assert.ok(refusals.some((t) => /9 rejected, above max 3/.test(t)), refusals.join(' | '));
    assert.ok(refusals.some((t) => /Counter is not in the limits table/.test(t)), refusals.join(' | '));
    assert.equal(srv.getValue('Mode'), 2);
    await sleep(20);
    assert.ok(logs.some((l) => l.includes(`write ${setpoint}: 50 -> 100`)), `log lines: ${logs}`);
    assert.ok(logs.some((l) => l.includes(`write ${mode}: 1 -> 2`)));
  });

  it('browses the deployed endpoint through the admin HTTP endpoint', async () => {
    await helper.load(opcuaNodes, [endpointConfig(srv.url), { id: 'rd', type: 'millwright-opcua-read', endpoint: 'ep', items: [], output: 'all', timeout: 5000, wires: [[]] }]);
    const top = await helper.request().get('/millwright/opcua/browse').query({ endpoint: 'ep' }).expect(200);
    const plant = top.body.entries.find((e: { displayName: string }) => e.displayName === 'Plant');
    assert.ok(plant, 'Objects lists Plant');
    const inside = await helper.request().get('/millwright/opcua/browse').query({ endpoint: 'ep', nodeId: plant.nodeId }).expect(200);
    const counter = inside.body.entries.find((e: { displayName: string }) => e.displayName === 'Counter');
    assert.equal(counter.nodeId, srv.nodeId('Counter'));
    assert.equal(counter.isVariable, true);
    const missing = await helper.request().get('/millwright/opcua/browse').query({ endpoint: 'nope' }).expect(404);
    assert.match(missing.body.error, /deploy the endpoint first/);
  });

  it('bad config: a malformed URL and an unreachable endpoint give a clear error and red status, never a crash', async () => {
    const closedPort = await freePort();
    await helper.load(opcuaNodes, [
      { ...endpointConfig('http://plc:4840'), id: 'badurl' },
      { ...endpointConfig(`opc.tcp://127.0.0.1:${closedPort}`), id: 'down' },
      { id: 's1', type: 'millwright-opcua-subscribe', endpoint: 'badurl', items: [{ nodeId: 'ns=2;s=A' }], publishingInterval: 100, samplingInterval: 50, queueSize: 5, output: 'change', wires: [[]] },
      { id: 's2', type: 'millwright-opcua-subscribe', endpoint: 'down', items: [{ nodeId: 'ns=2;s=A' }], publishingInterval: 100, samplingInterval: 50, queueSize: 5, output: 'change', wires: [[]] },
      { id: 's3', type: 'millwright-opcua-subscribe', endpoint: 'down', items: [], publishingInterval: 100, samplingInterval: 50, queueSize: 5, output: 'change', wires: [[]] },
      { ...endpointConfig('opc.tcp://no-such-host.invalid:4840'), id: 'nohost' },
      { id: 's4', type: 'millwright-opcua-subscribe', endpoint: 'nohost', items: [{ nodeId: 'ns=2;s=A' }], publishingInterval: 100, samplingInterval: 50, queueSize: 5, output: 'change', wires: [[]] },
      { id: 's5', type: 'millwright-opcua-subscribe', endpoint: 'missing-endpoint', items: [{ nodeId: 'ns=2;s=A' }], publishingInterval: 100, samplingInterval: 50, queueSize: 5, output: 'change', wires: [[]] },
      { id: 'rd', type: 'millwright-opcua-read', endpoint: 'down', items: [{ nodeId: 'ns=2;s=A' }], output: 'all', timeout: 300, wires: [[]] },
      ...catcher(['rd']),
    ]);
    const s1 = await waitForStatus(getNode('s1'), (s) => s.fill === 'red');
    assert.match(s1.text!, /Endpoint URL "http:\/\/plc:4840" is not valid/);
    const s2 = await waitForStatus(getNode('s2'), (s) => s.fill === 'red');
    assert.match(s2.text!, /connection refused/);
    const s3 = await waitForStatus(getNode('s3'), (s) => s.fill === 'red');
    assert.match(s3.text!, /no node ids/);
    assert.match((await waitForStatus(getNode('s4'), (s) => s.fill === 'red')).text!, /not found \(DNS\)/);
    assert.match((await waitForStatus(getNode('s5'), (s) => s.fill === 'red')).text!, /no OPC UA endpoint selected/);
    const caught = nextMessage(getNode('caught'), 5000);
    getNode('rd').receive({ payload: 1 });
    assert.match((await caught).error.message, /not connected to opc\.tcp:\/\/127\.0\.0\.1:\d+ .*connection refused/);
    assert.equal((await waitForStatus(getNode('rd'), (s) => s.fill === 'red')).fill, 'red');
  });

  it('subscribe reports a connection problem to Catch once per distinct problem', async () => {
    const closedPort = await freePort();
    await helper.load(opcuaNodes, [
      endpointConfig(`opc.tcp://127.0.0.1:${closedPort}`),
      { id: 'sub', type: 'millwright-opcua-subscribe', endpoint: 'ep', items: [{ nodeId: 'ns=2;s=A' }], publishingInterval: 100, samplingInterval: 50, queueSize: 5, output: 'change', wires: [[]] },
      ...catcher(['sub']),
    ]);
    const caught = collect(getNode('caught'));
    await until('first report', () => caught.length >= 1, 5000);
    await sleep(1500); // several more failed attempts (backoff starts at 250 ms)
    assert.equal(caught.length, 1);
    assert.match(caught[0].error.message, /connection refused/);
  });
});
