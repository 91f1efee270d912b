import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDegradation, predictDegradation, updateDegradation } from '../../lib/rul/degradation';
import { seededRandom as rng } from '../../lib/shared/seeded-random';
import { onsetIndex, ratioToBaseline, relativeIndicator } from '../../lib/rul/health-indicator';
import { poolPredictions } from '../../lib/rul/pool';
import { fitWeibull, predictWeibull } from '../../lib/rul/weibull';
import { fitWeibullPosterior, predictWeibullPosterior, weibullPredictiveResidualQuantile, weibullPredictiveSurvival } from '../../lib/rul/weibull-predictive';
import { tabulatedResidualQuantile } from '../../lib/rul/weibull-predictive-table';

function weibullDraw(random: () => number, shape: number, scale: number): number {
  return scale * Math.pow(-Math.log(1 - random()), 1 / shape);
}

describe('Bayesian Weibull predictive', () => {
  it('keeps its stated coverage with three lifetimes, where the point fit does not', () => {
    const random = rng(21);
    let bayes = 0;
    let point = 0;
    const trials = 300;
    for (let s = 0; s < trials; s++) {
      const lifetimes = [0, 1, 2].map(() => ({ time: weibullDraw(random, 2, 100), failed: true }));
      const next = weibullDraw(random, 2, 100);
      const b = predictWeibullPosterior(fitWeibullPosterior(lifetimes), 0, 0.9);
      const p = predictWeibull(fitWeibull(lifetimes), 0, 0.9);
      if (b.lower <= next && next <= b.upper) bayes++;
      if (p.lower <= next && next <= p.upper) point++;
    }
    // Binomial sd at 300 trials is 1.7 points: 0.82 is almost five sd below 0.9.
    assert.ok(bayes / trials > 0.82, `Bayesian coverage ${bayes / trials}`);
    assert.ok(point / trials < bayes / trials, `point-fit coverage ${point / trials} vs ${bayes / trials}`);
  });

  it('narrows as lifetimes accrue and approaches the true distribution', () => {
    const random = rng(8);
    const all = Array.from({ length: 200 }, () => ({ time: weibullDraw(random, 3, 500), failed: true }));
    const width = (n: number) => {
      const p = predictWeibullPosterior(fitWeibullPosterior(all.slice(0, n)), 0, 0.9);
      return p.upper - p.lower;
    };
    const w3 = width(3);
    const w20 = width(20);
    const w200 = width(200);
    assert.ok(w20 < w3 && w200 < w3, `widths ${w3}, ${w20}, ${w200}`);
    // True 5-95 % range of Weibull(3, 500): 500 (ln 20)^(1/3) - 500 (-ln 0.95)^(1/3).
    const trueWidth = 500 * Math.pow(Math.log(20), 1 / 3) - 500 * Math.pow(-Math.log(0.95), 1 / 3);
    assert.ok(Math.abs(w200 - trueWidth) / trueWidth < 0.15, `width ${w200} vs ${trueWidth}`);
  });

  it('conditions on survival: the residual life shrinks with usage and censored runs lengthen it', () => {
    const lifetimes = [90, 100, 110, 120].map((time) => ({ time, failed: true }));
    const post = fitWeibullPosterior(lifetimes);
    const young = predictWeibullPosterior(post, 10);
    const old = predictWeibullPosterior(post, 100);
    assert.ok(old.estimate < young.estimate && old.lower <= old.estimate && old.estimate <= old.upper);
    assert.ok(Math.abs(weibullPredictiveSurvival(post, 0) - 1) < 1e-12 && weibullPredictiveSurvival(post, 1e6) < 1e-3);
    const withCensored = fitWeibullPosterior([...lifetimes, ...[200, 220].map((time) => ({ time, failed: false }))]);
    assert.ok(predictWeibullPosterior(withCensored, 10).estimate > young.estimate);
  });

  it('gives the same residual-life quantiles from its per-posterior table as from the direct root search', () => {
    const random = rng(13);
    const failed = (times: number[]) => times.map((time) => ({ time, failed: true }));
    const fleets = [
      { lifetimes: failed([120, 150, 180]) },
      { lifetimes: failed([164, 828, 1073, 900, 400]) },
      // Two failures, two censored runs and the plain reference prior: a very heavy upper tail.
      { lifetimes: [...failed([30, 45]), { time: 60, failed: false }, { time: 80, failed: false }], options: { minShape: 0.05 } },
      // Many steep lifetimes: residual quantiles of old units are small differences of large times.
      { lifetimes: failed(Array.from({ length: 30 }, () => weibullDraw(random, 20, 1000))) },
    ];
    const qs = [0.001, ...Array.from({ length: 39 }, (_, i) => (i + 1) / 40), 0.999];
    // Tolerance: 1e-6 of the direct answer, or 2e-9 of the time scale where the direct search stops
    // (it returns 0 below 1e-9 of it and bisects to 1e-7 of its bracket).
    for (const { lifetimes, options } of fleets) {
      const post = fitWeibullPosterior(lifetimes, options);
      const longest = Math.max(...lifetimes.map((l) => l.time));
      const ages = [...Array.from({ length: 25 }, (_, i) => (i / 8) * longest), 10 * longest, 1000 * longest];
      for (const age of ages) {
        for (const q of qs) {
          const direct = weibullPredictiveResidualQuantile(post, age, q);
          const tabulated = tabulatedResidualQuantile(post, age, q);
          const tolerance = 1e-6 * direct + 2e-9 * Math.max(longest, age);
          assert.ok(Math.abs(tabulated - direct) <= tolerance, `age ${age}, q ${q}: table ${tabulated} vs direct ${direct}`);
        }
        const a = predictWeibullPosterior(post, age, 0.8, tabulatedResidualQuantile);
        const b = predictWeibullPosterior(post, age, 0.8);
        for (const key of ['estimate', 'lower', 'upper'] as const) assert.ok(Math.abs(a[key] - b[key]) <= 1e-6 * b[key] + 2e-9 * Math.max(longest, age), `${key} at age ${age}`);
        assert.ok(Math.abs(a.distribution.mean - b.distribution.mean) <= 1e-6 * b.distribution.mean + 2e-9 * Math.max(longest, age));
      }
    }
  });

  it('rejects bad input clearly', () => {
    assert.throws(() => fitWeibullPosterior([{ time: 5, failed: true }]), /at least 2/);
    assert.throws(() => fitWeibullPosterior([{ time: -1, failed: true }, { time: 2, failed: true }]), /positive/);
    assert.throws(() => fitWeibullPosterior([{ time: 1, failed: true }, { time: 2, failed: true }], { minShape: 0 }), /minShape/);
    const post = fitWeibullPosterior([{ time: 1, failed: true }, { time: 2, failed: true }]);
    assert.throws(() => predictWeibullPosterior(post, NaN), /usage/);
    assert.throws(() => predictWeibullPosterior(post, 1, 1), /confidence/);
  });
});

describe('peer-relative health indicator', () => {
  it('cancels what the peers share and keeps what the unit does alone', () => {
    // A rig change at sample 100 lifts every bearing by 30 %; the unit alone rises from sample 150.
    const shared = (i: number) => (i >= 100 ? 1.3 : 1);
    const own = Array.from({ length: 200 }, (_, i) => 2 * shared(i) * (i >= 150 ? 1 + 0.02 * (i - 150) : 1));
    const peers = [0.5, 1, 3].map((level) => Array.from({ length: 200 }, (_, i) => level * shared(i)));
    const rel = relativeIndicator(own, peers, { baseline: 20, smoothing: 1 });
    const plain = relativeIndicator(own, [], { baseline: 20, smoothing: 1 });
    assert.ok(Math.abs(rel[120] - 1) < 1e-12 && Math.abs(plain[120] - 1.3) < 1e-12);
    assert.ok(Math.abs(rel[199] - (1 + 0.02 * 49)) < 1e-12);
    assert.equal(onsetIndex(rel, 1.2), 160);
    assert.equal(onsetIndex(plain, 1.2), 100);
  });

  it('is causal: later samples never change earlier values', () => {
    const random = rng(4);
    const a = Array.from({ length: 80 }, () => 1 + 0.1 * random());
    const peer = Array.from({ length: 80 }, () => 1 + 0.1 * random());
    const full = relativeIndicator(a, [peer], { baseline: 30, smoothing: 0.2 });
    const part = relativeIndicator(a.slice(0, 10), [peer.slice(0, 10)], { baseline: 30, smoothing: 0.2 });
    assert.deepEqual(part, full.slice(0, 10));
    assert.deepEqual(ratioToBaseline([2, 4, 6], 2), [1, 4 / 3, 2]);
  });

  it('rejects bad input clearly', () => {
    assert.throws(() => relativeIndicator([1, 2], [[1]], { baseline: 1, smoothing: 0.5 }), /every peer/);
    assert.throws(() => relativeIndicator([1, 2], [], { baseline: 1, smoothing: 0 }), /smoothing/);
    assert.throws(() => ratioToBaseline([1, NaN], 1), /finite/);
    assert.throws(() => ratioToBaseline([0, 1], 1), /positive/);
    assert.throws(() => ratioToBaseline([1], 0), /baseline/);
  });
});

describe('RUL pool', () => {
  it('spans both models when they disagree and follows the heavier one', () => {
    const low = Array.from({ length: 100 }, (_, i) => 10 + i / 10);
    const high = Array.from({ length: 100 }, (_, i) => 100 + i / 10);
    const even = poolPredictions([{ weight: 1, draws: low }, { weight: 1, draws: high }], 0.9);
    assert.ok(even.lower < 20 && even.upper > 100, `[${even.lower}, ${even.upper}]`);
    const one = poolPredictions([{ weight: 1, draws: low }, { weight: 0, draws: high }], 0.9);
    assert.ok(one.upper < 20 && one.estimate >= 14 && one.estimate <= 16, `${one.estimate} [${one.lower}, ${one.upper}]`);
    const heavy = poolPredictions([{ weight: 1, draws: low }, { weight: 9, draws: high }], 0.9);
    assert.ok(heavy.estimate > 100);
    assert.throws(() => poolPredictions([]), /no model/);
    assert.throws(() => poolPredictions([{ weight: 1, draws: [NaN] }]), /finite/);
  });
});

describe('degradation model with uncertain failure level', () => {
  it('keeps the estimate and widens the interval by the fleet spread of failure levels', () => {
    const random = rng(9);
    const sure = createDegradation({ kind: 'exponential', threshold: 5 });
    const unsure = createDegradation({ kind: 'exponential', threshold: 5, failureLevels: [3, 5, 8] });
    for (let t = 0; t < 60; t++) {
      const hi = Math.exp(0.02 * t + 0.02 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random()));
      updateDegradation(sure, t, hi);
      updateDegradation(unsure, t, hi);
    }
    const a = predictDegradation(sure);
    const b = predictDegradation(unsure);
    assert.equal(a.estimate, b.estimate);
    assert.ok(b.upper - b.lower > 1.5 * (a.upper - a.lower), `widths ${a.upper - a.lower}, ${b.upper - b.lower}`);
    assert.throws(() => createDegradation({ kind: 'exponential', threshold: 5, failureLevels: [1, -1] }), /failure levels/);
  });
});
