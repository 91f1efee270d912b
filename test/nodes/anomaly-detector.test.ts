import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import anomalyNode = require('../../nodes/anomaly-detector/anomaly-detector');
import { validateAnomalyScore } from '../../lib/contracts';
import { AnomalyEngine } from '../../lib/anomaly/engine';
import { onnxRuntimeAvailable } from '../../lib/anomaly/onnx-autoencoder';
import { collect, fileContextSettings, getNode, helper, lastStatus, nextMessage, sleep, stopRuntimeKeepingContext, type NodeLike } from '../helpers/node-red';

function flow(extra: Record<string, unknown> = {}) {
  return [
    {
      id: 'ad',
      type: 'millwright-anomaly-detector',
      name: '',
      detector: 'windowed-gaussian',
      learnSamples: 60,
      learnSeconds: 0,
      falseAlarmRate: 1,
      hysteresis: 0.8,
      suppression: 5,
      regimes: 0,
      contextFeatures: '',
      adapt: false,
      onnxModel: '',
      store: '',
      wires: [['out']],
      ...extra,
    },
    { id: 'out', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

/** Deterministic noise in [-1, 1]. */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898 + 78.233) * 43758.5453;
  return 2 * (x - Math.floor(x)) - 1;
}

function vector(key: string, features: Record<string, number>, t: number) {
  return { key, features, windowStart: t, windowEnd: t + 1000, sampleCount: 10, sourceTags: Object.keys(features) };
}

async function feed(node: NodeLike, msgs: Array<Record<string, unknown>>): Promise<void> {
  for (const m of msgs) node.receive(m);
  await sleep(30 + msgs.length);
}

/** Seeded standard normal numbers. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
}

/** Pump features: a is noise, c follows a, b is a slow random walk (a temperature). */
function pump(seed: number): () => Record<string, number> {
  const n = gaussian(seed);
  let level = 5;
  return () => {
    level += 0.03 * n();
    const a = 10 + n();
    return { a, b: level + 0.05 * n(), c: 3 * a + 0.3 * n() };
  };
}

/** The editor's "SKAB" preset (anomaly-detector.html), field for field. */
const SKAB_PRESET = { detector: 'pca', learnSamples: 400, learnSeconds: 0, falseAlarmRate: 1, hysteresis: 0.8, suppression: 10, regimes: 0, contextFeatures: '', noiseFloor: 3, driftAllowance: true };

/** Status updates are throttled to one per 250 ms. */
const settle = () => sleep(300);

// ---- a tiny ONNX "autoencoder" encoded by hand: Y = X · W, W keeps feature a and drops feature b --

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
const field = (no: number, wire: number) => varint((no << 3) | wire);
const num = (no: number, v: number) => [...field(no, 0), ...varint(v)];
const bytes = (no: number, b: number[] | Uint8Array) => [...field(no, 2), ...varint(b.length), ...b];
const str = (no: number, s: string) => bytes(no, [...Buffer.from(s, 'utf8')]);

function tensorType(dims: Array<number | string>): number[] {
  const shape = dims.flatMap((d) => bytes(1, typeof d === 'number' ? num(1, d) : str(2, d)));
  return bytes(1, [...num(1, 1), ...bytes(2, shape)]);
}

function linearModel(weights: number[][]): Buffer {
  const d = weights.length;
  const raw = Buffer.alloc(4 * d * d);
  weights.flat().forEach((w, i) => raw.writeFloatLE(w, 4 * i));
  const initializer = [...num(1, d), ...num(1, d), ...num(2, 1), ...str(8, 'W'), ...bytes(9, raw)];
  const node = [...str(1, 'X'), ...str(1, 'W'), ...str(2, 'Y'), ...str(3, 'mm'), ...str(4, 'MatMul')];
  const graph = [
    ...bytes(1, node),
    ...str(2, 'linear-ae'),
    ...bytes(5, initializer),
    ...bytes(11, [...str(1, 'X'), ...bytes(2, tensorType(['N', d]))]),
    ...bytes(12, [...str(1, 'Y'), ...bytes(2, tensorType(['N', d]))]),
  ];
  const opset = [...str(1, ''), ...num(2, 13)];
  return Buffer.from([...num(1, 7), ...str(2, 'millwright-test'), ...bytes(7, graph), ...bytes(8, opset)]);
}

describe('anomaly detector node', () => {
  const ctx = fileContextSettings();
  const dir = mkdtempSync(join(tmpdir(), 'millwright-onnx-'));
  before(() => {
    // ONNX model files must live in the user directory: this test's temporary folder stands in for it.
    (helper.settings() as Record<string, unknown>).userDir = dir;
    return new Promise<void>((resolve) => helper.startServer(resolve));
  });
  after(async () => {
    delete (helper.settings() as Record<string, unknown>).userDir;
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    ctx.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
  });

  it('learns, shows progress, then flags a spike with an anomaly score contract', async () => {
    await helper.load(anomalyNode, flow());
    const ad = getNode('ad');
    const got = collect(getNode('out'));
    await feed(ad, Array.from({ length: 30 }, (_, i) => ({ topic: 'temp', payload: 50 + noise(i) })));
    assert.equal(got.length, 0, 'nothing is sent while learning');
    await settle();
    assert.match(lastStatus(ad).text ?? '', /learning 30\/60/);
    await feed(ad, Array.from({ length: 60 }, (_, i) => ({ topic: 'temp', payload: 50 + noise(i + 30) })));
    assert.ok(got.length > 0);
    assert.ok(got.every((m) => m.payload.anomaly === false), 'normal data is not flagged');
    await feed(ad, [{ topic: 'temp', payload: 80 }]);
    const last = got[got.length - 1];
    validateAnomalyScore(last.payload);
    assert.equal(last.payload.key, 'temp');
    assert.equal(last.payload.anomaly, true);
    assert.equal(last.payload.explanation[0].feature, 'value');
    await settle();
    assert.equal(lastStatus(ad).fill, 'red');
  });

  it('keeps the learnt model across a restart (file context store)', async () => {
    const f = flow({ store: 'file' });
    helper.settings(ctx.settings);
    try {
      await helper.load(anomalyNode, f);
      await feed(getNode('ad'), Array.from({ length: 70 }, (_, i) => ({ topic: 't', payload: 10 + noise(i) })));
      await stopRuntimeKeepingContext();
      await helper.load(anomalyNode, f);
      const ad = getNode('ad');
      const out = nextMessage(getNode('out'));
      await sleep(50);
      ad.receive({ topic: 't', payload: 30 });
      const msg = await out;
      assert.equal(msg.payload.anomaly, true, 'detects straight after the restart');
    } finally {
      helper.settings({});
    }
  });

  it('judges a feature vector by its regime: hot in ramp-up is normal, hot in steady cutting is not', async () => {
    await helper.load(anomalyNode, flow({ detector: 'pca', learnSamples: 200, regimes: 2, contextFeatures: 'speed', suppression: 0 }));
    const ad = getNode('ad');
    const got = collect(getNode('out'));
    const rampUp = (i: number) => ({ speed: 500 + 50 * noise(i), temp: 70 + noise(i + 7), current: 3 + 0.1 * noise(i + 3) });
    const steady = (i: number) => ({ speed: 3000 + 50 * noise(i), temp: 40 + noise(i + 7), current: 8 + 0.1 * noise(i + 3) });
    await feed(ad, Array.from({ length: 200 }, (_, i) => ({ payload: vector('spindle', (i % 40 < 10 ? rampUp : steady)(i), i * 1000) })));
    assert.equal(got.length, 0);
    await feed(ad, [{ payload: vector('spindle', rampUp(500), 500_000) }]);
    const ramp = got[got.length - 1].payload;
    assert.equal(ramp.anomaly, false, 'hot during ramp-up is normal');
    await feed(ad, Array.from({ length: 5 }, (_, k) => ({ payload: vector('spindle', { ...steady(600 + k), temp: 70 }, 600_000 + k) })));
    const hot = got[got.length - 1].payload;
    assert.equal(hot.anomaly, true, 'hot in steady cutting is an anomaly');
    assert.notEqual(hot.regime, ramp.regime);
    assert.match(hot.regime, /^regime-\d$/);
    assert.equal(hot.explanation[0].feature, 'temp');
  });

  it('obeys learn, freeze and reset commands', async () => {
    await helper.load(anomalyNode, flow());
    const ad = getNode('ad');
    const got = collect(getNode('out'));
    await feed(ad, Array.from({ length: 61 }, (_, i) => ({ topic: 'x', payload: noise(i) })));
    assert.equal(got.length, 1);
    await feed(ad, [{ command: 'freeze' }]);
    await settle();
    assert.match(lastStatus(ad).text ?? '', /frozen/);
    await feed(ad, [{ topic: 'learn', payload: true }]);
    await feed(ad, [{ topic: 'x', payload: noise(99) }]);
    assert.equal(got.length, 1, 'learning again: nothing sent');
    await feed(ad, [{ command: 'reset' }]);
    await feed(ad, Array.from({ length: 59 }, (_, i) => ({ topic: 'x', payload: noise(i) })));
    assert.equal(got.length, 1, 'reset forgets the partial learning too');
    await settle();
    assert.match(lastStatus(ad).text ?? '', /learning 59\/60/);
  });

  it('sends bad input and unknown commands to a Catch node and keeps running', async () => {
    await helper.load(anomalyNode, flow());
    const ad = getNode('ad');
    const caught = collect(getNode('caught'));
    await feed(ad, [{ payload: 'forty-two' }, { payload: Number.NaN }, { command: 'explode' }, { payload: vector('v', { a: 1 }, 0) }]);
    assert.equal(caught.length, 4);
    assert.match(caught[0].error.message, /payload must be a number/);
    assert.match(caught[2].error.message, /unknown command "explode"/);
    assert.match(caught[3].error.message, /single numbers/);
    assert.equal(lastStatus(ad).fill, 'red');
    const got = collect(getNode('out'));
    await feed(ad, Array.from({ length: 61 }, (_, i) => ({ payload: noise(i) })));
    assert.equal(got.length, 1, 'still working after the errors');
  });

  it('survives a burst of random and extreme input, then still learns and detects', async () => {
    await helper.load(anomalyNode, flow({ detector: 'pca', learnSamples: 30 }));
    const ad = getNode('ad');
    const caught = collect(getNode('caught'));
    const got = collect(getNode('out'));
    const odd = [1e308, -1e308, 5e-324, Number.NaN, Infinity, 'x', null, [], {}, { features: { a: 1e308 } }];
    for (let i = 0; i < 300; i++) {
      const v = odd[i % odd.length];
      ad.receive({ payload: i % 3 === 0 ? vector('k', { a: i % 7 === 0 ? 1e308 : noise(i), b: i % 11 === 0 ? -1e308 : noise(i + 1) }, i) : v, topic: i % 5 === 0 ? 'freeze' : 'x' });
    }
    await sleep(300);
    assert.ok(caught.length > 0);
    assert.ok(got.every((m) => m.payload.score >= 0 && m.payload.score <= 1));
    await feed(ad, [{ command: 'reset' }]);
    const before = got.length;
    await feed(ad, Array.from({ length: 40 }, (_, i) => ({ payload: vector('k', { a: noise(i), b: noise(i + 1) }, i) })));
    assert.equal(got.length - before, 10, 'learns 30 vectors, then scores the next 10');
  });

  it('reports a bad configuration instead of crashing', async () => {
    await helper.load(anomalyNode, flow({ falseAlarmRate: 80 }));
    assert.equal(lastStatus(getNode('ad')).fill, 'red');
    assert.match(lastStatus(getNode('ad')).text ?? '', /false-alarm rate/);
  });

  it('scores with an ONNX autoencoder the test builds itself', { skip: onnxRuntimeAvailable() ? false : 'onnxruntime-node (optional) is not installed' }, async () => {
    const model = join(dir, 'linear-ae.onnx');
    writeFileSync(model, linearModel([[1, 0], [0, 0]]));
    await helper.load(anomalyNode, flow({ detector: 'onnx', onnxModel: model, learnSamples: 40, suppression: 0 }));
    const ad = getNode('ad');
    const got = collect(getNode('out'));
    const caught = collect(getNode('caught'));
    for (let i = 0; i < 40; i++) ad.receive({ payload: vector('pump', { a: 5 + noise(i), b: 0.05 * noise(i + 1) }, i * 1000) });
    await sleep(800);
    assert.equal(got.length, 0);
    ad.receive({ payload: vector('pump', { a: 5, b: 0.01 }, 50_000) });
    ad.receive({ payload: vector('pump', { a: 5, b: 3 }, 51_000) });
    for (let k = 0; k < 50 && got.length < 2; k++) await sleep(20);
    assert.deepEqual(caught.map((m) => m.error.message), []);
    assert.equal(got.length, 2);
    assert.equal(got[0].payload.anomaly, false);
    assert.equal(got[1].payload.anomaly, true);
    assert.equal(got[1].payload.explanation[0].feature, 'b');
    assert.equal(got[1].payload.detector, 'onnx');
  });

  it('refuses a model file outside the Node-RED user directory', async () => {
    await helper.load(anomalyNode, flow({ detector: 'onnx', onnxModel: '../../etc/passwd' }));
    const caught = nextMessage(getNode('caught'));
    getNode('ad').receive({ payload: vector('pump', { a: 1, b: 0 }, 0) });
    assert.match((await caught).error.message, /outside the Node-RED user directory/);
  });

  it('SKAB preset: the drift allowance flags fewer samples of a slowly drifting sensor, and still flags a step and a broken correlation', async () => {
    const f = flow(SKAB_PRESET);
    f.push({ ...f[0], id: 'plain', driftAllowance: false, wires: [['plainOut']] }, { id: 'plainOut', type: 'helper' });
    await helper.load(anomalyNode, f);
    const ad = getNode('ad');
    const plain = getNode('plain');
    const got = collect(getNode('out'));
    const gotPlain = collect(getNode('plainOut'));
    const keys = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6'];
    const sources = keys.map((_, k) => pump(k + 1));
    const send = (rows: (k: number, i: number) => Record<string, number>, from: number, count: number) => {
      const msgs = [];
      for (let i = from; i < from + count; i++) for (let k = 0; k < keys.length; k++) msgs.push({ payload: vector(keys[k], rows(k, i), i * 1000) });
      for (const m of msgs) {
        ad.receive(m);
        plain.receive(m);
      }
      return sleep(50 + msgs.length / 4);
    };
    await send((k) => sources[k](), 0, 1000);
    const flagged = (msgs: typeof got) => msgs.filter((m) => m.payload.anomaly).length;
    assert.equal(got.length, keys.length * 600, 'every key detects after its 400 learning vectors');
    assert.ok(flagged(got) < flagged(gotPlain), `with drift allowance ${flagged(got)} flagged, without ${flagged(gotPlain)}`);
    const before = got.length;
    // A step in a (c follows it: the correlation holds, the level does not), then c breaking away from a.
    await send((k) => ({ ...sources[k](), a: 16, c: 48 }), 1000, 30);
    await send((k) => {
      const row = sources[k]();
      return { ...row, c: row.c + 4 };
    }, 1030, 30);
    const step = got.slice(before, before + keys.length * 30);
    const broken = got.slice(before + keys.length * 30);
    for (const [what, part] of [['step', step], ['broken correlation', broken]] as const) {
      const hits = part.filter((m) => m.payload.anomaly).length;
      assert.ok(hits >= part.length * 0.8, `${what}: ${hits} of ${part.length} flagged`);
    }
    assert.equal(broken.filter((m) => m.payload.anomaly)[0].payload.explanation[0].feature, 'c');
  });

  it('SKAB preset: a restart restores the drift allowance and carries on exactly as without the restart', async () => {
    const f = flow({ ...SKAB_PRESET, store: 'file' });
    const next = pump(42);
    const rows = Array.from({ length: 800 }, next);
    helper.settings(ctx.settings);
    try {
      await helper.load(anomalyNode, f);
      await feed(getNode('ad'), rows.slice(0, 700).map((r, i) => ({ payload: vector('pump', r, i * 1000) })));
      await stopRuntimeKeepingContext();
      await helper.load(anomalyNode, f);
      const ad = getNode('ad');
      const got = collect(getNode('out'));
      await sleep(50);
      await feed(ad, rows.slice(700).map((r, i) => ({ payload: vector('pump', r, (700 + i) * 1000) })));
      // The same vectors through the node's engine, without a restart.
      const engine = new AnomalyEngine({ detector: 'pca', learnSamples: 400, falseAlarmRate: 0.01, hysteresis: 0.8, suppression: 10, noiseFloor: 0.03, driftAllowance: true });
      const expected = rows.map((r, i) => engine.updateVector(r, i * 1000)).slice(700);
      assert.equal(got.length, 100);
      got.forEach((m, i) => {
        const e = expected[i];
        assert.ok(e.phase === 'detecting');
        assert.equal(m.payload.score, e.score, `vector ${700 + i}`);
        assert.equal(m.payload.anomaly, e.anomaly);
      });
      // Without the allowance the restored model would score differently: the test can tell.
      const noDrift = new AnomalyEngine({ detector: 'pca', learnSamples: 400, falseAlarmRate: 0.01, hysteresis: 0.8, suppression: 10, noiseFloor: 0.03, driftAllowance: false });
      const other = rows.map((r, i) => noDrift.updateVector(r, i * 1000)).slice(700);
      assert.ok(other.some((o, i) => o.phase === 'detecting' && o.score !== got[i].payload.score));
    } finally {
      helper.settings({});
    }
  });

  it('says clearly when the ONNX model file is missing', async () => {
    await helper.load(anomalyNode, flow({ detector: 'onnx', onnxModel: join(dir, 'nothing-here.onnx') }));
    const caught = nextMessage(getNode('caught'));
    getNode('ad').receive({ payload: vector('pump', { a: 1, b: 0 }, 0) });
    const msg = await caught;
    assert.match(msg.error.message, /not found|onnxruntime-node/);
  });
});
