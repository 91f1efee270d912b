import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LoadForecaster } from '../../lib/energy/forecast';
import { seededRandom } from '../../lib/shared/seeded-random';

const Q = 15 * 60_000;
const START = Date.UTC(2026, 0, 5); // a Monday

/** A plant: day shift on workdays, low weekends and holidays, level drifting, spiky noise. */
function plant(days: number, holidays: string[], seed = 1): Array<[number, number]> {
  const rnd = seededRandom(seed);
  const out: Array<[number, number]> = [];
  for (let s = 0; s < days * 96; s++) {
    const t = START + s * Q;
    const d = new Date(t);
    const off = d.getUTCDay() === 0 || d.getUTCDay() === 6 || holidays.includes(d.toISOString().slice(0, 10));
    const h = (s % 96) / 4;
    const shift = !off && h >= 7 && h < 18 ? 60 + 10 * Math.sin(h) : 8;
    const spike = rnd() < 0.05 ? 30 * rnd() : 0;
    out.push([t, shift * (1 + 0.002 * (s / 96)) + 4 * (rnd() - 0.5) + spike]);
  }
  return out;
}

describe('load forecaster', () => {
  it('beats seasonal naive on generated seasonal data with holidays', () => {
    const holidays = ['2026-02-17', '2026-03-10'];
    const data = plant(9 * 7, holidays);
    const f = new LoadForecaster({ intervalMinutes: 15, timezone: 'utc', holidays });
    const naive = new LoadForecaster({ intervalMinutes: 15, timezone: 'utc', holidays, model: 'naive' });
    const firstOrigin = 5 * 7 * 96;
    for (let i = 0; i < firstOrigin; i++) {
      f.observe(...data[i]);
      naive.observe(...data[i]);
    }
    for (let i = firstOrigin; i + 96 <= data.length; i += 96) {
      f.forecast(96);
      naive.forecast(96);
      for (let k = i; k < i + 96; k++) {
        f.observe(...data[k]);
        naive.observe(...data[k]);
      }
    }
    const acc = f.accuracy();
    const base = naive.accuracy();
    assert.equal(acc.n, 28 * 96);
    assert.ok(acc.mae < base.mae, `profile MAE ${acc.mae} should beat naive ${base.mae}`);
    assert.ok(acc.maeImprovement > 0.1, `improvement ${acc.maeImprovement}`);
    assert.ok(Number.isFinite(acc.mase) && acc.mase < 1, `MASE ${acc.mase}`);
    assert.ok(acc.mape > 0);
  });

  it('detects the meter resolution, forecasts 48 h with an interval and keeps its state', () => {
    const data = plant(21, []);
    const f = new LoadForecaster({ timezone: 'utc' });
    for (const [t, v] of data) f.observe(t, v);
    assert.equal(f.intervalMinutes, 15);
    const fc = f.forecast(192);
    assert.equal(fc.values.length, 192);
    assert.equal(fc.start, data[data.length - 1][0] + Q);
    fc.values.forEach((v, i) => assert.ok(fc.lower[i] <= v && v <= fc.upper[i], `interval at ${i}`));
    // Weekday day shift is forecast high, the night low (the data starts on a Monday; day 21 is a Monday).
    assert.ok(fc.values[40] > 40 && fc.values[8] < 20, `${fc.values[40]} ${fc.values[8]}`);
    const copy = LoadForecaster.restore(JSON.parse(JSON.stringify(f.snapshot())));
    assert.deepEqual(copy.forecast(192).values, f.forecast(192).values);
  });

  it('treats a listed holiday like a weekend day', () => {
    const data = plant(28, ['2026-02-02']);
    const withHoliday = new LoadForecaster({ intervalMinutes: 15, timezone: 'utc', holidays: ['2026-02-02'] });
    const without = new LoadForecaster({ intervalMinutes: 15, timezone: 'utc' });
    for (const [t, v] of data) {
      withHoliday.observe(t, v);
      without.observe(t, v);
    }
    // 2026-02-02 (a Monday) is the day after the data: noon forecast low only when it is a holiday.
    assert.ok(withHoliday.forecast(96).values[48] < 20);
    assert.ok(without.forecast(96).values[48] > 40);
  });

  it('rejects bad readings with a clear error', () => {
    const f = new LoadForecaster({ intervalMinutes: 15 });
    assert.throws(() => f.observe(START, NaN), /finite number/);
    assert.throws(() => f.forecast(), /no readings yet/);
  });
});
