import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { seededRandom as rng } from '../../lib/shared/seeded-random';
import { fitTwoStage, predictTwoStage, type FleetRun } from '../../lib/rul/two-stage';

/** A bearing-like run: flat at 1 until onset, then 1.2 * exp(rate (t - onset)) up to failure at `life`. */
function run(life: number, onset: number, random?: () => number): FleetRun {
  const t: number[] = [];
  const hi: number[] = [];
  const rate = Math.log(4 / 1.2) / (life - onset);
  for (let x = 0; x <= life + 1e-9; x += 1) {
    t.push(x);
    const noise = random ? 0.01 * (random() - 0.5) : 0;
    hi.push((x < onset ? 1 : 1.2 * Math.exp(rate * (x - onset))) + noise);
  }
  return { t, hi };
}

const config = { onset: 1.2, kind: 'exponential' as const, confidence: 0.9, halfLifeShare: 0.05 };

describe('two-stage prognosis', () => {
  it('uses the fleet lifetimes before onset and the degradation fit after it', () => {
    const random = rng(13);
    const fleet = [[300, 240], [360, 300], [420, 350], [330, 280]].map(([life, onset]) => run(life, onset, random));
    const model = fitTwoStage(fleet, config);
    assert.ok(model.afterOnset !== null && model.typicalAfterOnset > 50 && model.typicalAfterOnset < 70);

    const unit = run(380, 320);
    const upTo = (x: number) => ({ t: unit.t.slice(0, x + 1), hi: unit.hi.slice(0, x + 1) });
    const early = predictTwoStage(model, upTo(200));
    assert.equal(early.stage, 'lifetime');
    assert.equal(early.degradationWeight, 0);
    assert.ok(early.lower <= 180 && 180 <= early.upper, `[${early.lower}, ${early.upper}]`);

    const justAfter = predictTwoStage(model, upTo(325));
    const late = predictTwoStage(model, upTo(370));
    assert.equal(late.stage, 'after-onset');
    assert.equal(late.sinceOnset, 50);
    assert.ok(late.degradationWeight > justAfter.degradationWeight && late.degradationWeight < 1);
    assert.ok(late.lower <= 10 && 10 <= late.upper, `late [${late.lower}, ${late.upper}]`);
    assert.ok(Math.abs(late.estimate - 10) < Math.abs(early.estimate - 180), 'the estimate improves once degradation shows');
    assert.ok(late.upper - late.lower < early.upper - early.lower, 'the interval narrows as data accrue');
  });

  it('falls back to the lifetimes when fewer than two fleet runs passed the onset', () => {
    const flat = (life: number): FleetRun => ({ t: [0, life / 2, life], hi: [1, 1, 1.1] });
    const model = fitTwoStage([flat(100), flat(120), run(110, 90)], config);
    assert.equal(model.afterOnset, null);
    const p = predictTwoStage(model, { t: [0, 50, 95], hi: [1, 1, 1.3] });
    assert.equal(p.stage, 'after-onset');
    assert.ok(Number.isFinite(p.estimate) && p.lower <= p.estimate && p.estimate <= p.upper);
  });

  it('rejects bad input clearly', () => {
    assert.throws(() => fitTwoStage([run(100, 80)], config), /at least 2/);
    assert.throws(() => fitTwoStage([run(100, 80), { t: [0, 1], hi: [1] }], config), /as many times/);
    assert.throws(() => fitTwoStage([run(100, 80), run(90, 70)], { ...config, onset: 0 }), /onset/);
    const model = fitTwoStage([run(100, 80), run(90, 70)], config);
    assert.throws(() => predictTwoStage(model, { t: [0, 2, 1], hi: [1, 1, 1] }), /back in time/);
    assert.throws(() => predictTwoStage(model, { t: [0, 1], hi: [1, NaN] }), /non-finite/);
  });
});
