import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_GBDT, fitGbdt, predictGbdt } from '../../lib/rul/gbdt';
import { seededRandom as rng } from '../../lib/shared/seeded-random';
import { DEFAULT_LEARNER, predictLearner, trainLearner, type LearnerConfig, type RunHistory } from '../../lib/rul/learner';
import { windowFeatureNames, windowFeatureRows, DEFAULT_WINDOW_FEATURES } from '../../lib/rul/window-features';

const SET_POINTS = [
  [0, 100],
  [25, 60],
];

/** Assets whose wear signal rises toward failure, read under two operating regimes that shift it. */
function fleet(count: number, seed: number): RunHistory[] {
  const random = rng(seed);
  return Array.from({ length: count }, (_, u) => {
    const life = 120 + Math.floor(random() * 120);
    const settings: number[][] = [];
    const signals: number[][] = [];
    for (let t = 0; t < life; t++) {
      const r = random() < 0.5 ? 0 : 1;
      const wear = Math.exp(4 * (t / life - 1));
      settings.push(SET_POINTS[r]);
      signals.push([50 * r + 10 * wear + 0.3 * (random() - 0.5), 3 + 20 * r + 0.5 * (random() - 0.5)]);
    }
    return { asset: `u${u}`, settings, signals, failed: true };
  });
}

describe('gradient-boosted trees', () => {
  it('fits a nonlinear synthetic target', () => {
    const random = rng(1);
    const X = Array.from({ length: 2000 }, () => Float64Array.from([random() * 4 - 2, random() * 4 - 2, random()]));
    const f = (x: Float64Array) => Math.sin(2 * x[0]) + (x[1] > 0 ? 1 : -1);
    const y = X.map(f);
    const model = fitGbdt(X, y, { ...DEFAULT_GBDT, rounds: 150, learningRate: 0.1, rowSample: 0.8, featureSample: 1 });
    let se = 0;
    let sv = 0;
    for (let i = 0; i < 500; i++) {
      const x = Float64Array.from([random() * 4 - 2, random() * 4 - 2, random()]);
      se += (predictGbdt(model, x) - f(x)) ** 2;
      sv += f(x) ** 2;
    }
    assert.ok(se / sv < 0.05, `relative error ${se / sv}`);
    assert.throws(() => predictGbdt(model, [1]), /expected 3 features/);
  });
});

describe('window features', () => {
  it('computes exact means and slopes over trailing windows', () => {
    const series = Array.from({ length: 40 }, (_, t) => [2 * t + 1]);
    const rows = windowFeatureRows(series);
    const names = windowFeatureNames(['x']);
    assert.equal(rows[0].length, names.length);
    const last = rows[39];
    assert.equal(last[names.indexOf('steps')], 40);
    assert.equal(last[names.indexOf('x:last')], 79);
    assert.equal(last[names.indexOf('x:mean10')], (79 + 61) / 2);
    assert.ok(Math.abs(last[names.indexOf('x:slope20')] - 2) < 1e-9);
    assert.equal(DEFAULT_WINDOW_FEATURES.windows.length, 4);
  });
});

describe('RUL learner', () => {
  it('learns RUL of held-out assets far better than a constant guess, across regimes', () => {
    const config: LearnerConfig = { ...DEFAULT_LEARNER, folds: 3, gbdt: { ...DEFAULT_GBDT, rounds: 80, learningRate: 0.1 } };
    const progress: number[] = [];
    const model = trainLearner(fleet(30, 7), { signals: ['wear', 'temp'], settings: ['alt', 'tra'] }, config, (p) => progress.push(p.fraction));
    assert.equal(model.normaliser.regimes.centroids.length, 2);
    assert.equal(progress[progress.length - 1], 1);
    const test = fleet(20, 99);
    const random = rng(5);
    let se = 0;
    let seConst = 0;
    let covered = 0;
    for (const h of test) {
      const cut = 20 + Math.floor(random() * (h.signals.length - 20));
      const truth = Math.min(config.cap, h.signals.length - 1 - cut);
      const p = predictLearner(model, { settings: h.settings.slice(0, cut + 1), signals: h.signals.slice(0, cut + 1) }, 0.9);
      assert.ok(p.lower <= p.estimate && p.estimate <= p.upper);
      se += (p.estimate - truth) ** 2;
      seConst += (config.cap / 2 - truth) ** 2;
      if (p.lower <= truth && truth <= p.upper) covered++;
    }
    assert.ok(se < 0.25 * seConst, `learner SSE ${se} vs constant ${seConst}`);
    assert.ok(covered >= 14, `90 % interval covered ${covered}/20`);
    const copy = JSON.parse(JSON.stringify(model));
    const h = test[0];
    assert.equal(predictLearner(copy, h).estimate, predictLearner(model, h).estimate);
  });

  it('rejects unusable histories clearly', () => {
    assert.throws(() => trainLearner([], { signals: ['a'], settings: [] }), /at least 2 run-to-failure/);
    const bad: RunHistory[] = [
      { asset: 'a', settings: [[]], signals: [[1, 2]], failed: true },
      { asset: 'b', settings: [[]], signals: [[1]], failed: true },
    ];
    assert.throws(() => trainLearner(bad, { signals: ['a'], settings: [] }), /history a: step 0 has 2 signals/);
  });
});
