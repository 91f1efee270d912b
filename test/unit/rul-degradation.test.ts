import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDegradation, fitDegradationPrior, MIN_FAILURE_LEVELS, predictDegradation, updateDegradation } from '../../lib/rul/degradation';
import { seededRandom as rng } from '../../lib/shared/seeded-random';

function gauss(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

describe('exponential degradation model', () => {
  it('gives the exact threshold crossing time on a noiseless exponential path', () => {
    // HI = 0.5 + exp(-3 + 0.02 t) crosses 10 at t = (ln 9.5 + 3) / 0.02.
    const crossAt = (Math.log(9.5) + 3) / 0.02;
    const m = createDegradation({ kind: 'exponential', threshold: 10, offset: 0.5 });
    for (let t = 0; t <= 100; t += 2) updateDegradation(m, t, 0.5 + Math.exp(-3 + 0.02 * t));
    const p = predictDegradation(m, 0.9);
    assert.ok(Math.abs(p.estimate - (crossAt - 100)) < 1e-4, `estimate ${p.estimate} vs ${crossAt - 100}`);
    assert.ok(p.lower <= p.estimate && p.estimate <= p.upper);
    assert.ok(p.healthIndex > 0 && p.healthIndex < 1);
  });

  it('narrows the interval as noisy data accrue', () => {
    const random = rng(3);
    const m = createDegradation({ kind: 'exponential', threshold: 5, offset: 0 });
    const widths: number[] = [];
    for (let t = 0; t < 200; t++) {
      updateDegradation(m, t, Math.exp(-2 + 0.015 * t + 0.05 * gauss(random)));
      if (t === 19 || t === 59 || t === 199) {
        const p = predictDegradation(m, 0.9);
        widths.push(p.upper - p.lower);
      }
    }
    assert.ok(widths[1] < widths[0] && widths[2] < widths[1], `widths ${widths.join(', ')}`);
  });

  it('reports zero RUL and health 0 past the threshold', () => {
    const m = createDegradation({ kind: 'exponential', threshold: 2, offset: 0 });
    for (let t = 0; t < 20; t++) updateDegradation(m, t, Math.exp(0.1 * t));
    const p = predictDegradation(m);
    assert.equal(p.estimate, 0);
    assert.equal(p.healthIndex, 0);
  });
});

describe('linear degradation model', () => {
  it('recovers the crossing of a noiseless line and covers the truth on a noisy one', () => {
    const m = createDegradation({ kind: 'linear', threshold: 50 });
    for (let t = 0; t <= 40; t++) updateDegradation(m, t, 10 + 0.5 * t);
    assert.ok(Math.abs(predictDegradation(m).estimate - 40) < 1e-6);

    const random = rng(5);
    const noisy = createDegradation({ kind: 'linear', threshold: 50 });
    for (let t = 0; t <= 40; t++) updateDegradation(noisy, t, 10 + 0.5 * t + gauss(random));
    const p = predictDegradation(noisy, 0.95);
    assert.ok(p.lower <= 40 && 40 <= p.upper, `[${p.lower}, ${p.upper}]`);
    assert.ok(p.distribution.quantiles.length === 5 && p.distribution.std > 0);
  });

  it('handles a falling indicator (capacity toward a lower threshold)', () => {
    const m = createDegradation({ kind: 'linear', threshold: 0.8 });
    for (let t = 0; t <= 10; t++) updateDegradation(m, t, 1 - 0.01 * t);
    assert.ok(Math.abs(predictDegradation(m).estimate - 10) < 1e-6);
  });

  it('uses a fleet prior: with one observation the estimate follows the fleet slope', () => {
    const fleet = [0.9, 1, 1.1].map((b) => ({ t: [0, 10, 20, 30], hi: [0, 10 * b, 20 * b, 30 * b].map((v, i) => v + (i % 2 ? 0.1 : -0.1)) }));
    const prior = fitDegradationPrior('linear', fleet);
    assert.ok(Math.abs(prior.mean[1] - 1) < 0.05, `slope ${prior.mean[1]}`);
    const m = createDegradation({ kind: 'linear', threshold: 100, prior });
    updateDegradation(m, 0, 0);
    const p = predictDegradation(m);
    assert.ok(Math.abs(p.estimate - 100) < 10, `estimate ${p.estimate}`);
  });

  it('follows a bending path when told to forget old observations', () => {
    // Slope 1 until t = 50, then 3: at t = 80 the level is 140 and the rest to 200 takes 20.
    const path = (t: number) => (t <= 50 ? t : 50 + 3 * (t - 50));
    const forgetting = createDegradation({ kind: 'linear', threshold: 200, halfLife: 3 });
    const remembering = createDegradation({ kind: 'linear', threshold: 200 });
    for (let t = 0; t <= 80; t++) {
      updateDegradation(forgetting, t, path(t));
      updateDegradation(remembering, t, path(t));
    }
    const f = predictDegradation(forgetting).estimate;
    const r = predictDegradation(remembering).estimate;
    assert.ok(Math.abs(f - 20) < 1, `forgetting estimate ${f}`);
    assert.ok(r > 25, `remembering estimate ${r}`);
    assert.throws(() => createDegradation({ kind: 'linear', threshold: 1, halfLife: 0 }), /halfLife must be > 0/);
  });

  it('uses the spread of failure levels only from MIN_FAILURE_LEVELS on (two give a Cauchy threshold)', () => {
    const predictWith = (failureLevels?: number[]) => {
      const m = createDegradation({ kind: 'linear', threshold: 10, failureLevels, samples: 2000 });
      for (let t = 0; t <= 50; t++) updateDegradation(m, t, 0.1 * t + 0.05 * Math.sin(1.7 * t));
      return predictDegradation(m, 0.9);
    };
    const known = predictWith(undefined);
    // Two levels 9.5 and 10.5: a 1-degree-of-freedom t drew thresholds at or below today's HI (RUL 0).
    const two = predictWith([9.5, 10.5]);
    assert.equal(MIN_FAILURE_LEVELS, 3);
    assert.deepEqual(two, known);
    const three = predictWith([9.5, 10, 10.5]);
    assert.ok(three.lower > 0.5 * known.lower && three.upper < 2 * known.upper, `three levels [${three.lower}, ${three.upper}]`);
    assert.ok(three.upper - three.lower > known.upper - known.lower, `three levels [${three.lower}, ${three.upper}] vs known [${known.lower}, ${known.upper}]`);
  });

  it('rejects bad input clearly', () => {
    const m = createDegradation({ kind: 'linear', threshold: 1 });
    assert.throws(() => predictDegradation(m), /no health indicator/);
    assert.throws(() => updateDegradation(m, 0, NaN), /finite/);
    updateDegradation(m, 5, 0);
    assert.throws(() => updateDegradation(m, 4, 0), /backwards/);
    assert.throws(() => createDegradation({ kind: 'cubic' as never, threshold: 1 }), /unknown kind/);
  });
});
