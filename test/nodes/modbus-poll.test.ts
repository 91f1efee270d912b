import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import connectionNode = require('../../nodes/modbus-connection/modbus-connection');
import pollNode = require('../../nodes/modbus-poll/modbus-poll');
import { freePort, InProcessModbusServer } from '../fixtures/modbus-servers';
import { collect, getNode, helper, lastStatus, nextMessage, sleep, type NodeLike } from '../helpers/node-red';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const NODES = [connectionNode, pollNode, catchNode];

const TAGS = [
  { name: 'speed', area: 'holding', address: '10', type: 'float32', wordOrder: 'little', unit: 'rpm' },
  { name: 'count', area: 'holding', address: '40', type: 'uint32' },
  { name: 'running', area: 'coil', address: '5' },
  { name: 'temp', area: 'input', address: '2', type: 'int16', scale: '0.1' },
];

function flow(port: number, poll: Record<string, unknown> = {}, conn: Record<string, unknown> = {}) {
  return [
    { id: 'tab', type: 'tab' },
    { id: 'conn', type: 'millwright-modbus-connection', z: '', host: '127.0.0.1', port, unitId: 1, timeout: 300, queueSize: 64, ...conn },
    { id: 'p1', type: 'millwright-modbus-poll', z: 'tab', name: 'line1', connection: 'conn', tags: TAGS, addressing: '0', interval: 100, output: 'poll', maxGap: '', wires: [['out']], ...poll },
    { id: 'out', type: 'helper', z: 'tab' },
    { id: 'c', type: 'catch', z: 'tab', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper', z: 'tab' },
  ];
}

/** Resolves with the first msg for which pick() is true. */
function until(node: NodeLike, pick: (msg: Record<string, any>) => boolean, timeoutMs: number): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no matching msg within ${timeoutMs} ms`)), timeoutMs);
    node.on('input', (msg: Record<string, any>) => {
      if (!pick(msg)) return;
      clearTimeout(timer);
      resolve(msg);
    });
  });
}

const allGood = (msg: Record<string, any>) => Array.isArray(msg.payload) && msg.payload.every((s: any) => s.quality === 'good');

describe('modbus poll node', () => {
  const server = new InProcessModbusServer();
  before(async () => {
    await new Promise<void>((resolve) => helper.startServer(resolve));
    await server.start();
    server.memory.holding.set([0x0000, 0x4248], 10); // 50.0 as float32, word-swapped
    server.memory.holding.set([0x0001, 0x0002], 40);
    server.memory.coil[5] = 1;
    server.memory.input[2] = 0xffec; // -20 -> -2.0 after scale
  });
  after(async () => {
    await server.stop();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
  });
  afterEach(async () => {
    server.refuse = undefined;
    server.silent = false;
    await helper.unload();
  });

  it('polls the table in coalesced requests and sends samples in one msg per poll', async () => {
    await helper.load(NODES, flow(server.port));
    const msg = await nextMessage(getNode('out'), 3000);
    assert.equal(msg.topic, 'line1');
    const byTag = Object.fromEntries(msg.payload.map((s: any) => [s.tag, s]));
    assert.equal(byTag.speed.value, 50);
    assert.equal(byTag.speed.unit, 'rpm');
    assert.equal(byTag.count.value, 65538);
    assert.equal(byTag.running.value, true);
    assert.ok(Math.abs(byTag.temp.value - -2) < 1e-9);
    assert.ok(msg.payload.every((s: any) => s.quality === 'good' && s.source === `127.0.0.1:${server.port}` && typeof s.timestamp === 'number'));
    assert.match(lastStatus(getNode('p1')).text ?? '', /4 tags, 3 req/);
  });

  it('shares one connection (one socket) between every node that uses it', async () => {
    const shared = await new InProcessModbusServer().start();
    try {
      const nodes = flow(shared.port);
      nodes.push({ id: 'p2', type: 'millwright-modbus-poll', z: 'tab', name: 'line2', connection: 'conn', tags: TAGS.slice(0, 2), addressing: '0', interval: 100, output: 'poll', maxGap: '', wires: [['out']] });
      await helper.load(NODES, nodes);
      const got = collect(getNode('out'));
      for (let i = 0; i < 40 && !(got.some((m) => m.topic === 'line1') && got.some((m) => m.topic === 'line2')); i++) await sleep(50);
      assert.ok(got.some((m) => m.topic === 'line1') && got.some((m) => m.topic === 'line2'));
      assert.equal(shared.openSockets, 1);
      assert.equal(lastStatus(getNode('p2')).fill, 'green');
    } finally {
      await helper.unload();
      await shared.stop();
    }
  });

  it('sends one msg per tag when asked, and polls on an input msg', async () => {
    await helper.load(NODES, flow(server.port, { output: 'tag', interval: 0 }));
    const got = collect(getNode('out'));
    await sleep(300);
    assert.equal(got.length, 0, 'interval 0 polls only on input');
    getNode('p1').receive({ payload: 'go', correlation: 7 });
    await sleep(300);
    assert.deepEqual(got.map((m) => m.topic).sort(), ['count', 'running', 'speed', 'temp']);
    assert.ok(got.every((m) => m.correlation === 7 && m.payload.tag === m.topic));
  });

  it('turns a device exception into bad quality for that request and an error a Catch node sees', async () => {
    server.refuse = (area) => (area === 'input' ? 2 : undefined);
    await helper.load(NODES, flow(server.port));
    const caught = nextMessage(getNode('caught'), 3000);
    const msg = await until(getNode('out'), (m) => Array.isArray(m.payload), 3000);
    const temp = msg.payload.find((s: any) => s.tag === 'temp');
    assert.equal(temp.quality, 'bad');
    assert.match(temp.error, /exception 2/);
    assert.ok(msg.payload.filter((s: any) => s.tag !== 'temp').every((s: any) => s.quality === 'good'));
    const err = await caught;
    assert.match(err.error.message, /1 of 3 Modbus requests failed \(1 tags bad\): read input 2\+1 unit 1: Modbus exception 2/);
    assert.equal(lastStatus(getNode('p1')).fill, 'yellow');
  });

  it('completes an input msg with done(err) when the device does not answer', async () => {
    await helper.load(NODES, flow(server.port, { interval: 0 }));
    await sleep(200);
    server.silent = true;
    const caught = nextMessage(getNode('caught'), 5000);
    const out = nextMessage(getNode('out'), 5000);
    getNode('p1').receive({ payload: 1 });
    const [msg, err] = await Promise.all([out, caught]);
    assert.ok(msg.payload.every((s: any) => s.quality === 'bad'));
    assert.match(err.error.message, /no reply from 127\.0\.0\.1:\d+ within 300 ms/);
    assert.equal(lastStatus(getNode('p1')).fill, 'red');
  });

  it('refuses requests beyond the queue bound with a clear error', async () => {
    await helper.load(NODES, flow(server.port, { interval: 0 }, { queueSize: 1 }));
    await sleep(200);
    const caught = nextMessage(getNode('caught'), 3000);
    getNode('p1').receive({ payload: 1 });
    assert.match((await caught).error.message, /request queue full \(1 waiting/);
  });

  it('starts while the server is down, shows reconnecting in red, and delivers good data within 5 s of its return', async () => {
    const port = await freePort();
    const late = new InProcessModbusServer(port);
    try {
      await helper.load(NODES, flow(port, { interval: 200 }));
      await sleep(1500);
      const status = lastStatus(getNode('p1'));
      assert.equal(status.fill, 'red');
      assert.match(status.text ?? '', /reconnecting|not connected/);
      await late.start();
      const good = await until(getNode('out'), allGood, 5000);
      assert.equal(good.payload.length, 4);
    } finally {
      await helper.unload();
      await late.stop();
    }
  });

  it('recovers after the server stops and starts again', async () => {
    const restartable = await new InProcessModbusServer().start();
    try {
      await helper.load(NODES, flow(restartable.port, { interval: 100 }));
      await until(getNode('out'), allGood, 3000);
      await restartable.stop();
      await until(getNode('out'), (m) => m.payload.every((s: any) => s.quality === 'bad'), 3000);
      await restartable.start();
      await until(getNode('out'), allGood, 5000);
    } finally {
      await helper.unload();
      await restartable.stop();
    }
  });

  it('keeps server sockets flat over 50 redeploys of the same flow', async () => {
    const counted = await new InProcessModbusServer().start();
    try {
      const open: number[] = [];
      for (let i = 0; i < 50; i++) {
        await helper.load(NODES, flow(counted.port, { interval: 20 }));
        await until(getNode('out'), allGood, 3000);
        await helper.unload();
        await sleep(10);
        open.push(counted.openSockets);
      }
      await sleep(100);
      assert.ok(Math.max(...open) <= 1, `open sockets after each redeploy: ${open.join(',')}`);
      assert.equal(counted.openSockets, 0);
    } finally {
      await counted.stop();
    }
  });

  for (const [label, poll, conn, pattern] of [
    ['an address out of range', { tags: [{ name: 'x', area: 'holding', address: '70000' }] }, {}, /"x": address: 70000 is out of range/],
    ['an unknown type', { tags: [{ name: 'x', area: 'holding', address: '1', type: 'int24' }] }, {}, /unknown type "int24"/],
    ['a 40001-style address in the wrong area', { addressing: 'modicon', tags: [{ name: 'x', area: 'input', address: '40001' }] }, {}, /holding reference but the area is input/],
    ['a bad port', {}, { port: 'abc' }, /port must be a whole number/],
  ] as const) {
    it(`reports ${label} with a clear error and red status, and keeps running`, async () => {
      await helper.load(NODES, flow(server.port, poll as never, conn as never));
      await sleep(100);
      const poller = getNode('p1');
      const caught = nextMessage(getNode('caught'), 3000);
      poller.receive({ payload: 1 });
      assert.match((await caught).error.message, pattern);
      assert.equal(lastStatus(poller).fill, 'red');
      assert.match(lastStatus(poller).text ?? '', /out of range|unknown type|holding reference|port must/);
    });
  }

  it('reports an unreachable host in red and keeps retrying without crashing', async () => {
    await helper.load(NODES, flow(0, { interval: 100 }, { host: 'plc.invalid', port: 502 }));
    const caught = await nextMessage(getNode('caught'), 5000);
    assert.match(caught.error.message, /not connected to plc\.invalid:502|ENOTFOUND|EAI_AGAIN|no connection within/);
    await sleep(300);
    assert.equal(lastStatus(getNode('p1')).fill, 'red');
  });
});
