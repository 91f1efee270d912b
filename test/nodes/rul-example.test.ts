// The shipped example flow runs: the simulator's wearing spindle -> feature window -> RUL predictor.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { validateRulEstimate } from '../../lib/contracts';
import featureWindowNode = require('../../nodes/feature-window/feature-window');
import simulatorNode = require('../../nodes/plant-simulator/plant-simulator');
import rulNode = require('../../nodes/rul-predictor/rul-predictor');
import { getNode, helper, sleep } from '../helpers/node-red';

const splitNode = require('@node-red/nodes/core/sequence/17-split.js');
const switchNode = require('@node-red/nodes/core/function/10-switch.js');
const changeNode = require('@node-red/nodes/core/function/15-change.js');
const injectNode = require('@node-red/nodes/core/common/20-inject.js');
const debugNode = require('@node-red/nodes/core/common/21-debug.js');

describe('example flow: rul-predictor.json', () => {
  before(() => new Promise<void>((resolve) => helper.startServer(resolve)));
  after(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
  });

  it('turns the simulated spindle vibration into RUL estimates', async () => {
    const flow = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'rul-predictor.json'), 'utf8')) as Array<Record<string, any>>;
    // The debug node is swapped for a helper so the test can read what reaches it.
    // Snapshots every 50 ms instead of 200 so the test needs only a few seconds.
    const nodes = flow.map((n) => (n.id === 'mw_rul_out' ? { id: n.id, z: n.z, type: 'helper' } : n.id === 'mw_rul_sim' ? { ...n, interval: 0.05 } : n));
    await helper.load([injectNode, debugNode, splitNode, switchNode, changeNode, simulatorNode, featureWindowNode, rulNode], nodes);
    const got: Array<Record<string, any>> = [];
    getNode('mw_rul_out').on('input', (msg: Record<string, any>) => got.push(msg));
    const end = Date.now() + 40000;
    while (got.length < 3 && Date.now() < end) await sleep(100);
    assert.ok(got.length >= 3, `only ${got.length} estimates`);
    const e = validateRulEstimate(got[got.length - 1].payload);
    assert.equal(e.asset, 'spindle');
    assert.equal(e.model, 'degradation-exponential');
  });
});
