import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import guardNode = require('../../nodes/demand-guard/demand-guard');
import { collect, getNode, helper, lastStatus, nextMessage, sleep } from '../helpers/node-red';

const T0 = Date.UTC(2026, 2, 2, 8, 0);
const S = 1000;

function flow(extra: Record<string, unknown> = {}) {
  return [
    {
      id: 'dg',
      type: 'millwright-demand-guard',
      name: '',
      targetKw: 100,
      intervalMinutes: 15,
      startGap: 10,
      minShed: 60,
      margin: 0,
      loads: JSON.stringify([{ id: 'low', powerKw: 30, priority: 1 }, { id: 'high', powerKw: 30, priority: 5 }]),
      clock: 'msg',
      store: '',
      wires: [['out']],
      ...extra,
    },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

describe('demand guard node', () => {
  before(() => new Promise<void>((resolve) => helper.startServer(resolve)));
  after(() => new Promise<void>((resolve) => helper.stopServer(resolve)));
  afterEach(async () => {
    await helper.unload();
  });

  it('sequences starts, sheds the low-priority load over target and releases it', async () => {
    await helper.load(guardNode, flow());
    const dg = getNode('dg');
    const got = collect(getNode('out'));
    dg.receive({ payload: 20, timestamp: T0 });
    dg.receive({ payload: { loadId: 'low', action: 'start', at: T0, reason: 'plan' }, timestamp: T0 });
    dg.receive({ payload: { loadId: 'high', action: 'start', at: T0, reason: 'plan' }, timestamp: T0 });
    await sleep(20);
    dg.receive({ topic: 'tick', payload: T0 + 10 * S });
    await sleep(20);
    assert.deepEqual(got.map((m) => `${m.payload.loadId}:${m.payload.action}@${(m.payload.at - T0) / S}`), ['low:start@0', 'high:start@10']);
    dg.receive({ payload: 130, timestamp: T0 + 60 * S });
    await sleep(20);
    assert.equal(got[2]?.payload.action, 'shed');
    assert.equal(got[2]?.payload.loadId, 'low');
    assert.equal(lastStatus(dg).fill, 'yellow');
    dg.receive({ payload: 40, timestamp: T0 + 200 * S });
    await sleep(20);
    assert.equal(got[3]?.payload.action, 'release');
    assert.equal(got[3]?.payload.loadId, 'low');
  });

  it('sends bad input to a Catch node and rejects a bad configuration', async () => {
    await helper.load([guardNode, require('@node-red/nodes/core/common/25-catch.js')], flow());
    const dg = getNode('dg');
    let caught = nextMessage(getNode('caught'));
    dg.receive({ payload: 'high' });
    assert.match((await caught).error.message, /payload must be a plant kW reading/);
    caught = nextMessage(getNode('caught'));
    dg.receive({ payload: { loadId: 'low', action: 'jump', at: T0 } });
    assert.match((await caught).error.message, /payload\.action/);
    await helper.unload();
    await helper.load(guardNode, flow({ targetKw: '' }));
    assert.match(lastStatus(getNode('dg')).text ?? '', /target peak/);
  });
});
