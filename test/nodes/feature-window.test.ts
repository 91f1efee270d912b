import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import featureWindowNode = require('../../nodes/feature-window/feature-window');
import { collect, fileContextSettings, getNode, helper, lastStatus, nextMessage, sleep } from '../helpers/node-red';

function flow(extra: Record<string, unknown> = {}) {
  return [
    { id: 'fw', type: 'millwright-feature-window', name: '', size: 4, hop: 4, features: 'mean,max', store: '', wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

describe('feature window node', () => {
  const ctx = fileContextSettings();
  before(() => new Promise<void>((resolve) => helper.startServer(resolve)));
  after(async () => {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    ctx.cleanup();
  });
  afterEach(async () => {
    await helper.unload();
  });

  it('emits a feature vector per window, keyed by topic', async () => {
    await helper.load(featureWindowNode, flow());
    const fw = getNode('fw');
    const got = collect(getNode('out'));
    for (const v of [1, 2, 3, 4]) fw.receive({ topic: 'a', payload: v });
    for (const v of [10, 20, 30]) fw.receive({ topic: 'b', payload: v });
    await sleep(50);
    assert.equal(got.length, 1);
    assert.equal(got[0].topic, 'a');
    assert.deepEqual(got[0].payload.features, { mean: 2.5, max: 4 });
    assert.equal(got[0].payload.sampleCount, 4);
    assert.match(lastStatus(fw).text ?? '', /7 in, 2 out/);
  });

  it('accepts waveform blocks and Millwright samples', async () => {
    await helper.load(featureWindowNode, flow());
    const fw = getNode('fw');
    const out = getNode('out');
    const first = nextMessage(out);
    fw.receive({ payload: { tag: 'vib', value: [1, 1, 1, 5], timestamp: 1000, quality: 'good' } });
    const msg = await first;
    assert.equal(msg.payload.key, 'vib');
    assert.equal(msg.payload.windowStart, 1000);
    assert.deepEqual(msg.payload.features, { mean: 2, max: 5 });
  });

  it('sends bad input to a Catch node with a clear error and a red status', async () => {
    await helper.load(featureWindowNode, flow()); // the helper provides catch, status and complete itself
    const fw = getNode('fw');
    const caught = nextMessage(getNode('caught'));
    fw.receive({ payload: 'forty-two' });
    const msg = await caught;
    assert.match(msg.error.message, /payload must be a number/);
    assert.equal(lastStatus(fw).fill, 'red');
  });

  it('rejects NaN inside a block without mixing it into a feature', async () => {
    await helper.load(featureWindowNode, flow());
    const fw = getNode('fw');
    const got = collect(getNode('out'));
    const errors: unknown[] = [];
    fw.on('call:error', (call: unknown) => errors.push(call));
    fw.receive({ payload: [1, NaN, 3, 4] });
    await sleep(50);
    assert.equal(got.length, 0);
    assert.equal(errors.length, 1);
    assert.match(lastStatus(fw).text ?? '', /payload\[1\]/);
  });

  it('reports a bad configuration instead of crashing', async () => {
    await helper.load(featureWindowNode, flow({ size: 'ten' }));
    const fw = getNode('fw');
    assert.equal(lastStatus(fw).fill, 'red');
    assert.match(lastStatus(fw).text ?? '', /Window size/);
  });

  it('keeps a partial window across a redeploy when a persistent store is chosen', async () => {
    helper.settings(ctx.settings);
    try {
      await helper.load(featureWindowNode, flow({ store: 'file' }));
      let fw = getNode('fw');
      for (const v of [1, 2, 3]) fw.receive({ topic: 'a', payload: v });
      await sleep(50);
      await helper.unload();
      await helper.load(featureWindowNode, flow({ store: 'file' }));
      fw = getNode('fw');
      const out = nextMessage(getNode('out'));
      fw.receive({ topic: 'a', payload: 4 });
      assert.deepEqual((await out).payload.features, { mean: 2.5, max: 4 });
    } finally {
      await helper.unload();
      helper.settings({});
    }
  });
});
