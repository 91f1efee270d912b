// Spectral features of one block with fft.js: a Hann-windowed power spectrum scaled so that its bins
// sum to the block's mean square (after removing the mean), and the envelope spectrum of the same
// transform. The envelope is the magnitude of the analytic signal (Hilbert transform done in the
// frequency domain: negative frequencies zeroed, positive ones doubled); restricting it to a band
// and shifting that band to 0 Hz before the inverse FFT leaves the magnitude unchanged and lets the
// inverse run at the band's size instead of the block's.
// Speed (a 4096-sample block is budgeted at 0.1 ms): every buffer belongs to a cached plan, so nothing
// is allocated per block; real FFTs run as half-size complex FFTs (see fft-plan); power, its moments'
// sums and the peak come out of one pass; long sums keep several running totals, because one chain
// of additions is bound by their latency.
import { BEARING_DEFECTS, bearingFaultFrequencies, type BearingGeometry } from './bearing';
import { envelopeTaper, fftPlan, hann, nextPowerOfTwo, packedTransform, realSpectrum } from './fft-plan';

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
  /** The plan's power array: bins 0 .. m/2 are this block's. */
  power: Float64Array;
  /** Sum and first moment (in bins) of the power over bins 1 .. m/2, and its peak bin there (-1: none). */
  total: number;
  first: number;
  peakBin: number;
}

/**
 * Windowed FFT of the block into the plan's spectrum array and the one-sided power into the plan's
 * power array; the sums the moments and the peak need are gathered in the same pass.
 */
function transform(values: ArrayLike<number>, sampleRate: number): Transformed {
  const n = values.length;
  if (n < MIN_SPECTRAL_SAMPLES) throw new Error(`spectral features need at least ${MIN_SPECTRAL_SAMPLES} samples, got ${n}`);
  if (!(sampleRate > 0) || !Number.isFinite(sampleRate)) throw new Error(`spectral features need a positive sample rate, got ${sampleRate}`);
  const m = nextPowerOfTwo(n);
  const plan = fftPlan(m);
  const w = hann(n);
  const mean = sumRange(values, 0, n - 1) / n;
  const real = plan.real;
  for (let i = 0; i < n; i++) real[i] = (values[i] - mean) * w[i];
  if (n < m) real.fill(0, n);
  const half = m / 2;
  // realSpectrum with the power, its sums and its peak taken in the same pass (bins k and half - k
  // come from the same four numbers of the packed transform; see fft-plan).
  // The split of realSpectrum (fft-plan.ts) written out again here on purpose: power, moment sums and the
  // peak are taken in the same pass, which the 0.1 ms target needs. test/unit/feature-spectral.test.ts
  // checks both against textbook DFT sums, so a change to one that misses the other fails there.
  const z = packedTransform(plan);
  const tw = plan.twiddle;
  const x = plan.spectrum;
  const power = plan.power;
  const scale = 1 / (m * w[n]);
  // Doubling is exact, so scaling by 2*scale gives the same numbers as scaling, then doubling.
  const scale2 = 2 * scale;
  x[0] = z[0] + z[1];
  x[1] = 0;
  x[m] = z[0] - z[1];
  x[m + 1] = 0;
  power[0] = x[0] * x[0] * scale;
  const pHalf = x[m] * x[m] * scale;
  power[half] = pHalf;
  let total0 = pHalf;
  let total1 = 0;
  let first0 = half * pHalf;
  let first1 = 0;
  // The peak is the lowest bin of the largest power, as an ascending search would find it.
  let peakBin = pHalf > 0 ? half : -1;
  let peakP = pHalf;
  const quarter = half / 2;
  for (let k = 1; k <= quarter; k++) {
    const i = 2 * k;
    const j = m - i;
    const a = z[i];
    const b = z[i + 1];
    const c = z[j];
    const d = z[j + 1];
    const er = a + c;
    const ei = b - d;
    const or = b + d;
    const oi = c - a;
    const cos = tw[i];
    const sin = tw[i + 1];
    const p = cos * or + sin * oi;
    const q = cos * oi - sin * or;
    const xr = 0.5 * (er + p);
    const xi = 0.5 * (ei + q);
    x[i] = xr;
    x[i + 1] = xi;
    const pk = (xr * xr + xi * xi) * scale2;
    power[k] = pk;
    total0 += pk;
    first0 += k * pk;
    if (pk > peakP || (pk === peakP && pk > 0 && k < peakBin)) {
      peakP = pk;
      peakBin = k;
    }
    if (k === quarter) break;
    const yr = 0.5 * (er - p);
    const yi = 0.5 * (q - ei);
    x[j] = yr;
    x[j + 1] = yi;
    const pj = (yr * yr + yi * yi) * scale2;
    const kj = half - k;
    power[kj] = pj;
    total1 += pj;
    first1 += kj * pj;
    if (pj > peakP || (pj === peakP && pj > 0 && kj < peakBin)) {
      peakP = pj;
      peakBin = kj;
    }
  }
  return { m, n, binHz: sampleRate / m, power, total: total0 + total1, first: first0 + first1, peakBin };
}

/** Hann-windowed power spectrum of a block (mean removed; zero-padded to a power of two). */
export function powerSpectrum(values: ArrayLike<number>, sampleRate: number): PowerSpectrum {
  const t = transform(values, sampleRate);
  return { power: t.power.slice(0, t.m / 2 + 1), binHz: t.binHz, size: t.m };
}

interface Envelope extends PowerSpectrum {
  /** Bins 0 .. last of power are the envelope's (the array may be longer). */
  last: number;
  peakBin: number;
}

/** Envelope power spectrum of the transformed block (same bin width as the block's spectrum). */
function envelopeOf(t: Transformed, band: Band | undefined): Envelope {
  const { m, n, binHz } = t;
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
  // The analytic signal is the inverse FFT of the band, doubled: a[j] = (2/l) sum X[k] e^(2 pi i jk/l).
  // The forward FFT of the band holds the same sums at index l - j (mod l), so the envelope is read
  // from it backwards; the factors 2 and l (powers of two, hence exact) go into the gain.
  const c = plan.complex;
  c.set(spectrum.subarray(2 * kLo, 2 * (kHi + 1)));
  c.fill(0, 2 * bins);
  // After the copy: computing a new taper overwrites the plan's spectrum, which is the block's when l = m.
  envelopeTaper(plan, n, m);
  const out = plan.complexOut;
  plan.fft.transform(out, c);
  // The transform carries the Hann taper of the block: it is the windowed envelope, w(t) * e(t).
  const gain = 2 / m;
  const real = plan.real;
  real[0] = Math.sqrt(out[0] * out[0] + out[1] * out[1]) * gain;
  for (let j = 1; j < l; j++) {
    const i = 2 * (l - j);
    const re = out[i];
    const im = out[i + 1];
    real[j] = Math.sqrt(re * re + im * im) * gain;
  }
  const s = realSpectrum(plan, valid);
  const lh = l / 2;
  const power = plan.envelopePower;
  const scale = plan.taperSumSq > 0 ? 1 / (l * plan.taperSumSq) : 0;
  // Remove the envelope's mean under the same taper so its DC does not leak into low bins: by
  // linearity, subtract the mean times the taper's spectrum (its sum is bin 0: the mean is bin 0 of
  // the envelope over bin 0 of the taper).
  const ts = plan.taperSpectrum;
  const meanEnv = plan.taperSum > 0 ? s[0] / plan.taperSum : 0;
  let peakBin = -1;
  let peakP = 0;
  for (let k = 0; k <= valid; k++) {
    const re = s[2 * k] - meanEnv * ts[2 * k];
    const im = s[2 * k + 1] - meanEnv * ts[2 * k + 1];
    const p = (re * re + im * im) * scale * (k === 0 || k === lh ? 1 : 2);
    power[k] = p;
    if (k > 0 && p > peakP) {
      peakP = p;
      peakBin = k;
    }
  }
  return { power, binHz, size: l, last: valid, peakBin };
}

/** Envelope spectrum (Hilbert transform via FFT) of a block, optionally demodulating only a band. */
export function envelopeSpectrum(values: ArrayLike<number>, sampleRate: number, band?: Band): PowerSpectrum {
  const e = envelopeOf(transform(values, sampleRate), band);
  return { power: e.power.slice(0, e.last + 1), binHz: e.binHz, size: e.size };
}

/**
 * Frequency of the peak bin best among k in [from, to], with Gaussian (log-parabolic) interpolation;
 * 0 when there is no peak (flat zero).
 */
function peakFrequency(power: Float64Array, binHz: number, best: number, from: number, to: number): number {
  if (best < 0) return 0;
  const bestP = power[best];
  let delta = 0;
  if (best > from && best < to && power[best - 1] > 0 && power[best + 1] > 0) {
    const a = Math.log(power[best - 1]);
    const b = Math.log(bestP);
    const c = Math.log(power[best + 1]);
    const denom = a - 2 * b + c;
    if (denom < 0) delta = Math.max(-0.5, Math.min(0.5, (0.5 * (a - c)) / denom));
  }
  return (best + delta) * binHz;
}

/** a[lo] + ... + a[hi] (0 when hi < lo), in four running sums: one chain of additions is latency-bound. */
function sumRange(a: ArrayLike<number>, lo: number, hi: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = lo;
  for (; i + 3 <= hi; i += 4) {
    s0 += a[i];
    s1 += a[i + 1];
    s2 += a[i + 2];
    s3 += a[i + 3];
  }
  for (; i <= hi; i++) s0 += a[i];
  return s0 + s1 + (s2 + s3);
}

/** Sum of power over the bins within halfWidth of centerBin, among bins 1 .. last. */
function sumAround(power: Float64Array, last: number, centerBin: number, halfWidth: number): number {
  const lo = Math.max(1, Math.ceil(centerBin - halfWidth));
  const hi = Math.min(last, Math.floor(centerBin + halfWidth));
  let sum = 0;
  for (let k = lo; k <= hi; k++) sum += power[k];
  return sum;
}

interface SpectrumMoments {
  centroid: number;
  spread: number;
  kurtosis: number;
}

function spectrumMoments(t: Transformed): SpectrumMoments {
  const { power, total, binHz } = t;
  const half = t.m / 2;
  const centroidBin = total > 0 ? t.first / total : 0;
  let second0 = 0;
  let second1 = 0;
  let fourth0 = 0;
  let fourth1 = 0;
  // half is even: bins 1 .. half in pairs.
  for (let k = 1; k < half; k += 2) {
    const d0 = k - centroidBin;
    const d1 = d0 + 1;
    const w0 = d0 * d0 * power[k];
    const w1 = d1 * d1 * power[k + 1];
    second0 += w0;
    second1 += w1;
    fourth0 += d0 * d0 * w0;
    fourth1 += d1 * d1 * w1;
  }
  const second = second0 + second1;
  const fourth = fourth0 + fourth1;
  const variance = total > 0 ? second / total : 0;
  return {
    centroid: centroidBin * binHz,
    spread: Math.sqrt(variance) * binHz,
    kurtosis: variance > 0 ? fourth / total / (variance * variance) : 0,
  };
}

const DEFECT_OF: Record<'bpfoEnergy' | 'bpfiEnergy' | 'bsfEnergy' | 'ftfEnergy', (typeof BEARING_DEFECTS)[number]> = {
  bpfoEnergy: 'bpfo',
  bpfiEnergy: 'bpfi',
  bsfEnergy: 'bsf',
  ftfEnergy: 'ftf',
};

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
  // Computed on first use (no closures here: the hot path stays free of per-call function objects).
  let moments: SpectrumMoments | undefined;
  let envelope: Envelope | undefined;
  const shaftHz = context.shaftHz ?? options.shaftHz;
  const bearing = options.bearing && shaftHz !== undefined && shaftHz > 0 ? bearingFaultFrequencies(shaftHz, options.bearing) : undefined;

  for (const name of names) {
    switch (name) {
      case 'dominantFrequency':
        out[prefix + name] = peakFrequency(power, binHz, t.peakBin, 1, half);
        break;
      case 'dominantAmplitude':
        // The Hann main lobe spans +-2 bins of the unpadded block.
        out[prefix + name] = t.peakBin < 0 ? 0 : Math.sqrt(2 * sumAround(power, half, t.peakBin, Math.ceil((2 * m) / n)));
        break;
      case 'spectralCentroid':
        out[prefix + name] = (moments ??= spectrumMoments(t)).centroid;
        break;
      case 'spectralSpread':
        out[prefix + name] = (moments ??= spectrumMoments(t)).spread;
        break;
      case 'spectralKurtosis':
        out[prefix + name] = (moments ??= spectrumMoments(t)).kurtosis;
        break;
      case 'bandEnergy':
        for (const band of options.bands ?? []) {
          const lo = Math.max(0, Math.ceil(band[0] / binHz));
          // The bins k >= lo with k <= half and k * binHz < band[1].
          let hi = Math.min(half, Math.ceil(band[1] / binHz));
          while (hi >= lo && !(hi * binHz < band[1])) hi--;
          out[prefix + bandFeatureName(band)] = sumRange(power, lo, hi);
        }
        break;
      case 'envelopeDominantFrequency': {
        const e = (envelope ??= envelopeOf(t, options.envelopeBand));
        out[prefix + name] = peakFrequency(e.power, e.binHz, e.peakBin, 1, e.last);
        break;
      }
      case 'bpfoEnergy':
      case 'bpfiEnergy':
      case 'bsfEnergy':
      case 'ftfEnergy': {
        if (!bearing) break;
        const e = (envelope ??= envelopeOf(t, options.envelopeBand));
        const defectHz = bearing[DEFECT_OF[name]];
        const harmonics = options.harmonics ?? 3;
        const tolerance = options.tolerance ?? 0.02;
        let sum = 0;
        for (let h = 1; h <= harmonics; h++) {
          const center = (h * defectHz) / e.binHz;
          if (center >= e.last) break;
          sum += sumAround(e.power, e.last, center, Math.max(2, tolerance * center));
        }
        out[prefix + name] = sum;
        break;
      }
    }
  }
  return out;
}
