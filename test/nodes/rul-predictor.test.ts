import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { validateRulEstimate } from '../../lib/contracts';
import { encodeLinearOnnx } from '../../lib/rul/onnx-encode';
import rulNode = require('../../nodes/rul-predictor/rul-predictor');
import { collect, fileContextSettings, getNode, helper, lastStatus, nextMessage, sleep, type NodeLike } from '../helpers/node-red';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');

function flow(extra: Record<string, unknown> = {}) {
  return [
    { id: 'rul', type: 'millwright-rul-predictor', name: '', model: 'degradation', unit: 'hours', confidence: 0.9, store: '', wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

const H = 3.6e6;
const vector = (key: string, t: number, features: Record<string, number>) => ({ key, features, windowStart: t - 1000, windowEnd: t, sampleCount: 10, sourceTags: ['vib'] });

/** A bearing whose indicator grows ~ life fraction squared; life in steps, one step per hour. */
function wearing(asset: string, life: number, start = 0) {
  return Array.from({ length: life }, (_, i) => vector(asset, start + (i + 1) * H, { rms: 1 + 3 * (i / (life - 1)) ** 2, temp: 40 + 5 * (i / (life - 1)) }));
}

async function until(cond: () => boolean, timeoutMs = 20000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe('RUL predictor node', () => {
  const ctx = fileContextSettings();
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-rul-'));
  before(() => new Promise<void>((resolve) => helper.startServer(resolve)));
  after(async () => {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    ctx.cleanup();
    rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
  });

  it('predicts from scalar health-indicator msgs with an exponential degradation model and a warning time', async () => {
    await helper.load(rulNode, flow({ degradationKind: 'exponential', threshold: 20, warningHorizon: 10 }));
    const rul = getNode('rul');
    const got = collect(getNode('out'));
    // HI = exp(0.05 t) hits 20 at t = ln(20)/0.05 = 59.9 h; observed up to 30 h.
    for (let h = 0; h <= 30; h++) rul.receive({ topic: 'pump1', timestamp: h * H, payload: Math.exp(0.05 * h) });
    await until(() => got.length === 31);
    const last = validateRulEstimate(got[30].payload);
    const truth = Math.log(20) / 0.05 - 30;
    assert.equal(last.asset, 'pump1');
    assert.equal(last.unit, 'hours');
    assert.equal(last.model, 'degradation-exponential');
    assert.ok(Math.abs(last.estimate - truth) < 0.01, `estimate ${last.estimate} vs ${truth}`);
    assert.ok(last.healthIndex > 0 && last.healthIndex < 1);
    assert.ok(last.warningAt !== null && Math.abs(last.warningAt - (30 * H + (truth - 10) * H)) < 0.02 * H);
    assert.match(lastStatus(rul).text ?? '', /pump1: RUL/);
  });

  it('records histories until end-of-life, trains the similarity model and predicts', async () => {
    await helper.load(rulNode, flow({ model: 'similarity', unit: 'cycles', record: true, features: 'rms' }));
    const rul = getNode('rul');
    const got = collect(getNode('out'));
    let start = 0;
    for (const [i, life] of [60, 80, 100, 120].entries()) {
      for (const v of wearing(`b${i}`, life, start)) rul.receive({ payload: v });
      rul.receive({ command: 'end-of-life', topic: `b${i}` });
      start += 1000 * H;
    }
    const model = nextMessage(getNode('out'), 5000);
    rul.receive({ command: 'train' });
    assert.equal((await model).payload.model, 'similarity');
    const test = wearing('live', 90, start).slice(0, 60);
    for (const v of test) rul.receive({ payload: v, record: false });
    await until(() => got.filter((m) => m.topic === 'live').length === 60);
    const e = validateRulEstimate(got.filter((m) => m.topic === 'live')[59].payload);
    assert.ok(Math.abs(e.estimate - 30) <= 8, `estimate ${e.estimate}`);
    assert.ok(e.lower <= e.estimate && e.estimate <= e.upper);
    const ranked = nextMessage(getNode('out'));
    rul.receive({ command: 'rank' });
    const r = await ranked;
    assert.equal(r.topic, 'rul-health-indicators');
    const rms = r.payload.find((s: { feature: string }) => s.feature === 'rms');
    assert.equal(rms.monotonicity, 1);
    assert.ok(rms.overall > 0.99);
  });

  it('trains the learner in a worker thread from imported CSV histories, with progress in status', async () => {
    await helper.load(rulNode, flow({ model: 'learner', unit: 'cycles' }));
    const rul = getNode('rul');
    const statuses: string[] = [];
    rul.on('call:status', (call: { args: Array<{ text?: string }> }) => statuses.push(call.args[0]?.text ?? ''));
    const lines = ['asset,time,rms,temp'];
    for (const [i, life] of [50, 60, 70, 80, 90, 100].entries()) {
      for (let t = 0; t < life; t++) lines.push(`u${i},${t},${(1 + 3 * (t / (life - 1)) ** 2).toFixed(4)},${(40 + 5 * (t / (life - 1))).toFixed(3)}`);
    }
    rul.receive({ command: 'import', payload: lines.join('\n') });
    const trained = nextMessage(getNode('out'), 60000);
    rul.receive({ command: 'train' });
    const t = await trained;
    assert.equal(t.payload.model, 'learner');
    assert.deepEqual(t.payload.features, ['rms', 'temp']);
    assert.ok(statuses.some((s) => /^training \d+ %/.test(s)), `statuses: ${statuses.slice(0, 5).join(' | ')}`);
    const got = collect(getNode('out'));
    for (const v of wearing('live', 75).slice(0, 50)) rul.receive({ payload: v });
    await until(() => got.length === 50);
    const e = validateRulEstimate(got[49].payload);
    assert.equal(e.model, 'learner');
    assert.ok(Math.abs(e.estimate - 25) < 15, `estimate ${e.estimate}`);
  });

  it('cancels a running training on redeploy without reporting an error', async () => {
    await helper.load([rulNode, catchNode], flow({ model: 'learner', unit: 'cycles' }));
    const rul = getNode('rul');
    const caught = collect(getNode('caught'));
    const lines = ['asset,time,rms'];
    for (let i = 0; i < 20; i++) for (let t = 0; t < 200; t++) lines.push(`u${i},${t},${(t / 199 + 0.01 * i).toFixed(4)}`);
    rul.receive({ command: 'import', payload: lines.join('\n') });
    rul.receive({ command: 'train' });
    await until(() => /^training/.test(lastStatus(rul).text ?? ''), 10000);
    await helper.unload();
    await sleep(200);
    assert.deepEqual(caught.map((m) => m.error.message), []);
  });

  it('fits a Weibull lifetime and keeps histories and model across a restart', async () => {
    helper.settings(ctx.settings);
    const config = flow({ model: 'weibull', unit: 'cycles', store: 'file' });
    await helper.load(rulNode, config);
    let rul = getNode('rul');
    const lines = ['asset,time,rms'];
    [80, 95, 100, 110, 120, 130].forEach((life, i) => {
      for (let t = 0; t < life; t++) lines.push(`w${i},${t},1`);
    });
    rul.receive({ command: 'import', payload: lines.join('\n') });
    const trained = nextMessage(getNode('out'), 5000);
    rul.receive({ command: 'train' });
    await trained;
    await sleep(50);
    await helper.unload();
    await helper.load(rulNode, config);
    rul = getNode('rul');
    const status = nextMessage(getNode('out'));
    rul.receive({ command: 'status' });
    const s = (await status).payload;
    assert.equal(s.histories, 6);
    assert.equal(s.trained, 'weibull');
    const out = nextMessage(getNode('out'));
    rul.receive({ topic: 'fresh', payload: 1 });
    const e = validateRulEstimate((await out).payload);
    assert.equal(e.model, 'weibull');
    assert.ok(e.estimate > 60 && e.estimate < 140, `median life ${e.estimate}`);
  });

  it('runs an ONNX model with its model card in a worker', async () => {
    const file = join(userDir, 'linear.onnx');
    writeFileSync(file, encodeLinearOnnx({ inputName: 'x', inputDims: ['batch', 2, 2], outputName: 'rul', weights: [1, 2, 3, 4], bias: 10 }));
    helper.settings({ userDir });
    const card = { inputName: 'x', features: ['rms', 'temp'], sequenceLength: 2, normalisation: { mean: [0, 40], std: [1, 2] }, outputUnit: 'hours' };
    await helper.load([rulNode, catchNode], flow({ model: 'onnx', onnxFile: 'linear.onnx', onnxCard: JSON.stringify(card) }));
    const caught = collect(getNode('caught'));
    const rul = getNode('rul');
    const got = collect(getNode('out'));
    rul.receive({ payload: vector('m1', H, { rms: 1, temp: 42 }) });
    rul.receive({ payload: vector('m1', 2 * H, { rms: 2, temp: 44 }) });
    await until(() => got.length + caught.length >= 1, 30000);
    assert.deepEqual(caught.map((m) => m.error.message), []);
    // normalised: [1, 1], [2, 2] -> 1*1 + 2*1 + 3*2 + 4*2 + 10 = 27
    const e = validateRulEstimate(got[0].payload);
    assert.ok(Math.abs(e.estimate - 27) < 1e-4, `estimate ${e.estimate}`);
    assert.equal(e.model, 'onnx');
    assert.equal(e.unit, 'hours');
  });

  it('reports a model card that does not match the ONNX model, and paths outside the user directory', async () => {
    writeFileSync(join(userDir, 'three.onnx'), encodeLinearOnnx({ inputName: 'x', inputDims: ['batch', 3], outputName: 'rul', weights: [1, 1, 1], bias: 0 }));
    helper.settings({ userDir });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ onnxFile: 'three.onnx', onnxCard: JSON.stringify({ inputName: 'x', features: ['a', 'b'], sequenceLength: 1, outputUnit: 'cycles' }) }, /shape \[batch, 3\] but the card implies \[batch, 2\]/],
      [{ onnxFile: 'three.onnx', onnxCard: JSON.stringify({ inputName: 'input', features: ['a', 'b', 'c'], sequenceLength: 1, outputUnit: 'cycles' }) }, /no input "input" \(model inputs: x\)/],
      [{ onnxFile: '../outside.onnx', onnxCard: JSON.stringify({ inputName: 'x', features: ['a', 'b', 'c'], sequenceLength: 1, outputUnit: 'cycles' }) }, /outside the Node-RED user directory/],
    ];
    for (const [extra, pattern] of cases) {
      await helper.load([rulNode, catchNode], flow({ model: 'onnx', ...extra }));
      const caught = nextMessage(getNode('caught'), 10000);
      getNode('rul').receive({ payload: vector('m', 1000, { a: 1, b: 2, c: 3 }) });
      assert.match((await caught).error.message, pattern);
      assert.equal(lastStatus(getNode('rul')).fill, 'red');
      await helper.unload();
    }
  });

  it('turns bad input and bad config into caught errors', async () => {
    await helper.load([rulNode, catchNode], flow({ threshold: 10 }));
    const rul = getNode('rul');
    const caught = collect(getNode('caught'));
    rul.receive({ payload: 'vibration high' });
    rul.receive({ command: 'explode' });
    rul.receive({ payload: { key: 'k', features: { hi: 'x' }, windowStart: 0, windowEnd: 1, sampleCount: 1, sourceTags: [] } });
    rul.receive({ topic: 'a', timestamp: 5000, payload: 1 });
    rul.receive({ topic: 'a', timestamp: 1000, payload: 2 });
    rul.receive({ command: 'import', payload: 'asset,time,rms\nu1,0,notanumber' });
    await until(() => caught.length === 5, 5000);
    const text = caught.map((m) => m.error.message).join('\n');
    assert.match(text, /expected a feature vector, a number/);
    assert.match(text, /msg.command must be one of/);
    assert.match(text, /payload.features.hi: expected a finite number/);
    assert.match(text, /time went backwards/);
    assert.match(text, /rms = "notanumber" is not a number/);
    await helper.unload();

    await helper.load([rulNode, catchNode], flow({ model: 'crystal-ball' }));
    const c2 = nextMessage(getNode('caught'));
    getNode('rul').receive({ payload: 1 });
    assert.match((await c2).error.message, /not configured: model must be one of/);
    await helper.unload();

    await helper.load([rulNode, catchNode], flow({ model: 'learner' }));
    const c3 = nextMessage(getNode('caught'));
    getNode('rul').receive({ payload: 1 });
    assert.match((await c3).error.message, /learner model is not trained yet/);
  });
});

export type { NodeLike };
