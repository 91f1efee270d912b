import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CalibratedDetector } from '../../lib/anomaly/calibrated';
import { DriftAwareDetector, driftRates } from '../../lib/anomaly/drift-allowance';
import { AnomalyEngine } from '../../lib/anomaly/engine';
import { KMeansDistance, PcaT2Q } from '../../lib/anomaly/multivariate';
import { RegimeDetector } from '../../lib/anomaly/regime-models';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}
const r = rng(7);
const n = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

/** Three correlated sensors: b follows a, c is independent. */
const normalRow = () => {
  const a = 10 + n();
  return [a, 2 * a + 0.1 * n(), 5 + n()];
};

describe('PCA T² + Q', () => {
  const rows = Array.from({ length: 400 }, normalRow);
  const pca = PcaT2Q.fit(rows);

  it('scores a break of the correlation far above normal rows and blames the broken pair', () => {
    const normal = Math.max(...Array.from({ length: 50 }, () => pca.statistic(normalRow()).value));
    const broken = pca.statistic([10, 26, 5]);
    assert.ok(broken.value > 5 * normal, `${broken.value} vs ${normal}`);
    const top = broken.contributions.indexOf(Math.max(...broken.contributions));
    assert.ok(top === 0 || top === 1, `top contributor ${top}`);
    assert.ok(Math.abs(broken.contributions.reduce((s, c) => s + c, 0) - 1) < 1e-9);
  });

  it('round-trips through JSON', () => {
    const copy = PcaT2Q.fromJSON(JSON.parse(JSON.stringify(pca.toJSON())));
    assert.equal(copy.statistic([11, 20, 4]).value, pca.statistic([11, 20, 4]).value);
  });

  it('refuses learning rows of different widths or with NaN', () => {
    assert.throws(() => PcaT2Q.fit([[1, 2], [1], [3, 4]]), /row 1 has 1 features/);
    assert.throws(() => PcaT2Q.fit([[1, 2], [1, NaN], [3, 4]]), /non-finite/);
  });
});

describe('k-means distance', () => {
  it('is small near a learnt cluster and large between clusters', () => {
    const rows = Array.from({ length: 300 }, (_, i) => (i % 2 ? [n(), n()] : [20 + n(), 20 + n()]));
    const km = KMeansDistance.fit(rows, 2);
    assert.equal(km.centroids.length, 2);
    // Standardised on the whole learning set (sd about 10): the clusters are about 0.1 wide.
    assert.ok(km.statistic([20, 20]).value < 0.1);
    assert.ok(km.statistic([10, 10]).value > 1);
  });
});

describe('calibrated detector', () => {
  it('flags about the target share of fresh normal rows and every gross fault', () => {
    const d = CalibratedDetector.fit(Array.from({ length: 1000 }, normalRow), { falseAlarmRate: 0.02, smoothing: 1, margin: 1, hysteresis: 1 });
    const flagged = Array.from({ length: 2000 }, () => d.score(normalRow()).anomaly).filter(Boolean).length;
    assert.ok(flagged < 2000 * 0.06, `${flagged} of 2000 flagged`);
    assert.equal(d.score([10, 30, 5]).anomaly, true);
  });

  it('holds the flag until the statistic falls below the hysteresis level', () => {
    const d = CalibratedDetector.fit(Array.from({ length: 500 }, normalRow), { smoothing: 1, hysteresis: 0.01 });
    assert.equal(d.score([10, 30, 5]).anomaly, true);
    assert.equal(d.score(normalRow()).anomaly, true, 'still raised: hysteresis level not reached');
    const copy = CalibratedDetector.fromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    const row = normalRow();
    assert.deepEqual(copy.score(row), d.score(row));
  });
});

describe('regimes', () => {
  // Ramp-up: slow and hot. Steady cutting: fast and cool.
  const rampUp = () => [500 + 30 * n(), 70 + n()];
  const steady = () => [3000 + 30 * n(), 40 + n()];
  const learn = Array.from({ length: 600 }, (_, i) => (i % 3 === 0 ? rampUp() : steady()));

  it('judges each sample against its own regime and reports the regime', () => {
    const d = RegimeDetector.fit(learn.map((x) => [x[1]]), learn.map((x) => [x[0]]), 2, { smoothing: 1 });
    assert.equal(d.regimeCount, 2);
    const hotRamp = d.score([70], [500]);
    const hotSteady = d.score([70], [3000]);
    assert.equal(hotRamp.anomaly, false);
    assert.equal(hotSteady.anomaly, true);
    assert.notEqual(hotRamp.regime, hotSteady.regime);
    const copy = RegimeDetector.fromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    assert.equal(copy.score([40], [3000]).regime, hotSteady.regime);
  });

  it('restores a model saved before the shared regime discovery (standardiser + centroids)', () => {
    const d = RegimeDetector.fit(learn.map((x) => [x[1]]), learn.map((x) => [x[0]]), 2, { smoothing: 1 });
    const saved = JSON.parse(JSON.stringify(d.toJSON()));
    const old = { context: { mean: saved.regimes.settingMean, scale: saved.regimes.settingScale }, centroids: saved.regimes.centroids, detectors: saved.detectors };
    const copy = RegimeDetector.fromJSON(old);
    for (const speed of [480, 520, 2980, 3020]) assert.equal(copy.score([55], [speed]).regime, d.score([55], [speed]).regime);
    assert.equal(copy.score([70], [3000]).anomaly, true);
  });

  it('without regimes the same hot steady sample passes as normal (the reason for regimes)', () => {
    const d = RegimeDetector.fit(learn.map((x) => [x[1]]), undefined, 0, { smoothing: 1 });
    assert.equal(d.score([70]).anomaly, false);
    assert.equal(d.score([70]).regime, undefined);
  });
});

describe('anomaly engine', () => {
  it('ends learning by duration, then flags, suppresses a re-alarm and survives a snapshot', () => {
    const e = new AnomalyEngine({ detector: 'windowed-gaussian', learnSamples: 10_000, learnMs: 60_000, suppression: 50 });
    let t = 0;
    let out = e.update(1, t);
    for (let i = 0; i < 100; i++) out = e.update(1 + 0.1 * n(), (t += 1000));
    assert.equal(out.phase, 'detecting');
    const spike = e.update(5, (t += 1000));
    assert.ok(spike.phase === 'detecting' && spike.anomaly && spike.raised);
    for (let i = 0; i < 5; i++) e.update(1 + 0.1 * n(), (t += 1000));
    const again = e.update(5, (t += 1000));
    assert.ok(again.phase === 'detecting' && !again.raised && !again.anomaly, 'suppressed right after the clear');
    const copy = new AnomalyEngine(e.options);
    assert.ok(copy.restore(JSON.parse(JSON.stringify(e.snapshot()))));
    assert.deepEqual(copy.update(1, t + 1000), e.update(1, t + 1000));
  });

  it('refuses a snapshot of another detector and input of the wrong kind', () => {
    const e = new AnomalyEngine({ detector: 'pca', learnSamples: 20 });
    assert.equal(e.restore(new AnomalyEngine({ detector: 'kmeans' }).snapshot()), false);
    assert.throws(() => e.update(1, 0), /feature vectors/);
    assert.throws(() => new AnomalyEngine({ detector: 'surprise' }).updateVector({ a: 1 }, 0), /single numbers/);
    assert.throws(() => new AnomalyEngine({ falseAlarmRate: 0.9 }), /false-alarm rate/);
  });

  it('adapts to a slow drift when asked to, and not when frozen', () => {
    const run = (adapt: boolean, freeze: boolean) => {
      const e = new AnomalyEngine({ detector: 'pca', learnSamples: 100, adapt, suppression: 0 });
      if (freeze) e.freeze(true);
      let flagged = 0;
      for (let i = 0; i < 2000; i++) {
        const drift = i * 0.004;
        const a = 10 + drift + n();
        const o = e.updateVector({ a, b: 2 * a + 0.1 * n() }, i);
        if (o.phase === 'detecting' && o.anomaly) flagged++;
      }
      return flagged;
    };
    const adaptive = run(true, false);
    assert.ok(adaptive < run(false, false), 'adaptation follows the drift');
    assert.ok(adaptive < run(true, true), 'freeze stops the adaptation');
  });
});

describe('drift-aware PCA', () => {
  /** a: white noise; b: a slow random walk plus noise (a temperature); c: follows a. */
  const walker = (start: number) => {
    let level = start;
    return () => {
      level += 0.05 * n();
      const a = 10 + n();
      return [a, level + 0.1 * n(), 3 * a + 0.2 * n()];
    };
  };

  it('estimates a drift rate for the wandering sensor and about none for white noise', () => {
    const next = walker(50);
    const rates = driftRates(Array.from({ length: 400 }, next));
    assert.ok(rates[1] > 0.0005, `walk rate ${rates[1]}`);
    assert.ok(rates[0] < rates[1] / 5, `white-noise rate ${rates[0]} vs walk ${rates[1]}`);
  });

  it('raises fewer alarms than plain PCA while the slow sensor keeps wandering', () => {
    let driftFlags = 0;
    let plainFlags = 0;
    for (let k = 0; k < 5; k++) {
      const next = walker(50);
      const learn = Array.from({ length: 400 }, next);
      const drift = DriftAwareDetector.fit(learn);
      const plain = CalibratedDetector.fit(learn, { margin: 1 });
      for (let i = 0; i < 400; i++) {
        const row = next();
        if (drift.score(row).anomaly) driftFlags++;
        if (plain.score(row).anomaly) plainFlags++;
      }
    }
    assert.ok(driftFlags < plainFlags, `drift-aware ${driftFlags} vs plain ${plainFlags} flags`);
  });

  it('still flags a broken correlation between the steady sensors', () => {
    const next = walker(50);
    const d = DriftAwareDetector.fit(Array.from({ length: 400 }, next));
    let flagged = 0;
    for (let i = 0; i < 100; i++) {
      const row = next();
      row[2] += 5;
      if (d.score(row).anomaly) flagged++;
    }
    assert.ok(flagged > 80, `flagged ${flagged} of 100`);
  });

  it('continues identically after a JSON round trip and refuses bad rows', () => {
    const next = walker(20);
    const d = DriftAwareDetector.fit(Array.from({ length: 200 }, next), { noiseFloor: 0.03 });
    for (let i = 0; i < 50; i++) d.score(next());
    const copy = DriftAwareDetector.fromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    for (let i = 0; i < 20; i++) {
      const row = next();
      assert.deepEqual(copy.score(row), d.score(row));
    }
    assert.throws(() => d.score([1, 2]), /3 finite numbers/);
    assert.throws(() => d.score([1, Number.NaN, 3]), /finite/);
    assert.throws(() => DriftAwareDetector.fit([[1, 2]]), /at least/);
  });
});

describe('calibrated detector with the drift allowance (the node engine path)', () => {
  const walker = (start: number) => {
    let level = start;
    return () => {
      level += 0.05 * n();
      const a = 10 + n();
      return [a, level + 0.1 * n(), 3 * a + 0.2 * n()];
    };
  };

  it('gives the drift-aware detector verdicts with the same settings', () => {
    const next = walker(50);
    const learn = Array.from({ length: 300 }, next);
    const lib = DriftAwareDetector.fit(learn, { noiseFloor: 0.03 });
    const cal = CalibratedDetector.fit(learn, { noiseFloor: 0.03, margin: 1, hysteresis: 0.7, driftAllowance: true });
    for (let i = 0; i < 300; i++) {
      const row = next();
      assert.deepEqual(cal.score(row), lib.score(row));
    }
  });

  it('continues identically after a JSON round trip, and a model saved without it restores without it', () => {
    const next = walker(20);
    const learn = Array.from({ length: 200 }, next);
    const d = CalibratedDetector.fit(learn, { driftAllowance: true });
    for (let i = 0; i < 80; i++) d.score(next());
    const copy = CalibratedDetector.fromJSON(JSON.parse(JSON.stringify(d.toJSON())));
    assert.equal(copy.options.driftAllowance, true);
    for (let i = 0; i < 20; i++) {
      const row = next();
      assert.deepEqual(copy.score(row), d.score(row));
    }
    // A save from before the option existed: no drift fields, options without driftAllowance.
    const plain = CalibratedDetector.fit(learn);
    const old = plain.toJSON();
    delete (old.options as Record<string, unknown>).driftAllowance;
    const restored = CalibratedDetector.fromJSON(JSON.parse(JSON.stringify(old)));
    assert.equal(restored.options.driftAllowance, false);
    for (let i = 0; i < 20; i++) {
      const row = next();
      assert.deepEqual(restored.score(row), plain.score(row));
    }
    assert.throws(() => CalibratedDetector.fromJSON({ ...d.toJSON(), drift: { mean: [1], scale: 'x' } }), /drift allowance/);
  });

  it('engine option: checked, and ignored for the ONNX reconstruction errors', () => {
    assert.throws(() => new AnomalyEngine({ detector: 'pca', driftAllowance: 'yes' as unknown as boolean }), /drift allowance/);
    const e = new AnomalyEngine({ detector: 'onnx', learnSamples: 20, driftAllowance: true });
    for (let i = 0; i < 20; i++) e.updateVector({ a: Math.abs(n()) * 0.01, b: Math.abs(n()) * 0.01 }, i);
    assert.equal(e.phase, 'detecting');
    const o = e.updateVector({ a: 5, b: 0.001 }, 21);
    assert.equal(o.phase === 'detecting' && o.score > 0.5, true);
  });
});
