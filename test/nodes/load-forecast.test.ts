import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import forecastNode = require('../../nodes/load-forecast/load-forecast');
import { fileContextSettings, getNode, helper, lastStatus, nextMessage, stopRuntimeKeepingContext } from '../helpers/node-red';

const Q = 15 * 60_000;
const START = Date.UTC(2026, 0, 5);

function flow(extra: Record<string, unknown> = {}) {
  return [
    { id: 'lf', type: 'millwright-load-forecast', name: '', intervalMinutes: '', horizon: 96, model: 'profile', holidays: '', timezone: 'utc', autoEmit: false, store: '', wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

const history = (days: number) =>
  Array.from({ length: days * 96 }, (_, s) => {
    const h = (s % 96) / 4;
    const wd = new Date(START + s * Q).getUTCDay();
    return [START + s * Q, wd > 0 && wd < 6 && h >= 8 && h < 17 ? 50 : 10] as [number, number];
  });

describe('load forecast node', () => {
  const ctx = fileContextSettings();
  before(() => new Promise<void>((resolve) => helper.startServer(resolve)));
  after(async () => {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    ctx.cleanup();
  });
  afterEach(async () => {
    await helper.unload();
  });

  it('learns from history and sends a forecast on request', async () => {
    await helper.load(forecastNode, flow());
    const lf = getNode('lf');
    lf.receive({ payload: history(14) });
    const out = nextMessage(getNode('out'));
    lf.receive({ topic: 'forecast', horizon: 192 });
    const msg = await out;
    assert.equal(msg.payload.values.length, 192);
    assert.equal(msg.payload.intervalMinutes, 15);
    // Day 14 is a Monday: 10:00 high, 03:00 low.
    assert.equal(msg.payload.values[40], 50);
    assert.equal(msg.payload.values[12], 10);
    assert.match(lastStatus(lf).text ?? '', /forecast 192 x 15 min/);
  });

  it('keeps its learned history across a restart', async () => {
    helper.settings(ctx.settings);
    try {
      await helper.load(forecastNode, flow({ store: 'file' }));
      getNode('lf').receive({ payload: history(14) });
      await new Promise((r) => setTimeout(r, 50));
      await stopRuntimeKeepingContext();
      await helper.load(forecastNode, flow({ store: 'file' }));
      const lf = getNode('lf');
      const out = nextMessage(getNode('out'));
      lf.receive({ topic: 'forecast' });
      const msg = await out;
      assert.equal(msg.payload.start, history(14)[14 * 96 - 1][0] + Q);
      assert.equal(msg.payload.values[40], 50);
    } finally {
      await helper.unload();
      helper.settings({});
    }
  });

  it('sends bad input to a Catch node', async () => {
    await helper.load([forecastNode, require('@node-red/nodes/core/common/25-catch.js')], flow());
    const lf = getNode('lf');
    let caught = nextMessage(getNode('caught'));
    lf.receive({ payload: 'lots' });
    assert.match((await caught).error.message, /payload must be a kW reading/);
    caught = nextMessage(getNode('caught'));
    lf.receive({ topic: 'forecast' });
    assert.match((await caught).error.message, /no readings yet/);
    assert.equal(lastStatus(lf).fill, 'red');
  });

  it('reports a bad configuration', async () => {
    await helper.load(forecastNode, flow({ holidays: '25/12/2026' }));
    assert.match(lastStatus(getNode('lf')).text ?? '', /Holidays/);
  });
});
