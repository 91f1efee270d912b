import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearingFaultFrequencies, validateBearingGeometry, type BearingGeometry } from '../../lib/features/bearing';
import { FeatureWindow } from '../../lib/features/feature-window';
import { fftPlan, realSpectrum } from '../../lib/features/fft-plan';
import { envelopeSpectrum, powerSpectrum, SPECTRAL_FEATURES, spectralFeatures } from '../../lib/features/spectral';

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

/** X[k] = sum_t x[t] e^(-2 pi i k t / m) for k = 0 .. m-1, x zero-padded to m: the textbook O(m^2) sum. */
function directDft(x: ArrayLike<number>, m: number): { re: Float64Array; im: Float64Array } {
  const cos = Float64Array.from({ length: m }, (_, i) => Math.cos((2 * Math.PI * i) / m));
  const sin = Float64Array.from({ length: m }, (_, i) => Math.sin((2 * Math.PI * i) / m));
  const re = new Float64Array(m);
  const im = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    for (let t = 0; t < Math.min(x.length, m); t++) {
      const idx = (k * t) % m;
      re[k] += x[t] * cos[idx];
      im[k] -= x[t] * sin[idx];
    }
  }
  return { re, im };
}

const nextPow2 = (n: number) => 2 ** Math.ceil(Math.log2(n));
const periodicHann = (n: number) => Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n));

/** The block's Hann-windowed, mean-removed DFT, the reference for the fast paths below. */
function referenceBlock(x: ArrayLike<number>) {
  const n = x.length;
  const m = nextPow2(n);
  const w = periodicHann(n);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i] / n;
  const X = directDft(Float64Array.from({ length: n }, (_, i) => (x[i] - mean) * w[i]), m);
  return { n, m, w, X, sumW2: w.reduce((s, v) => s + v * v, 0) };
}

function assertSpectraClose(actual: ArrayLike<number>, expected: ArrayLike<number>, relTol: number, what: string) {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let k = 0; k < expected.length; k++) scale = Math.max(scale, Math.abs(expected[k]));
  assert.ok(scale > 0, `${what}: the reference is all zero`);
  for (let k = 0; k < expected.length; k++) {
    assert.ok(Math.abs(actual[k] - expected[k]) <= relTol * scale, `${what}, bin ${k}: ${actual[k]} vs ${expected[k]} (max ${scale})`);
  }
}

describe('spectral features: fast paths against the textbook sums', () => {
  it('a real FFT as a half-size complex FFT matches the direct DFT, whole or in part', () => {
    const { normal } = rng(3);
    for (const size of [8, 16, 32, 1024]) {
      const plan = fftPlan(size);
      const x = Float64Array.from({ length: size }, () => normal());
      const X = directDft(x, size);
      for (const last of [size / 2, size / 4, 1]) {
        plan.real.set(x);
        const s = realSpectrum(plan, last);
        const expected: number[] = [];
        const actual: number[] = [];
        for (let k = 0; k <= last; k++) expected.push(X.re[k], X.im[k]);
        for (let k = 0; k <= last; k++) actual.push(s[2 * k], s[2 * k + 1]);
        assertSpectraClose(actual, expected, 1e-12, `size ${size}, bins 0..${last}`);
      }
    }
  });

  it('the power spectrum equals the scaled DFT of the windowed block (padded and not)', () => {
    const { normal } = rng(5);
    for (const n of [500, 512, 9]) {
      const x = Array.from({ length: n }, (_, i) => 2 + Math.sin(i * 0.3) + 0.3 * normal());
      const { m, X, sumW2 } = referenceBlock(x);
      const expected = Array.from({ length: m / 2 + 1 }, (_, k) => ((X.re[k] ** 2 + X.im[k] ** 2) / (m * sumW2)) * (k === 0 || k === m / 2 ? 1 : 2));
      const p = powerSpectrum(x, 1000);
      assertSpectraClose(p.power, expected, 1e-10, `power spectrum of ${n} samples`);
    }
  });

  it('the envelope spectrum equals the textbook Hilbert envelope, sampled at the envelope size', () => {
    const { normal } = rng(8);
    const fs = 1000;
    // 500 samples (padded: the taper ends early), 512 with the default band, 16 where the envelope
    // and the block share one FFT size.
    for (const [n, band] of [[500, [100, 400]], [512, undefined], [16, undefined]] as const) {
      const x = Array.from({ length: n }, (_, i) => (1 + 0.4 * Math.cos(2 * Math.PI * 23 * (i / fs))) * Math.sin(2 * Math.PI * 250 * (i / fs)) + 0.1 * normal());
      const e = envelopeSpectrum(x, fs, band as [number, number] | undefined);
      const { m, w, X } = referenceBlock(x);
      const binHz = fs / m;
      const kLo = Math.max(1, band ? Math.ceil(band[0] / binHz) : Math.ceil(m / 8));
      const kHi = Math.min(m / 2 - 1, band ? Math.floor(band[1] / binHz) : m / 2 - 1);
      const l = e.size;
      const step = m / l;
      // Analytic signal of the band: a(t) = (2/m) sum over the band of X[k] e^(2 pi i k t / m).
      const env = new Float64Array(l);
      const taper = new Float64Array(l);
      for (let j = 0; j < l; j++) {
        const t = j * step;
        let re = 0;
        let im = 0;
        for (let k = kLo; k <= kHi; k++) {
          const a = (2 * Math.PI * k * t) / m;
          re += X.re[k] * Math.cos(a) - X.im[k] * Math.sin(a);
          im += X.re[k] * Math.sin(a) + X.im[k] * Math.cos(a);
        }
        env[j] = (2 / m) * Math.hypot(re, im);
        taper[j] = t < n ? w[t] : 0;
      }
      const meanEnv = env.reduce((s, v) => s + v, 0) / taper.reduce((s, v) => s + v, 0);
      const R = directDft(env.map((v, j) => v - meanEnv * taper[j]), l);
      const sumT2 = taper.reduce((s, v) => s + v * v, 0);
      const expected = Array.from({ length: e.power.length }, (_, k) => ((R.re[k] ** 2 + R.im[k] ** 2) / (l * sumT2)) * (k === 0 || k === l / 2 ? 1 : 2));
      assert.equal(e.binHz, binHz);
      assertSpectraClose(e.power, expected, 1e-9, `envelope of ${n} samples, band ${band ?? 'default'}`);
    }
  });

  it('give the same features for a block whatever was computed before (scratch buffers are reused)', () => {
    const { normal } = rng(13);
    const options = { bands: [[0, 100], [100, 400]] as [number, number][], bearing: BEARING_6205, shaftHz: 12 };
    const a = Array.from({ length: 1000 }, (_, i) => Math.sin(i * 0.7) * (1 + 0.5 * Math.sin(i * 0.05)) + 0.2 * normal());
    const b = Array.from({ length: 700 }, () => normal());
    const first = spectralFeatures(a, 1000, SPECTRAL_FEATURES, options);
    spectralFeatures(b, 1000, SPECTRAL_FEATURES, { ...options, envelopeBand: [50, 450] });
    envelopeSpectrum(b.slice(0, 1000), 1000, [20, 480]);
    spectralFeatures(a.slice(0, 512), 1000, SPECTRAL_FEATURES, options);
    assert.deepEqual(spectralFeatures(a, 1000, SPECTRAL_FEATURES, options), first);
  });
});
