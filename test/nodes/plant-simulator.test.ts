import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import ModbusRTU from 'modbus-serial';
import { readFileSync } from 'node:fs';
import featureWindowNode = require('../../nodes/feature-window/feature-window');
import plantSimulatorNode = require('../../nodes/plant-simulator/plant-simulator');
import { validateSample } from '../../lib/contracts';
import { collect, getNode, helper, lastStatus, nextMessage, sleep, type NodeLike } from '../helpers/node-red';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

function flow(extra: Record<string, unknown> = {}) {
  return [
    { id: 'sim', type: 'millwright-plant-simulator', name: '', host: '127.0.0.1', opcua: false, opcuaPort: 0, modbus: true, modbusPort: 0, speed: 1, seed: '4', lifeHours: 720, interval: 0, waveform: true, wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

/** Waits until the node's status matches, or fails after a few seconds. */
async function statusMatching(node: NodeLike, pattern: RegExp, timeoutMs = 15_000): Promise<{ fill?: string; text?: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = lastStatus(node);
    if (pattern.test(s.text ?? '')) return s;
    if (Date.now() > until) assert.fail(`status never matched ${pattern}: last "${s.text}"`);
    await sleep(25);
  }
}

function modbusPortOf(node: NodeLike): Promise<number> {
  return statusMatching(node, /mb \d+/).then((s) => Number(/mb (\d+)/.exec(s.text ?? '')?.[1]));
}

async function canBind(port: number): Promise<boolean> {
  const server: Server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

describe('plant simulator node', () => {
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-sim-node-'));
  before(() => {
    helper.settings({ userDir });
    return new Promise<void>((resolve) => helper.startServer(resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
  });

  it('serves Modbus while deployed, shows ports and time, and frees the port on close', async () => {
    await helper.load(plantSimulatorNode, flow());
    const sim = getNode('sim');
    const port = await modbusPortOf(sim);
    assert.equal(lastStatus(sim).fill, 'green');
    assert.match(lastStatus(sim).text ?? '', /x1/);
    const client = new ModbusRTU();
    await client.connectTCP('127.0.0.1', { port });
    client.setID(1);
    const regs = await client.readInputRegisters(18, 2);
    const buf = Buffer.alloc(4);
    buf.writeUInt16BE(regs.data[0], 0);
    buf.writeUInt16BE(regs.data[1], 2);
    assert.equal(buf.readFloatBE(0), 8192);
    await new Promise<void>((resolve) => client.close(() => resolve()));
    await helper.unload();
    assert.equal(await canBind(port), true, 'port released on close');
  });

  it('sends a snapshot of samples on request and injects faults from msgs', async () => {
    await helper.load(plantSimulatorNode, flow());
    const sim = getNode('sim');
    await modbusPortOf(sim);
    const next = nextMessage(getNode('out'));
    sim.receive({ payload: 'snapshot' });
    const msg = await next;
    assert.equal(msg.topic, 'plant');
    assert.ok(Array.isArray(msg.payload) && msg.payload.length > 30);
    for (const s of msg.payload) validateSample(s);
    assert.ok(msg.payload.some((s: { tag: string }) => s.tag === 'Spindle/Vibration'));

    sim.receive({ payload: { fault: 'bearing', machine: 'Spindle' } });
    await statusMatching(sim, /1 fault/);
    assert.equal(lastStatus(sim).fill, 'yellow');
    sim.receive({ payload: { speed: 120 } });
    await statusMatching(sim, /x120/);
    sim.receive({ payload: { advance: 7200 } });
    const advanced = await statusMatching(sim, /\| \d+\.\d h x120/);
    assert.ok(Number(/\| (\d+\.\d) h/.exec(advanced.text ?? '')?.[1]) >= 2, advanced.text);
    sim.receive({ payload: { fault: 'clear', machine: 'Spindle' } });
    await statusMatching(sim, /^(?!.*fault)/);
    assert.equal(lastStatus(sim).fill, 'green');
  });

  it('sends periodic snapshots when an interval is set', async () => {
    await helper.load(plantSimulatorNode, flow({ interval: 0.05, waveform: false }));
    const got = collect(getNode('out'));
    await modbusPortOf(getNode('sim'));
    for (let i = 0; i < 100 && got.length < 2; i++) await sleep(20);
    assert.ok(got.length >= 2);
    assert.equal(got[0].payload.some((s: { tag: string }) => s.tag === 'Spindle/Vibration'), false);
  });

  it('sends bad msgs to a Catch node', async () => {
    await helper.load([plantSimulatorNode, catchNode], flow());
    const sim = getNode('sim');
    await modbusPortOf(sim);
    const caught = nextMessage(getNode('caught'), 5000);
    sim.receive({ payload: { fault: 'clogging', machine: 'Spindle' } });
    assert.match((await caught).error.message, /does not apply to Spindle/);
    const again = nextMessage(getNode('caught'), 5000);
    sim.receive({ payload: 42 });
    assert.match((await again).error.message, /payload must be \{fault, machine\}/);
  });

  it('goes red with a clear error when the port is in use', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      await helper.load([plantSimulatorNode, catchNode], flow({ modbusPort: port }));
      const sim = getNode('sim');
      const s = await statusMatching(sim, /in use/);
      assert.equal(s.fill, 'red');
      const caught = nextMessage(getNode('caught'), 5000);
      sim.receive({ payload: 'snapshot' });
      assert.match((await caught).error.message, new RegExp(`Modbus port ${port} .* already in use`));
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });

  it('reports bad configuration instead of crashing', async () => {
    await helper.load(plantSimulatorNode, flow({ modbusPort: 'abc' }));
    const sim = getNode('sim');
    assert.equal(lastStatus(sim).fill, 'red');
    assert.match(lastStatus(sim).text ?? '', /Modbus port/);
  });

  it('runs the example flow: snapshot, split, switch, feature window', async () => {
    const example = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'plant-simulator.json'), 'utf8')) as Array<Record<string, any>>;
    const nodes = example
      .filter((n) => n.type !== 'tab')
      .map((n) => {
        if (n.type === 'millwright-plant-simulator') return { ...n, opcua: false, modbusPort: 0, interval: 0 };
        if (n.type === 'debug') return { id: n.id, z: n.z, type: 'helper' };
        return n;
      });
    const core = ['function/10-switch.js', 'sequence/17-split.js', 'common/20-inject.js'].map((f) => require(`@node-red/nodes/core/${f}`));
    await helper.load([plantSimulatorNode, featureWindowNode, ...core], [{ id: 'mw_sim_tab', type: 'tab' }, ...nodes]);
    const sim = getNode('mw_sim_node');
    await modbusPortOf(sim);
    const features = nextMessage(getNode('mw_sim_features'), 5000);
    const rul = nextMessage(getNode('mw_sim_rul'), 5000);
    getNode('mw_sim_snapshot').receive({ payload: 'snapshot' });
    assert.ok((await features).payload.features.rms > 0);
    assert.ok((await rul).payload.value > 0);
  });

  it('serves OPC UA too when enabled', async () => {
    await helper.load(plantSimulatorNode, flow({ opcua: true }));
    const sim = getNode('sim');
    const s = await statusMatching(sim, /opc \d+, mb \d+/, 30_000);
    assert.equal(s.fill, 'green');
    const port = Number(/opc (\d+)/.exec(s.text ?? '')?.[1]);
    await helper.unload();
    assert.equal(await canBind(port), true, 'OPC UA port released on close');
  });
});
