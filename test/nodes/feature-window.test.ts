import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { validateFeatureVector } from '../../lib/contracts';
import featureWindowNode = require('../../nodes/feature-window/feature-window');
import { collect, fileContextSettings, getNode, helper, lastStatus, nextMessage, sleep, type NodeLike } from '../helpers/node-red';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

function flow(extra: Record<string, unknown> = {}) {
  return [
    { id: 'fw', type: 'millwright-feature-window', name: '', size: 4, hop: 4, features: 'mean,max', store: '', wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

/** Waits until the node's status text matches (status updates are throttled). */
async function statusMatching(node: NodeLike, pattern: RegExp, timeoutMs = 2000): Promise<{ fill?: string; text?: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = lastStatus(node);
    if (pattern.test(s.text ?? '')) return s;
    if (Date.now() > until) throw new Error(`status "${s.text}" never matched ${pattern}`);
    await sleep(20);
  }
}

const sample = (tag: string, value: unknown, timestamp: number, extra: Record<string, unknown> = {}) => ({ tag, value, timestamp, quality: 'good', ...extra });

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
    await statusMatching(fw, /7 in, 2 out \(3\.5:1\)/);
    assert.equal(got.length, 1);
    assert.equal(got[0].topic, 'a');
    assert.deepEqual(got[0].payload.features, { mean: 2.5, max: 4 });
    assert.equal(got[0].payload.sampleCount, 4);
    validateFeatureVector(got[0].payload);
  });

  it('accepts waveform blocks and Millwright samples', async () => {
    await helper.load(featureWindowNode, flow());
    const fw = getNode('fw');
    const out = getNode('out');
    const first = nextMessage(out);
    fw.receive({ payload: sample('vib', [1, 1, 1, 5], 1000) });
    const msg = await first;
    assert.equal(msg.payload.key, 'vib');
    assert.equal(msg.payload.windowStart, 1000);
    assert.deepEqual(msg.payload.features, { mean: 2, max: 5 });
    const second = nextMessage(out);
    fw.receive({ topic: 'typed', payload: Float64Array.from([2, 4, 6, 8]), sampleRate: 100 });
    assert.deepEqual((await second).payload.features, { mean: 5, max: 8 });
  });

  it('keys a protocol node poll (an array of samples) by tag, one window each', async () => {
    await helper.load(featureWindowNode, flow({ size: 2, hop: 2, features: 'mean' }));
    const fw = getNode('fw');
    const got = collect(getNode('out'));
    fw.receive({ topic: 'press1', payload: [sample('power', 10, 1000), sample('temp', 40, 1000)] });
    fw.receive({ topic: 'press1', payload: [sample('power', 20, 2000), sample('temp', 42, 2000)] });
    await statusMatching(fw, /4 in, 2 out/);
    assert.deepEqual(got.map((m) => [m.topic, m.payload.features.mean]), [['press1/power', 15], ['press1/temp', 41]]);
  });

  it('keys by tag when asked, ignoring the topic', async () => {
    await helper.load(featureWindowNode, flow({ size: 2, hop: 2, features: 'mean', keyBy: 'tag' }));
    const fw = getNode('fw');
    const got = collect(getNode('out'));
    fw.receive({ topic: 'x', payload: sample('spindle', 1, 1) });
    fw.receive({ topic: 'y', payload: sample('spindle', 3, 2) });
    await statusMatching(fw, /2 in, 1 out/);
    assert.deepEqual(got.map((m) => [m.topic, m.payload.features.mean]), [['spindle', 2]]);
  });

  it('aligns an object of several tags into one vector per time window, marking a missing tag', async () => {
    await helper.load(featureWindowNode, flow({ mode: 'time', unit: 's', size: 1, hop: 1, features: 'mean', align: true, tags: 'power,temp', missing: 'mark' }));
    const fw = getNode('fw');
    const got = collect(getNode('out'));
    fw.receive({ topic: 'press1', timestamp: 100, payload: { power: 10, temp: 40 } });
    fw.receive({ topic: 'press1', timestamp: 600, payload: { power: 20, temp: 44 } });
    fw.receive({ topic: 'press1', timestamp: 1200, payload: { power: 30 } });
    fw.receive({ topic: 'press1', timestamp: 2000, payload: { power: 0, temp: 0 } });
    await statusMatching(fw, /out/);
    await sleep(20);
    assert.deepEqual(
      got.map((m) => m.payload.features),
      [
        { 'power.mean': 15, 'power.missing': 0, 'temp.mean': 42, 'temp.missing': 0 },
        { 'power.mean': 30, 'power.missing': 0, 'temp.mean': 0, 'temp.missing': 1 },
      ],
    );
    assert.deepEqual(got.map((m) => [m.payload.windowStart, m.payload.windowEnd]), [[0, 1000], [1000, 2000]]);
    got.forEach((m) => validateFeatureVector(m.payload));
  });

  it('takes late samples within the lateness and reports later ones to Catch', async () => {
    await helper.load([featureWindowNode, catchNode], flow({ mode: 'time', unit: 'ms', size: 1000, hop: 1000, lateness: 300, features: 'mean' }));
    const fw = getNode('fw');
    const got = collect(getNode('out'));
    const caught = collect(getNode('caught'));
    fw.receive({ topic: 'k', timestamp: 900, payload: 9 });
    fw.receive({ topic: 'k', timestamp: 1100, payload: 11 });
    fw.receive({ topic: 'k', timestamp: 800, payload: 8 });
    fw.receive({ topic: 'k', timestamp: 1400, payload: 14 });
    fw.receive({ topic: 'k', timestamp: 950, payload: 1000 });
    await statusMatching(fw, /1 late/);
    assert.deepEqual(got.map((m) => m.payload.features.mean), [8.5]);
    assert.equal(caught.length, 1);
    assert.match(caught[0].error.message, /more than 300 ms after/);
    // A reading from a clock set years ahead is refused instead of moving the watermark.
    fw.receive({ topic: 'k', timestamp: Date.now() + 10 * 365 * 86400e3, payload: 1 });
    fw.receive({ topic: 'k', timestamp: 2300, payload: 23 });
    await statusMatching(fw, /2 bad/);
    assert.equal(caught.length, 2);
    assert.match(caught[1].error.message, /ahead of this machine's clock/);
    assert.deepEqual(got.map((m) => m.payload.features.mean), [8.5, 12.5]);
  });

  it('sends bad input to a Catch node with a clear error and a red status', async () => {
    await helper.load([featureWindowNode, catchNode], flow());
    const fw = getNode('fw');
    const caught = nextMessage(getNode('caught'));
    fw.receive({ payload: 'forty-two' });
    const msg = await caught;
    assert.match(msg.error.message, /payload must be a number/);
    assert.equal(lastStatus(fw).fill, 'red');
    const all = collect(getNode('caught'));
    fw.receive({ payload: Buffer.from([1, 2, 3]) });
    fw.receive({ payload: 5, timestamp: 'yesterday' });
    fw.receive({ payload: 1e308 });
    fw.receive({ payload: {} });
    await sleep(50);
    assert.deepEqual(
      all.map((m) => /Buffer|msg\.timestamp|outside|empty object/.test(m.error.message)),
      [true, true, true, true],
    );
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

  it('counts out-of-order timestamps, wrong sample rates and bad samples, and keeps them out', async () => {
    await helper.load([featureWindowNode, catchNode], flow({ size: 4, hop: 4, features: 'mean,max' }));
    const fw = getNode('fw');
    const got = collect(getNode('out'));
    const caught = collect(getNode('caught'));
    fw.receive({ topic: 'v', timestamp: 1000, sampleRate: 100, payload: [1, 2] });
    fw.receive({ topic: 'v', timestamp: 500, payload: 99 });
    fw.receive({ topic: 'v', timestamp: 2000, sampleRate: 50, payload: [99, 99] });
    // A poll without a topic: each sample's tag is its key, the same key as above.
    fw.receive({ payload: [sample('v', 3, 3000), sample('v', 'high', 3001), { tag: 'v' }] });
    fw.receive({ payload: [sample('v', 500, 3002, { quality: 'bad' }), sample('v', 4, 3003)] });
    await statusMatching(fw, /1 bad quality/);
    assert.equal(caught.length, 3);
    assert.match(caught[0].error.message, /before the previous one/);
    assert.match(caught[1].error.message, /50 Hz, but this window runs at 100 Hz/);
    assert.match(caught[2].error.message, /payload\[1\]\.value of tag "v" must be numeric.*payload\[2\]/);
    assert.deepEqual(got.map((m) => m.payload.features), [{ mean: 2.5, max: 4 }]);
    assert.match(lastStatus(fw).text ?? '', /\d+ bad/);
    assert.equal(lastStatus(fw).fill, 'yellow');
  });

  it('flushes open windows and resets on request', async () => {
    await helper.load(featureWindowNode, flow());
    const fw = getNode('fw');
    const got = collect(getNode('out'));
    fw.receive({ topic: 'a', payload: 1 });
    fw.receive({ topic: 'a', payload: 3 });
    fw.receive({ flush: true });
    fw.receive({ topic: 'a', payload: 100 });
    fw.receive({ reset: true });
    fw.receive({ flush: true });
    await sleep(50);
    assert.deepEqual(got.map((m) => [m.topic, m.payload.sampleCount, m.payload.features.mean]), [['a', 2, 2]]);
  });

  it('computes spectral features of vibration blocks with their sample rate', async () => {
    await helper.load(featureWindowNode, flow({ size: 1024, hop: 1024, features: 'rms,dominantFrequency,band' + 'Energy', bands: '0-100, 100-500' }));
    const fw = getNode('fw');
    const out = nextMessage(getNode('out'));
    const fs = 1000;
    fw.receive({ topic: 'vib', timestamp: 0, sampleRate: fs, payload: Array.from({ length: 1024 }, (_, i) => Math.sin(2 * Math.PI * 200 * (i / fs))) });
    const v = (await out).payload;
    assert.ok(Math.abs(v.features.dominantFrequency - 200) < 0.1);
    assert.ok(Math.abs(v.features.band_100_500 - 0.5) < 0.01);
    assert.ok(v.features.band_0_100 < 1e-3);
  });

  it('reports a bad configuration instead of crashing', async () => {
    await helper.load(featureWindowNode, flow({ size: 'ten' }));
    const fw = getNode('fw');
    assert.equal(lastStatus(fw).fill, 'red');
    assert.match(lastStatus(fw).text ?? '', /Window size/);
  });

  it('reports spectral features without their settings as a configuration error', async () => {
    await helper.load(featureWindowNode, flow({ features: 'mean,bpfoEnergy' }));
    assert.match(lastStatus(getNode('fw')).text ?? '', /bearing geometry/);
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

  it('keeps aligned time windows and samples waiting for the watermark across a redeploy', async () => {
    helper.settings(ctx.settings);
    const config = { store: 'file', mode: 'time', unit: 'ms', size: 1000, hop: 1000, lateness: 500, features: 'mean', align: true };
    try {
      await helper.load(featureWindowNode, flow(config));
      let fw = getNode('fw');
      fw.receive({ topic: 'm', timestamp: 100, payload: { power: 1, temp: 10 } });
      fw.receive({ topic: 'm', timestamp: 700, payload: { power: 3, temp: 30 } });
      await sleep(50);
      await helper.unload();
      await helper.load(featureWindowNode, flow(config));
      fw = getNode('fw');
      const out = nextMessage(getNode('out'));
      fw.receive({ topic: 'm', timestamp: 1600, payload: { power: 0, temp: 0 } });
      assert.deepEqual((await out).payload.features, { 'power.mean': 2, 'temp.mean': 20 });
    } finally {
      await helper.unload();
      helper.settings({});
    }
  });
});
