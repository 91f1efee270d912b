import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUnivariate, UNIVARIATE_DETECTORS } from '../../lib/anomaly/registry';
import { SurpriseDetector } from '../../lib/anomaly/surprise';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

/** Noise around 50 (sd 1), 4000 samples, with an optional change from sample 3000 on. */
function series(seed: number, change?: (i: number, x: number) => number): number[] {
  const r = rng(seed);
  return Array.from({ length: 4000 }, (_, i) => {
    const x = 50 + gauss(r);
    return change && i >= 3000 ? change(i, x) : x;
  });
}

function scores(name: string, values: number[]): number[] {
  const d = createUnivariate(name);
  return values.map((v, i) => d.update(v, i * 1000));
}

const ALARM = 0.5;
const maxIn = (s: number[], a: number, b: number) => Math.max(...s.slice(a, b));

for (const name of Object.keys(UNIVARIATE_DETECTORS)) {
  describe(`univariate detector ${name}`, () => {
    // The baseline has no self-normalisation: its alarm level is the tail of a z-score.
    const alarm = name === 'windowed-gaussian' ? 0.6 : ALARM;

    it('keeps quiet on stationary noise', () => {
      const s = scores(name, series(1));
      const alarms = s.slice(1000).filter((x) => x >= alarm).length;
      assert.ok(alarms <= 10, `${alarms} alarms on 3000 samples of noise`);
      assert.ok(s.every((x) => x >= 0 && x <= 1 && Number.isFinite(x)));
    });

    it('flags a spike', () => {
      const s = scores(name, series(2, (i, x) => (i === 3000 ? x + 12 : x)));
      assert.ok(maxIn(s, 3000, 3002) >= alarm, `max ${maxIn(s, 3000, 3002)}`);
    });

    it('flags a level shift', () => {
      const s = scores(name, series(3, (_, x) => x + 8));
      assert.ok(maxIn(s, 3000, 3020) >= alarm, `max ${maxIn(s, 3000, 3020)}`);
    });

    it('flags a variance change', () => {
      const s = scores(name, series(4, (_, x) => 50 + (x - 50) * 6));
      assert.ok(maxIn(s, 3000, 3100) >= alarm, `max ${maxIn(s, 3000, 3100)}`);
    });

    it('continues identically after a snapshot round trip', () => {
      const values = series(5, (i, x) => (i % 500 === 0 ? x + 5 : x));
      const a = createUnivariate(name);
      values.slice(0, 2500).forEach((v) => a.update(v));
      const b = createUnivariate(name);
      b.restore(JSON.parse(JSON.stringify(a.snapshot())));
      for (const v of values.slice(2500)) assert.ok(Math.abs(a.update(v) - b.update(v)) < 1e-3); // counts below 1e-4 are dropped
    });

    it('rejects non-finite input and foreign snapshots', () => {
      const d = createUnivariate(name);
      assert.throws(() => d.update(Number.NaN), /finite/);
      assert.throws(() => d.restore({ detector: 'other', version: 1, state: {} }), /snapshot/);
    });
  });
}

describe('surprise detector options', () => {
  const run = (d: SurpriseDetector, values: number[]) => values.map((v, i) => d.update(v, i * 1000));

  it('flags the spike and keeps quiet whatever its hash seed', () => {
    for (const seed of [1, 2]) {
      const quiet = run(new SurpriseDetector({ seed }), series(1)).slice(1000);
      assert.ok(quiet.filter((x) => x >= ALARM).length <= 10, `seed ${seed}: too many alarms on noise`);
      const spike = run(new SurpriseDetector({ seed }), series(2, (i, x) => (i === 3000 ? x + 12 : x)));
      assert.ok(maxIn(spike, 3000, 3002) >= ALARM, `seed ${seed}: spike missed`);
    }
    assert.throws(() => new SurpriseDetector({ seed: -1 }), /seed/);
    assert.throws(() => new SurpriseDetector({ newPeak: 1.5 }), /newPeak/);
  });

  it('gives one event fewer alarms when a score must beat the recent ones to count', () => {
    // A burst of spikes, each new at first (re-alarm damping off, to see this rule alone).
    const values = series(6, (i, x) => (i >= 3000 && i < 3040 && i % 4 === 0 ? x + 10 : x));
    const alarms = (newPeak: number) => run(new SurpriseDetector({ newPeak, suppression: 1 }), values).slice(3000, 3100).filter((x) => x >= ALARM).length;
    const withRule = alarms(30);
    assert.ok(withRule >= 1, 'the burst is still flagged');
    assert.ok(withRule < alarms(0), `${withRule} alarms with the rule, ${alarms(0)} without`);
  });
});
