import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom as rng } from '../../lib/shared/seeded-random';
import { monotonicity, prognosability, rankHealthIndicators, trendability } from '../../lib/rul/hi-metrics';
import { buildSimilarityModel, predictSimilarity } from '../../lib/rul/similarity';
import { fitWeibull, predictWeibull } from '../../lib/rul/weibull';

describe('Weibull survival model', () => {
  it('recovers shape and scale from many failure times, with censoring', () => {
    const random = rng(11);
    const shape = 2.5;
    const scale = 1000;
    const lifetimes = Array.from({ length: 3000 }, () => {
      const life = scale * Math.pow(-Math.log(1 - random()), 1 / shape);
      const stop = 1500 * random() + 400; // some runs are stopped before failure
      return life <= stop ? { time: life, failed: true } : { time: stop, failed: false };
    });
    const m = fitWeibull(lifetimes);
    assert.ok(m.censored > 100);
    assert.ok(Math.abs(m.shape - shape) / shape < 0.06, `shape ${m.shape}`);
    assert.ok(Math.abs(m.scale - scale) / scale < 0.04, `scale ${m.scale}`);
  });

  it('gives the closed-form median residual life and shrinks it with usage', () => {
    const m = { kind: 'rul-weibull' as const, shape: 2, scale: 100, failures: 5, censored: 0 };
    const fresh = predictWeibull(m, 0, 0.9);
    assert.ok(Math.abs(fresh.estimate - 100 * Math.sqrt(Math.log(2))) < 1e-9);
    const used = predictWeibull(m, 80, 0.9);
    assert.ok(used.estimate < fresh.estimate && used.lower <= used.estimate && used.estimate <= used.upper);
    assert.throws(() => fitWeibull([{ time: 1, failed: true }]), /at least 2/);
  });
});

describe('similarity model', () => {
  it('finds the RUL of a query that follows a library shape', () => {
    // Histories: HI = (t / life)^2 over lives 80..160; the query is a 120-step life seen up to step 70.
    const lives = [80, 100, 115, 120, 125, 140, 160];
    const lib = lives.map((life, i) => ({ id: `h${i}`, rows: Array.from({ length: life }, (_, t) => [(t / (life - 1)) ** 2]) }));
    const model = buildSimilarityModel(lib, { neighbours: 3, window: 30 });
    const query = Array.from({ length: 70 }, (_, t) => [(t / 119) ** 2]);
    const p = predictSimilarity(model, query, 0.9);
    assert.ok(Math.abs(p.estimate - 49) <= 3, `estimate ${p.estimate}`);
    assert.ok(p.lower <= 49 && 49 <= p.upper);
    assert.equal(p.neighbours[0].id, 'h3');
  });

  it('rejects mismatched rows', () => {
    const model = buildSimilarityModel([{ id: 'a', rows: [[1, 2], [2, 3]] }]);
    assert.throws(() => predictSimilarity(model, [[1]]), /2 finite values/);
    assert.throws(() => buildSimilarityModel([]), /no run-to-failure/);
  });
});

describe('health-indicator metrics', () => {
  it('scores a clean rising trend above noise', () => {
    const random = rng(2);
    const good = [60, 80, 100].map((n) => Array.from({ length: n }, (_, t) => t / (n - 1)));
    const noise = [60, 80, 100].map((n) => Array.from({ length: n }, () => random()));
    assert.equal(monotonicity(good), 1);
    assert.ok(trendability(good) > 0.99);
    assert.ok(Math.abs(prognosability(good) - 1) < 1e-12);
    assert.ok(monotonicity(noise) < 0.3);
    const ranked = rankHealthIndicators(good.map((h, i) => h.map((v, t) => ({ wear: v, junk: noise[i][t] }))));
    assert.equal(ranked[0].feature, 'wear');
    assert.ok(ranked[0].overall > ranked[1].overall);
  });
});
