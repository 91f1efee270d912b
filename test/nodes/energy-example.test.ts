// The shipped energy example drives the simulator's motors: the scheduler plans (in its worker),
// and commands through the demand guard reach the motors' run coils via the Modbus write node.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PlantSimulator } from '../../lib/simulator/simulator';
import guardNode = require('../../nodes/demand-guard/demand-guard');
import schedulerNode = require('../../nodes/energy-scheduler/energy-scheduler');
import forecastNode = require('../../nodes/load-forecast/load-forecast');
import connectionNode = require('../../nodes/modbus-connection/modbus-connection');
import pollNode = require('../../nodes/modbus-poll/modbus-poll');
import writeNode = require('../../nodes/modbus-write/modbus-write');
import { getNode, helper, sleep } from '../helpers/node-red';

const injectNode = require('@node-red/nodes/core/common/20-inject.js');
const debugNode = require('@node-red/nodes/core/common/21-debug.js');
const functionNode = require('@node-red/nodes/core/function/10-function.js');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

describe('example flow: energy-scheduler.json', () => {
  let sim: PlantSimulator;
  let port: number;
  before(async () => {
    sim = new PlantSimulator({ modbusPort: 0, opcuaPort: null });
    const status = await sim.start();
    port = status.modbus?.port as number;
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });
  after(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    await sim.stop();
  });

  it('plans the motors and switches their run coils through guard and Modbus write', async () => {
    const flow = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'energy-scheduler.json'), 'utf8')) as Array<Record<string, any>>;
    const helperIds = new Set(['mw_en_plandebug', 'mw_en_written', 'mw_en_errors']);
    const nodes = flow.map((n) =>
      helperIds.has(n.id) ? { id: n.id, z: n.z, type: 'helper' } : n.id === 'mw_en_conn' ? { ...n, port } : n.id === 'mw_en_plan' ? { ...n, onceDelay: 0.1 } : n,
    );
    await helper.load([injectNode, debugNode, functionNode, catchNode, connectionNode, pollNode, writeNode, forecastNode, schedulerNode, guardNode], nodes);
    const plans: Array<Record<string, any>> = [];
    const errors: Array<Record<string, any>> = [];
    getNode('mw_en_plandebug').on('input', (msg: Record<string, any>) => plans.push(msg));
    getNode('mw_en_errors').on('input', (msg: Record<string, any>) => errors.push(msg));
    const end = Date.now() + 30000;
    while (plans.length < 1 && Date.now() < end) await sleep(100);
    assert.equal(plans.length, 1, `no plan: ${JSON.stringify(errors.map((e) => e.error?.message))}`);
    const plan = plans[0].payload;
    assert.ok(['optimal', 'time-limit', 'greedy'].includes(plan.status), plan.status);
    assert.deepEqual([...new Set(plan.loads.map((l: { id: string }) => l.id))].sort(), ['motor1', 'motor2', 'motor3', 'motor4']);
    // The plan's first start is up to hours away; send the guard a start now to see the coil path work.
    assert.equal(sim.plant.motors.Motor3.run, false);
    getNode('mw_en_guard').receive({ payload: { loadId: 'motor3', action: 'start', at: Date.now(), reason: 'test' } });
    const until = Date.now() + 10000;
    while (!sim.plant.motors.Motor3.run && Date.now() < until) await sleep(100);
    assert.equal(sim.plant.motors.Motor3.run, true, `coil not set: ${JSON.stringify(errors.map((e) => e.error?.message))}`);
    getNode('mw_en_guard').receive({ payload: { loadId: 'motor3', action: 'stop', at: Date.now(), reason: 'test' } });
    const until2 = Date.now() + 10000;
    while (sim.plant.motors.Motor3.run && Date.now() < until2) await sleep(100);
    assert.equal(sim.plant.motors.Motor3.run, false);
  });
});
