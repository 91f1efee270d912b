// Spectral features of one block with fft.js: a Hann-windowed power spectrum scaled so that its bins
// sum to the block's mean square (after removing the mean), and the envelope spectrum of the same
// transform. The envelope is the magnitude of the analytic signal (Hilbert transform done in the
// frequency domain: negative frequencies zeroed, positive ones doubled); restricting it to a band
// and shifting that band to 0 Hz before the inverse FFT leaves the magnitude unchanged and lets the
// inverse run at the band's size instead of the block's.
import { BEARING_DEFECTS, bearingFaultFrequencies, type BearingGeometry } from './bearing';
import { fftPlan, hann, nextPowerOfTwo } from './fft-plan';

export const SPECTRAL_FEATURES = [
  'dominantFrequency',
  'dominantAmplitude',
  'spectralCentroid',
  'spectralSpread',
  'spectralKurtosis',
  'bandEnergy',
  'envelopeDominantFrequency',
  'bpfoEnergy',
  'bpfiEnergy',
  'bsfEnergy',
  'ftfEnergy',
] as const;
export type SpectralFeature = (typeof SPECTRAL_FEATURES)[number];

export function isSpectralFeature(name: string): name is SpectralFeature {
  return (SPECTRAL_FEATURES as readonly string[]).includes(name);
}

export type Band = readonly [number, number];

export interface SpectralOptions {
  /** Frequency bands [low, high) in Hz for bandEnergy: one feature band_<low>_<high> each. */
  bands?: readonly Band[];
  /** Band [low, high] in Hz demodulated for the envelope spectrum; default from fs/8 to fs/2. */
  envelopeBand?: Band;
  bearing?: BearingGeometry;
  /** Shaft speed in Hz for the bearing frequencies (a reading may override it). */
  shaftHz?: number;
  /** Harmonics of each bearing frequency summed into its energy; default 3. */
  harmonics?: number;
  /** Half-width of the search around each bearing harmonic, relative; default 0.02 (at least 2 bins). */
  tolerance?: number;
}

export interface PowerSpectrum {
  /**
   * Power per bin from 0 Hz, in (signal unit)^2; the bins of a block's spectrum (k = 0 .. size/2) sum
   * to its mean square. An envelope spectrum stops where aliasing of the decimated envelope begins.
   */
  power: Float64Array;
  binHz: number;
  size: number;
}

export function bandFeatureName(band: Band): string {
  return `band_${band[0]}_${band[1]}`;
}

const MIN_SPECTRAL_SAMPLES = 8;

interface Transformed {
  m: number;
  n: number;
  binHz: number;
  power: Float64Array;
  window: Float64Array;
}

let powerScratch = new Float64Array(0);

/** Windowed FFT of the block into the plan's spectrum array and the one-sided power into scratch. */
function transform(values: ArrayLike<number>, sampleRate: number): Transformed {
  const n = values.length;
  if (n < MIN_SPECTRAL_SAMPLES) throw new Error(`spectral features need at least ${MIN_SPECTRAL_SAMPLES} samples, got ${n}`);
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) throw new Error(`spectral features need a positive sample rate, got ${sampleRate}`);
  const m = nextPowerOfTwo(n);
  const plan = fftPlan(m);
  const w = hann(n);
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i];
  mean /= n;
  const real = plan.real;
  for (let i = 0; i < n; i++) real[i] = (values[i] - mean) * w[i];
  real.fill(0, n);
  plan.fft.realTransform(plan.spectrum, real);
  const half = m / 2;
  if (powerScratch.length < half + 1) powerScratch = new Float64Array(half + 1);
  const power = powerScratch.subarray(0, half + 1);
  const scale = 1 / (m * w[n]);
  const s = plan.spectrum;
  for (let k = 0; k <= half; k++) {
    const re = s[2 * k];
    const im = s[2 * k + 1];
    power[k] = (re * re + im * im) * scale * (k === 0 || k === half ? 1 : 2);
  }
  return { m, n, binHz: sampleRate / m, power, window: w };
}

/** Hann-windowed power spectrum of a block (mean removed; zero-padded to a power of two). */
export function powerSpectrum(values: ArrayLike<number>, sampleRate: number): PowerSpectrum {
  const t = transform(values, sampleRate);
  return { power: Float64Array.from(t.power), binHz: t.binHz, size: t.m };
}

let envScratch = new Float64Array(0);
let envPowerScratch = new Float64Array(0);

/** Envelope power spectrum of the transformed block (same bin width as the block's spectrum). */
function envelopeOf(t: Transformed, band: Band | undefined): PowerSpectrum {
  const { m, n, binHz, window: w } = t;
  const half = m / 2;
  // Without a band, demodulate above fs/8: low-frequency content (shaft harmonics) would otherwise
  // beat with the resonance and swamp the defect's modulation.
  const kLo = Math.max(1, band ? Math.ceil(band[0] / binHz) : Math.ceil(half / 4));
  const kHi = Math.min(half - 1, band ? Math.floor(band[1] / binHz) : half - 1);
  if (kHi < kLo) throw new Error(`envelope band ${band?.[0]}-${band?.[1]} Hz holds no frequency bin (bin width ${binHz.toFixed(3)} Hz)`);
  const bins = kHi - kLo + 1;
  // The shifted band needs l >= bins samples; the envelope's own spectrum then folds its components
  // above l/2 down to l - bins and beyond, so only bins below l - bins are kept (alias-free).
  const l = Math.min(m, Math.max(16, nextPowerOfTwo(Math.ceil(1.25 * bins))));
  const valid = Math.min(l / 2, l - bins);
  const spectrum = fftPlan(m).spectrum;
  const plan = fftPlan(l);
  const c = plan.complex;
  for (let j = 0; j < bins; j++) {
    c[2 * j] = 2 * spectrum[2 * (kLo + j)];
    c[2 * j + 1] = 2 * spectrum[2 * (kLo + j) + 1];
  }
  c.fill(0, 2 * bins);
  plan.fft.inverseTransform(plan.complexOut, c);
  // The inverse carries the Hann taper of the block: it is the windowed envelope, w(t) * e(t).
  const step = m / l;
  const gain = l / m;
  if (envScratch.length < l) envScratch = new Float64Array(l);
  const env = envScratch;
  const out = plan.complexOut;
  let sumEnv = 0;
  let sumW = 0;
  let sumW2 = 0;
  for (let j = 0; j < l; j++) {
    const re = out[2 * j];
    const im = out[2 * j + 1];
    env[j] = Math.sqrt(re * re + im * im) * gain;
    const idx = j * step;
    const wj = idx < n ? w[idx] : 0;
    sumEnv += env[j];
    sumW += wj;
    sumW2 += wj * wj;
  }
  // Remove the envelope's mean under the same taper so its DC does not leak into low bins.
  const meanEnv = sumW > 0 ? sumEnv / sumW : 0;
  const real = plan.real;
  for (let j = 0; j < l; j++) {
    const idx = j * step;
    real[j] = env[j] - meanEnv * (idx < n ? w[idx] : 0);
  }
  plan.fft.realTransform(plan.spectrum, real);
  const lh = l / 2;
  if (envPowerScratch.length < valid + 1) envPowerScratch = new Float64Array(valid + 1);
  const power = envPowerScratch.subarray(0, valid + 1);
  const scale = sumW2 > 0 ? 1 / (l * sumW2) : 0;
  const s = plan.spectrum;
  for (let k = 0; k <= valid; k++) {
    const re = s[2 * k];
    const im = s[2 * k + 1];
    power[k] = (re * re + im * im) * scale * (k === 0 || k === lh ? 1 : 2);
  }
  return { power, binHz, size: l };
}

/** Envelope spectrum (Hilbert transform via FFT) of a block, optionally demodulating only a band. */
export function envelopeSpectrum(values: ArrayLike<number>, sampleRate: number, band?: Band): PowerSpectrum {
  const e = envelopeOf(transform(values, sampleRate), band);
  return { ...e, power: Float64Array.from(e.power) };
}

/** Peak bin among k in [from, to], with Gaussian (log-parabolic) interpolation; 0 when flat zero. */
function peakFrequency(power: Float64Array, binHz: number, from: number, to: number): { k: number; hz: number } {
  let best = -1;
  let bestP = 0;
  for (let k = from; k <= to; k++) {
    if (power[k] > bestP) {
      bestP = power[k];
      best = k;
    }
  }
  if (best < 0) return { k: -1, hz: 0 };
  let delta = 0;
  if (best > from && best < to && power[best - 1] > 0 && power[best + 1] > 0) {
    const a = Math.log(power[best - 1]);
    const b = Math.log(bestP);
    const c = Math.log(power[best + 1]);
    const denom = a - 2 * b + c;
    if (denom < 0) delta = Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom));
  }
  return { k: best, hz: (best + delta) * binHz };
}

function sumAround(power: Float64Array, centerBin: number, halfWidth: number): number {
  const lo = Math.max(1, Math.ceil(centerBin - halfWidth));
  const hi = Math.min(power.length - 1, Math.floor(centerBin + halfWidth));
  let sum = 0;
  for (let k = lo; k <= hi; k++) sum += power[k];
  return sum;
}

export interface SpectralContext {
  /** Shaft speed for this block, overriding the options' shaftHz. */
  shaftHz?: number;
}

/**
 * Writes the requested spectral features of a block into out. Bearing energies are left out when
 * no shaft speed is known.
 */
export function spectralFeatures(
  values: ArrayLike<number>,
  sampleRate: number,
  names: readonly SpectralFeature[],
  options: SpectralOptions = {},
  out: Record<string, number> = {},
  prefix = '',
  context: SpectralContext = {},
): Record<string, number> {
  const t = transform(values, sampleRate);
  const { power, binHz, m, n } = t;
  const half = m / 2;
  let moments: { total: number; centroid: number; spread: number; kurtosis: number } | undefined;
  const spectrumMoments = () => {
    if (moments) return moments;
    let total = 0;
    let first = 0;
    for (let k = 1; k <= half; k++) {
      total += power[k];
      first += k * power[k];
    }
    const centroidBin = total > 0 ? first / total : 0;
    let second = 0;
    let fourth = 0;
    for (let k = 1; k <= half; k++) {
      const d = k - centroidBin;
      const d2 = d * d;
      second += d2 * power[k];
      fourth += d2 * d2 * power[k];
    }
    const variance = total > 0 ? second / total : 0;
    moments = {
      total,
      centroid: centroidBin * binHz,
      spread: Math.sqrt(variance) * binHz,
      kurtosis: variance > 0 ? fourth / total / (variance * variance) : 0,
    };
    return moments;
  };
  let envelope: PowerSpectrum | undefined;
  let peak: { k: number; hz: number } | undefined;
  const env = () => (envelope ??= envelopeOf(t, options.envelopeBand));
  const shaftHz = context.shaftHz ?? options.shaftHz;
  const bearing = options.bearing && shaftHz !== undefined && shaftHz > 0 ? bearingFaultFrequencies(shaftHz, options.bearing) : undefined;

  for (const name of names) {
    switch (name) {
      case 'dominantFrequency':
        out[prefix + name] = (peak ??= peakFrequency(power, binHz, 1, half)).hz;
        break;
      case 'dominantAmplitude': {
        peak ??= peakFrequency(power, binHz, 1, half);
        // The Hann main lobe spans +-2 bins of the unpadded block.
        out[prefix + name] = peak.k < 0 ? 0 : Math.sqrt(2 * sumAround(power, peak.k, Math.ceil((2 * m) / n)));
        break;
      }
      case 'spectralCentroid':
        out[prefix + name] = spectrumMoments().centroid;
        break;
      case 'spectralSpread':
        out[prefix + name] = spectrumMoments().spread;
        break;
      case 'spectralKurtosis':
        out[prefix + name] = spectrumMoments().kurtosis;
        break;
      case 'bandEnergy':
        for (const band of options.bands ?? []) {
          const lo = Math.max(0, Math.ceil(band[0] / binHz));
          let sum = 0;
          for (let k = lo; k <= half && k * binHz < band[1]; k++) sum += power[k];
          out[prefix + bandFeatureName(band)] = sum;
        }
        break;
      case 'envelopeDominantFrequency': {
        const e = env();
        out[prefix + name] = peakFrequency(e.power, e.binHz, 1, e.power.length - 1).hz;
        break;
      }
      case 'bpfoEnergy':
      case 'bpfiEnergy':
      case 'bsfEnergy':
      case 'ftfEnergy': {
        if (!bearing) break;
        const defect = name.slice(0, -'Energy'.length) as (typeof BEARING_DEFECTS)[number];
        const e = env();
        const harmonics = options.harmonics ?? 3;
        const tolerance = options.tolerance ?? 0.02;
        let sum = 0;
        for (let h = 1; h <= harmonics; h++) {
          const center = (h * bearing[defect]) / e.binHz;
          if (center >= e.power.length - 1) break;
          sum += sumAround(e.power, center, Math.max(2, tolerance * center));
        }
        out[prefix + name] = sum;
        break;
      }
    }
  }
  return out;
}
