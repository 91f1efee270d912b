import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import connectionNode = require('../../nodes/modbus-connection/modbus-connection');
import writeNode = require('../../nodes/modbus-write/modbus-write');
import { InProcessModbusServer } from '../fixtures/modbus-servers';
import { getNode, helper, lastStatus, nextMessage, sleep } from '../helpers/node-red';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const NODES = [connectionNode, writeNode, catchNode];

const TAGS = [
  { name: 'setpoint', area: 'holding', address: '100', type: 'float32', wordOrder: 'little', min: '0', max: '80', limitMode: 'clamp' },
  { name: 'speed', area: 'holding', address: '110', type: 'int16', scale: '0.1', min: '-100', max: '100', limitMode: 'reject', maxRate: '10' },
  { name: 'pump', area: 'coil', address: '7', loadId: 'pump-1' },
  { name: 'label', area: 'holding', address: '120', type: 'string(6)' },
  { name: 'alarmBit', area: 'holding', address: '130', type: 'bool', bit: '2' },
];

function flow(port: number, write: Record<string, unknown> = {}) {
  return [
    { id: 'conn', type: 'millwright-modbus-connection', host: '127.0.0.1', port, unitId: 1, timeout: 300, queueSize: 64 },
    { id: 'w1', type: 'millwright-modbus-write', connection: 'conn', tags: TAGS, addressing: '0', writeEnabled: true, wires: [['out']], ...write },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

const float32At = (m: Uint16Array, a: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(m[a + 1], 0); // word-swapped device
  b.writeUInt16BE(m[a], 2);
  return b.readFloatBE(0);
};

describe('modbus write node', () => {
  const server = new InProcessModbusServer();
  before(async () => {
    await new Promise<void>((resolve) => helper.startServer(resolve));
    await server.start();
  });
  after(async () => {
    await server.stop();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
  });
  afterEach(async () => {
    await helper.unload();
    server.writes.length = 0;
  });

  it('refuses to write until writing is enabled', async () => {
    await helper.load(NODES, flow(server.port, { writeEnabled: false }));
    await sleep(100);
    const caught = nextMessage(getNode('caught'));
    getNode('w1').receive({ topic: 'setpoint', payload: 10 });
    assert.match((await caught).error.message, /writing is disabled/);
    assert.equal(server.writes.length, 0);
    assert.equal(lastStatus(getNode('w1')).fill, 'red');
  });

  it('writes typed values and logs each write with its old and new value', async () => {
    server.memory.holding.set([0, 0x4120], 100); // 10.0, word-swapped
    await helper.load(NODES, flow(server.port));
    await sleep(100);
    const w = getNode('w1');
    const logs: string[] = [];
    w.on('call:log', (call: { args: unknown[] }) => logs.push(String(call.args[0])));
    const out = nextMessage(getNode('out'));
    w.receive({ topic: 'setpoint', payload: 42.5 });
    const msg = await out;
    assert.deepEqual([msg.payload.tag, msg.payload.old, msg.payload.value, msg.payload.limited], ['setpoint', 10, 42.5, false]);
    assert.equal(float32At(server.memory.holding, 100), 42.5);
    await sleep(20);
    assert.ok(logs.some((l) => /write setpoint \(holding 100, unit 1\): 10 -> 42\.5/.test(l)), logs.join('\n'));

    const several = nextMessage(getNode('out'));
    w.receive({ payload: { label: 'AB-12', alarmBit: true, pump: 'on' } });
    assert.equal((await several).payload.length, 3);
    assert.equal(Buffer.from([server.memory.holding[120] >> 8, server.memory.holding[120] & 255, server.memory.holding[121] >> 8]).toString('latin1'), 'AB-');
    assert.equal(server.memory.holding[130] & 0b100, 0b100);
    assert.equal(server.memory.coil[7], 1);
  });

  it('clamps or rejects values outside the limits', async () => {
    await helper.load(NODES, flow(server.port));
    await sleep(100);
    const w = getNode('w1');
    const out = nextMessage(getNode('out'));
    w.receive({ topic: 'setpoint', payload: 95 });
    const msg = await out;
    assert.deepEqual([msg.payload.value, msg.payload.requested, msg.payload.limited, msg.payload.note], [80, 95, true, 'clamped to max 80']);
    assert.equal(float32At(server.memory.holding, 100), 80);
    const caught = nextMessage(getNode('caught'));
    const before = server.writes.length;
    w.receive({ topic: 'speed', payload: 150 });
    assert.match((await caught).error.message, /"speed": 150 is above the maximum 100/);
    assert.equal(server.writes.length, before);
  });

  it('rejects a step faster than the rate-of-change limit', async () => {
    server.memory.holding[110] = 0;
    await helper.load(NODES, flow(server.port));
    await sleep(100);
    const caught = nextMessage(getNode('caught'));
    // 10 units/s allow about 1 unit in the ~0.1 s since start: a jump to 50 is refused
    getNode('w1').receive({ topic: 'speed', payload: 50 });
    assert.match((await caught).error.message, /change 0 -> 50 exceeds 10\/s/);
    assert.equal(server.memory.holding[110], 0);
  });

  it('maps the scheduler command contract to a coil', async () => {
    server.memory.coil[7] = 0;
    await helper.load(NODES, flow(server.port));
    await sleep(100);
    const w = getNode('w1');
    let out = nextMessage(getNode('out'));
    w.receive({ payload: { loadId: 'pump-1', action: 'start', at: Date.now(), reason: 'cheap tariff' } });
    assert.equal((await out).payload.value, true);
    assert.equal(server.memory.coil[7], 1);
    out = nextMessage(getNode('out'));
    w.receive({ payload: { loadId: 'pump-1', action: 'stop', at: Date.now(), reason: 'peak' } });
    assert.deepEqual([(await out).payload.old, server.memory.coil[7]], [true, 0]);
    out = nextMessage(getNode('out'));
    w.receive({ payload: { loadId: 'pump-1', action: 'release', at: Date.now(), reason: 'guard: back under target' } });
    assert.deepEqual([(await out).payload.value, server.memory.coil[7]], [true, 1], 'release runs the shed load again');
    out = nextMessage(getNode('out'));
    w.receive({ payload: { loadId: 'pump-1', action: 'shed', at: Date.now(), reason: 'guard: over target' } });
    assert.deepEqual([(await out).payload.value, server.memory.coil[7]], [false, 0]);
    const caught = nextMessage(getNode('caught'));
    w.receive({ payload: { loadId: 'fan-9', action: 'start', at: Date.now(), reason: '' } });
    assert.match((await caught).error.message, /load "fan-9": no tag has that load id/);
  });

  it('holds a command until its time', async () => {
    server.memory.coil[7] = 0;
    await helper.load(NODES, flow(server.port));
    await sleep(100);
    const out = nextMessage(getNode('out'), 4000);
    getNode('w1').receive({ payload: { loadId: 'pump-1', action: 'start', at: Date.now() + 800, reason: 'plan' } });
    await sleep(300);
    assert.equal(server.memory.coil[7], 0, 'not yet');
    assert.equal((await out).payload.value, true);
    assert.equal(server.memory.coil[7], 1);
  });

  it('refuses read-only areas and bad values with clear errors', async () => {
    await helper.load(NODES, flow(server.port, { tags: [{ name: 'ir', area: 'input', address: '1' }] }));
    await sleep(50);
    assert.match(lastStatus(getNode('w1')).text ?? '', /input registers are read-only/);
    await helper.unload();
    await helper.load(NODES, flow(server.port));
    await sleep(100);
    const caught = nextMessage(getNode('caught'));
    getNode('w1').receive({ topic: 'setpoint', payload: 'fast' });
    assert.match((await caught).error.message, /"setpoint": expected a finite number/);
    const unknown = nextMessage(getNode('caught'));
    getNode('w1').receive({ topic: 'nope', payload: 1 });
    assert.match((await unknown).error.message, /unknown tag "nope"/);
  });

  it('reports a device exception on write to a Catch node', async () => {
    server.refuse = (area, start) => (area === 'holding' && start === 100 ? 3 : undefined);
    try {
      await helper.load(NODES, flow(server.port));
      await sleep(100);
      const caught = nextMessage(getNode('caught'));
      getNode('w1').receive({ topic: 'setpoint', payload: 1 });
      assert.match((await caught).error.message, /Modbus exception/);
    } finally {
      server.refuse = undefined;
    }
  });

  it('completes every malformed msg with an output or an error, and never writes garbage', async () => {
    server.memory.holding.fill(0, 100, 140);
    await helper.load(NODES, flow(server.port));
    await sleep(100);
    const w = getNode('w1');
    let outputs = 0;
    let errors = 0;
    getNode('out').on('input', () => outputs++);
    getNode('caught').on('input', () => errors++);
    const payloads: unknown[] = [null, undefined, NaN, Infinity, '', 'x'.repeat(10000), [], [1, 2], {}, { setpoint: null }, { nope: 1 }, { loadId: null, action: 'start' },
      { loadId: 'pump-1', action: 'explode', at: Date.now() }, { loadId: 'pump-1', action: 'start', at: 'tomorrow' }, { loadId: 'pump-1', action: 'stop', at: 32503680000000 },
      JSON.parse('{"__proto__": {"polluted": true}}'), { label: 'way too long for six' }, { speed: '1e999' }, Buffer.from([1, 2]), true];
    const topics = [undefined, '', 'setpoint', 'pump', 'label', '__proto__', 7];
    let sent = 0;
    for (const payload of payloads) for (const topic of topics) {
      w.receive({ payload, topic });
      sent++;
    }
    for (let i = 0; i < 100 && outputs + errors < sent; i++) await sleep(50);
    assert.equal(outputs + errors, sent, `${outputs} outputs + ${errors} errors for ${sent} msgs`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    // whatever got through respected the limits
    const sp = float32At(server.memory.holding, 100);
    assert.ok(Number.isFinite(sp) && sp >= 0 && sp <= 80, `setpoint ${sp}`);
  });
});
