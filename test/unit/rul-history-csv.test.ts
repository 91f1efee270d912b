import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHistoriesCsv } from '../../lib/rul/history-csv';
import { RulPredictor, type PredictorConfig } from '../../lib/rul/predictor';

describe('history CSV import', () => {
  it('groups rows per asset, sorts them by time and reads censored runs', () => {
    const csv = '\uFEFFasset,time,rms,failed\r\nA,2026-01-01T02:00:00Z,2,1\r\nA,2026-01-01T01:00:00Z,1,1\r\nB,5,0.5,0\r\nB,6,0.6,0\r\n';
    const h = parseHistoriesCsv(csv);
    assert.equal(h.length, 2);
    assert.deepEqual(h[0].rows.map((r) => r.f.rms), [1, 2]);
    assert.equal(h[0].rows[0].t, Date.parse('2026-01-01T01:00:00Z'));
    assert.equal(h[0].failed, true);
    assert.equal(h[1].failed, false);
    assert.equal(parseHistoriesCsv('asset;time;x\nq;1;3').length, 1);
  });

  it('names the line and column at fault', () => {
    assert.throws(() => parseHistoriesCsv('time,x\n1,2'), /needs "asset" and "time"/);
    assert.throws(() => parseHistoriesCsv('asset,time,x\nA,1,2\nA,2'), /line 3: 2 cells, expected 3/);
    assert.throws(() => parseHistoriesCsv('asset,time,x\nA,soon,2'), /line 2: time "soon"/);
    assert.throws(() => parseHistoriesCsv('asset,time,x\nA,1,'), /x = "" is not a number/);
    assert.throws(() => parseHistoriesCsv(''), /empty/);
  });
});

describe('RUL predictor engine', () => {
  const config: PredictorConfig = {
    model: 'degradation', degradationKind: 'linear', offset: 0, healthFeature: 'hi', features: [], settingFeatures: [],
    unit: 'hours', confidence: 0.9, warningHorizon: 5, maxRows: 100,
  };

  it('learns the threshold and prior from recorded lives, then predicts in hours with a warning time', () => {
    const p = new RulPredictor(config);
    const H = 3.6e6;
    // Three lives: HI rises 1 per hour and fails at 20.
    for (const a of ['x', 'y', 'z']) {
      for (let h = 0; h <= 20; h++) p.state.recording[a] = { asset: a, rows: [...(p.state.recording[a]?.rows ?? []), { t: h * H, f: { hi: h } }], failed: true };
      p.endOfLife(a);
    }
    const trained = p.trainLight();
    assert.equal(trained.kind, 'degradation');
    assert.equal(trained.kind === 'degradation' && trained.threshold, 20);
    for (let h = 0; h <= 10; h++) p.observe('live', 1000 * H + h * H, { hi: h }, false);
    const e = p.predict('live', 1010 * H);
    assert.ok(Math.abs(e.estimate - 10) < 0.01, `estimate ${e.estimate}`);
    assert.ok(e.warningAt !== null && Math.abs(e.warningAt - (1010 * H + 5 * H)) < 0.01 * H);
    assert.ok(Math.abs(e.healthIndex - 0.5) < 0.01);
  });

  it('refuses an observation without changing state', () => {
    const p = new RulPredictor({ ...config, threshold: 10 });
    p.observe('a', 1000, { hi: 1 }, true);
    assert.throws(() => p.observe('a', 500, { hi: 2 }, true), /time went backwards/);
    assert.throws(() => p.observe('b', 2000, { other: 2 }, true), /health indicator "hi"/);
    assert.equal(p.state.live.a.count, 1);
    assert.equal(p.state.recording.a.rows.length, 1);
    assert.equal(p.state.live.b, undefined);
    assert.equal(p.state.recording.b, undefined);
  });
});
