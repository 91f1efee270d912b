import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignRegime, fitRegimeNormaliser, fitRegimes, informativeSensors, normaliseRow } from '../../lib/regimes/regime-normaliser';
import { seededRandom } from '../../lib/shared/seeded-random';

const SET_POINTS = [
  [0, 0.2, 100],
  [20, 0.7, 100],
  [35, 0.84, 60],
];

describe('regime normaliser', () => {
  it('finds tight set points as regimes and standardises sensors within each', () => {
    const random = seededRandom(4);
    const settings: number[][] = [];
    const sensors: number[][] = [];
    const regimeOf: number[] = [];
    for (let i = 0; i < 900; i++) {
      const r = i % 3;
      regimeOf.push(r);
      settings.push(SET_POINTS[r].map((v) => v + 0.001 * (random() - 0.5)));
      // Sensor 0 jumps with the regime, sensor 1 is constant.
      sensors.push([100 * (r + 1) + (random() - 0.5) * 2, 7]);
    }
    const model = fitRegimeNormaliser(settings, sensors);
    assert.equal(model.regimes.centroids.length, 3);
    // Rows of the same regime land in the same cluster, different regimes in different ones.
    const label = SET_POINTS.map((p) => assignRegime(model.regimes, p));
    assert.equal(new Set(label).size, 3);
    for (let i = 0; i < 30; i++) assert.equal(assignRegime(model.regimes, settings[i]), label[regimeOf[i]]);
    const z = sensors.map((s, i) => normaliseRow(model, settings[i], s)[0]);
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    const sd = Math.sqrt(z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length);
    assert.ok(Math.abs(mean) < 1e-9 && Math.abs(sd - 1) < 1e-6, `mean ${mean} sd ${sd}`);
    assert.deepEqual(informativeSensors(model), [0]);
    assert.equal(normaliseRow(model, settings[0], sensors[0])[1], 0);
  });

  it('keeps a single regime when the settings are only noise', () => {
    const random = seededRandom(9);
    const settings = Array.from({ length: 500 }, () => [0.002 * (random() - 0.5), 0.0003 * (random() - 0.5), 100]);
    assert.equal(fitRegimes(settings).centroids.length, 1);
    assert.equal(fitRegimes([]).centroids.length, 1);
  });

  it('survives a JSON round trip', () => {
    const settings = Array.from({ length: 60 }, (_, i) => SET_POINTS[i % 3]);
    const sensors = settings.map((s, i) => [s[0] + i * 0.01]);
    const model = fitRegimeNormaliser(settings, sensors);
    const copy = JSON.parse(JSON.stringify(model));
    assert.deepEqual(normaliseRow(copy, settings[5], sensors[5]), normaliseRow(model, settings[5], sensors[5]));
  });
});
