import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RulPredictor, type PredictorConfig } from '../../lib/rul/predictor';
import { fitWeibull, predictWeibull } from '../../lib/rul/weibull';

const H = 3.6e6;
const base: PredictorConfig = {
  model: 'weibull', degradationKind: 'linear', offset: 0, healthFeature: 'hi', features: [], settingFeatures: [],
  unit: 'cycles', confidence: 0.9, warningHorizon: 0, maxRows: 1000,
};

/** Records one run to failure per entry: `life` steps with HI rising `slope` per hour. */
function record(p: RulPredictor, lives: { life: number; slope: number }[]): void {
  p.importHistories(lives.map(({ life, slope }, i) => ({ asset: `r${i}`, failed: true, rows: Array.from({ length: life }, (_, s) => ({ t: s * H, f: { hi: slope * s } })) })));
}

describe('RUL predictor: parameter uncertainty from few histories', () => {
  it('gives the Weibull model the Bayesian predictive interval, wider than the point fit, and survives a restart', () => {
    const p = new RulPredictor(base);
    record(p, [{ life: 90, slope: 1 }, { life: 110, slope: 1 }, { life: 130, slope: 1 }]);
    const trained = p.trainLight();
    assert.ok(trained.kind === 'weibull' && trained.posterior);
    p.observe('live', 0, { hi: 0 }, false);
    const e = p.predict('live', 0);
    const point = predictWeibull(fitWeibull([90, 110, 130].map((time) => ({ time, failed: true }))), 1, 0.9);
    assert.ok(e.upper - e.lower > point.upper - point.lower, `predictive [${e.lower}, ${e.upper}] vs point [${point.lower}, ${point.upper}]`);
    assert.ok(e.estimate > 80 && e.estimate < 130, `median ${e.estimate}`);

    const restored = new RulPredictor(base, JSON.parse(JSON.stringify(p.state)));
    assert.deepEqual(restored.predict('live', 0), e);
    // A state saved before the predictive existed keeps working with the point fit.
    const old = JSON.parse(JSON.stringify(p.state));
    delete old.trained.posterior;
    const fromOld = new RulPredictor(base, old).predict('live', 0);
    assert.ok(Math.abs(fromOld.upper - fromOld.lower - (point.upper - point.lower)) < 1e-6);
  });

  it('carries the spread of learned failure levels into the degradation interval, not a configured threshold', () => {
    const config: PredictorConfig = { ...base, model: 'degradation', unit: 'hours' };
    const lives = [{ life: 31, slope: 0.6 }, { life: 41, slope: 0.5 }, { life: 21, slope: 1.2 }];
    const learned = new RulPredictor(config);
    record(learned, lives);
    const trained = learned.trainLight();
    assert.ok(trained.kind === 'degradation' && trained.failureLevels?.length === 3);
    const fixed = new RulPredictor({ ...config, threshold: trained.threshold });
    record(fixed, lives);
    fixed.trainLight();
    for (const p of [learned, fixed]) for (let h = 0; h <= 10; h++) p.observe('live', 1000 * H + h * H, { hi: 0.6 * h + (h % 2 ? 0.05 : -0.05) }, false);
    const a = learned.predict('live', 1010 * H);
    const b = fixed.predict('live', 1010 * H);
    assert.ok(Math.abs(a.estimate - b.estimate) < 1e-9);
    assert.ok(a.upper - a.lower > b.upper - b.lower, `learned [${a.lower}, ${a.upper}] vs configured [${b.lower}, ${b.upper}]`);
  });

  it('takes a threshold learned from only two histories as known (their spread would be a Cauchy)', () => {
    const config: PredictorConfig = { ...base, model: 'degradation', unit: 'hours' };
    const lives = [{ life: 31, slope: 0.6 }, { life: 41, slope: 0.5 }];
    const learned = new RulPredictor(config);
    record(learned, lives);
    const trained = learned.trainLight();
    assert.ok(trained.kind === 'degradation' && trained.failureLevels === undefined);
    const fixed = new RulPredictor({ ...config, threshold: trained.threshold });
    record(fixed, lives);
    fixed.trainLight();
    for (const p of [learned, fixed]) for (let h = 0; h <= 10; h++) p.observe('live', 1000 * H + h * H, { hi: 0.6 * h + (h % 2 ? 0.05 : -0.05) }, false);
    assert.deepEqual(learned.predict('live', 1010 * H), fixed.predict('live', 1010 * H));
  });
});
