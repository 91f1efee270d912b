import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearingFaultFrequencies, validateBearingGeometry, type BearingGeometry } from '../../lib/features/bearing';
import { FeatureWindow } from '../../lib/features/feature-window';
import { envelopeSpectrum, powerSpectrum, spectralFeatures } from '../../lib/features/spectral';

function close(actual: number, expected: number, tol: number, what: string) {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} is not within ${tol} of ${expected}`);
}

function rng(seed: number) {
  let s = seed;
  const uniform = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  return { uniform, normal: () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform()) };
}

const sine = (n: number, fs: number, f: number, a: number, phase = 0.4) => Array.from({ length: n }, (_, i) => a * Math.sin(2 * Math.PI * f * (i / fs) + phase));

// Deep-groove ball bearing 6205 (9 balls, 7.94 mm balls on a 39.04 mm pitch circle); its published
// defect frequencies per shaft revolution are BPFO 3.5848, BPFI 5.4152, FTF 0.39828 and 2 x BSF 4.7135.
const BEARING_6205: BearingGeometry = { rollingElements: 9, ballDiameter: 7.94, pitchDiameter: 39.04 };

describe('spectral features: closed forms', () => {
  it('find the frequency and amplitude of a sine between bins', () => {
    const fs = 1000;
    for (const [f, a] of [[50.3, 2], [123.7, 0.5], [10, 1]]) {
      const v = spectralFeatures(sine(1024, fs, f, a), fs, ['dominantFrequency', 'dominantAmplitude', 'spectralCentroid']);
      close(v.dominantFrequency, f, 0.05, `dominantFrequency of ${f} Hz`);
      close(v.dominantAmplitude, a, 0.01 * a, `dominantAmplitude of ${f} Hz`);
      close(v.spectralCentroid, f, 1, `spectralCentroid of ${f} Hz`);
    }
  });

  it('put the energy of each tone in its band (Parseval: bins sum to the mean square)', () => {
    const fs = 2000;
    const x = sine(4096, fs, 50, 1).map((v, i) => v + 0.5 * Math.sin(2 * Math.PI * 400 * (i / fs)) + 3);
    const v = spectralFeatures(x, fs, ['bandEnergy'], { bands: [[0, 100], [300, 500], [600, 1000]] });
    close(v.band_0_100, 0.5, 0.005, 'band 0-100');
    close(v.band_300_500, 0.125, 0.002, 'band 300-500');
    close(v.band_600_1000, 0, 1e-6, 'band 600-1000');
    const p = powerSpectrum(x, fs);
    close(p.power.reduce((s, e) => s + e, 0), 0.5 + 0.125, 0.005, 'total power');
  });

  it('describe white noise as a flat spectrum: centroid fs/4, spread fs/(4 sqrt 3), kurtosis 1.8', () => {
    const { normal } = rng(9);
    const fs = 1000;
    const n = 65536;
    const x = Array.from({ length: n }, () => normal());
    const v = spectralFeatures(x, fs, ['spectralCentroid', 'spectralSpread', 'spectralKurtosis']);
    close(v.spectralCentroid, fs / 4, 2, 'centroid');
    close(v.spectralSpread, fs / 2 / Math.sqrt(12), 2, 'spread');
    close(v.spectralKurtosis, 1.8, 0.02, 'spectral kurtosis');
  });

  it('a tone has a peaked spectrum, a constant an empty one', () => {
    const tone = spectralFeatures(sine(2048, 1000, 100, 1), 1000, ['spectralKurtosis', 'spectralSpread']);
    assert.ok(tone.spectralKurtosis > 100, `tone kurtosis ${tone.spectralKurtosis}`);
    assert.ok(tone.spectralSpread < 5, `tone spread ${tone.spectralSpread}`);
    const flat = spectralFeatures(new Array(256).fill(5), 100, ['dominantFrequency', 'dominantAmplitude', 'spectralCentroid', 'spectralKurtosis']);
    assert.deepEqual(flat, { dominantFrequency: 0, dominantAmplitude: 0, spectralCentroid: 0, spectralKurtosis: 0 });
  });

  it('recover an amplitude modulation with the envelope spectrum', () => {
    const fs = 8192;
    const n = 8192;
    // A 2 kHz carrier whose amplitude swings 1 +- 0.5 at 37 Hz: the envelope is 1 + 0.5 cos(2 pi 37 t).
    const x = Array.from({ length: n }, (_, i) => (1 + 0.5 * Math.cos(2 * Math.PI * 37 * (i / fs))) * Math.sin(2 * Math.PI * 2000 * (i / fs)));
    const e = envelopeSpectrum(x, fs, [1500, 2500]);
    let peak = 1;
    for (let k = 1; k < e.power.length; k++) if (e.power[k] > e.power[peak]) peak = k;
    close(peak * e.binHz, 37, e.binHz, 'envelope peak');
    let around = 0;
    for (let k = peak - 2; k <= peak + 2; k++) around += e.power[k];
    // The envelope's 37 Hz component has amplitude 0.5: mean square 0.125.
    close(around, 0.125, 0.005, 'envelope line power');
    const v = spectralFeatures(x, fs, ['envelopeDominantFrequency', 'dominantFrequency'], { envelopeBand: [1500, 2500] });
    close(v.envelopeDominantFrequency, 37, 0.2, 'envelopeDominantFrequency');
    close(v.dominantFrequency, 2000, 0.5, 'dominantFrequency');
  });
});

describe('bearing fault frequencies', () => {
  it('match the published factors of a 6205 bearing', () => {
    const fr = 29.95;
    const f = bearingFaultFrequencies(fr, BEARING_6205);
    close(f.bpfo / fr, 3.5848, 1e-3, 'BPFO');
    close(f.bpfi / fr, 5.4152, 1e-3, 'BPFI');
    close(f.ftf / fr, 0.39828, 1e-4, 'FTF');
    close((2 * f.bsf) / fr, 4.7135, 2e-3, 'BSF');
    // BPFO + BPFI = z * fr for any geometry.
    close(f.bpfo + f.bpfi, 9 * fr, 1e-9, 'BPFO + BPFI');
  });

  it('refuse impossible geometry', () => {
    assert.throws(() => validateBearingGeometry({ rollingElements: 9, ballDiameter: 40, pitchDiameter: 39 }), /pitch diameter/);
    assert.throws(() => validateBearingGeometry({ rollingElements: 2.5, ballDiameter: 7, pitchDiameter: 39 }), /rolling elements/);
  });

  /** Outer-race defect: a 3 kHz resonance struck at every BPFO pass, on top of shaft vibration and noise. */
  function vibration(defect: boolean, fs: number, n: number, shaftHz: number): Float64Array {
    const { normal } = rng(21);
    const bpfo = bearingFaultFrequencies(shaftHz, BEARING_6205).bpfo;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = 0.5 * Math.sin(2 * Math.PI * shaftHz * (i / fs)) + 0.2 * normal();
    if (defect) {
      for (let tk = 0.002; tk < n / fs; tk += 1 / bpfo) {
        for (let i = Math.ceil(tk * fs); i < n; i++) {
          const d = i / fs - tk;
          if (d > 0.01) break;
          x[i] += Math.exp(-d / 0.001) * Math.sin(2 * Math.PI * 3000 * d);
        }
      }
    }
    return x;
  }

  it('show an outer-race defect at BPFO in the envelope spectrum', () => {
    const fs = 12000;
    const shaftHz = 30;
    const options = { bearing: BEARING_6205, shaftHz, envelopeBand: [2000, 4000] as [number, number] };
    const names = ['dominantFrequency', 'envelopeDominantFrequency', 'bpfoEnergy', 'bpfiEnergy', 'bsfEnergy', 'ftfEnergy'] as const;
    const sick = spectralFeatures(vibration(true, fs, 8192, shaftHz), fs, names, options);
    const healthy = spectralFeatures(vibration(false, fs, 8192, shaftHz), fs, names, options);
    const bpfo = bearingFaultFrequencies(shaftHz, BEARING_6205).bpfo;
    // The raw spectrum is dominated by the shaft; the envelope finds the defect.
    close(sick.dominantFrequency, shaftHz, 0.5, 'raw dominant frequency');
    close(sick.envelopeDominantFrequency, bpfo, 1, 'envelope dominant frequency');
    assert.ok(sick.bpfoEnergy > 3 * Math.max(sick.bpfiEnergy, sick.bsfEnergy, sick.ftfEnergy), JSON.stringify(sick));
    assert.ok(sick.bpfoEnergy > 20 * healthy.bpfoEnergy, `sick ${sick.bpfoEnergy} vs healthy ${healthy.bpfoEnergy}`);
  });

  it('follow the shaft speed given with a reading', () => {
    const fs = 12000;
    const x = vibration(true, fs, 8192, 30);
    const options = { bearing: BEARING_6205, shaftHz: 25, envelopeBand: [2000, 4000] as [number, number] };
    const wrongSpeed = spectralFeatures(x, fs, ['bpfoEnergy'], options);
    const rightSpeed = spectralFeatures(x, fs, ['bpfoEnergy'], options, {}, '', { shaftHz: 30 });
    assert.ok(rightSpeed.bpfoEnergy > 5 * wrongSpeed.bpfoEnergy);
  });

  it('come out of a feature window for vibration blocks', () => {
    const fs = 12000;
    const window = () =>
      new FeatureWindow({
        size: 8192,
        features: ['rms', 'kurtosis', 'envelopeDominantFrequency', 'bpfoEnergy'],
        spectral: { bearing: BEARING_6205, shaftHz: 30, envelopeBand: [2000, 4000] },
      });
    const w = window();
    const x = vibration(true, fs, 8192, 30);
    assert.deepEqual(w.push('bearing', 'vib', 0, x.subarray(0, 4096), fs), []);
    const [v] = w.push('bearing', 'vib', (4096 / fs) * 1000, x.subarray(4096), fs);
    close(v.features.envelopeDominantFrequency, bearingFaultFrequencies(30, BEARING_6205).bpfo, 1, 'window envelope frequency');
    assert.deepEqual(v.features, spectralFeatures(x, fs, ['envelopeDominantFrequency', 'bpfoEnergy'], { bearing: BEARING_6205, shaftHz: 30, envelopeBand: [2000, 4000] }, { rms: v.features.rms, kurtosis: v.features.kurtosis }));
    const [healthy] = window().push('bearing', 'vib', 0, vibration(false, fs, 8192, 30), fs);
    assert.ok(v.features.kurtosis > healthy.features.kurtosis, 'impacts raise the kurtosis');
  });
});
