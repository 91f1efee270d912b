// FFT plans from fft.js, cached per size, with the Hann window and the scratch buffers each size needs,
// so that a spectral feature set allocates nothing per block. A real signal of size N is transformed as
// a complex one of N/2 (even samples as real parts, odd ones as imaginary parts), then split into the
// real signal's spectrum: about a quarter faster than fft.js's realTransform at the sizes used here.
import FFT = require('fft.js');

export interface FftPlan {
  size: number;
  fft: FFT;
  /** Complex input of size numbers pairs, and fft.js's output (fastest as a plain array). */
  complex: Float64Array;
  complexOut: number[];
  /** A real signal of size samples, and its one-sided spectrum X[0 .. size/2] (re, im pairs). */
  real: Float64Array;
  spectrum: Float64Array;
  /** cos and sin of 2 pi k / size for k = 0 .. size/2 (re, im pairs), for the split; empty until used. */
  twiddle: Float64Array;
  /** One-sided power of a block transformed at this size (size/2 + 1 bins). */
  power: Float64Array;
  /** One-sided power of an envelope transformed at this size (kept apart: the sizes may coincide). */
  envelopePower: Float64Array;
  /** The block's Hann window sampled at this size's envelope points, for blocks of taperN samples. */
  taper: Float64Array;
  taperN: number;
  taperSum: number;
  taperSumSq: number;
  /** The taper's one-sided spectrum (re, im pairs). */
  taperSpectrum: Float64Array;
}

const plans = new Map<number, FftPlan>();

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 2 && (n & (n - 1)) === 0;
}

export function nextPowerOfTwo(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

export function fftPlan(size: number): FftPlan {
  let plan = plans.get(size);
  if (!plan) {
    if (!isPowerOfTwo(size)) throw new Error(`FFT size must be a power of two >= 2, got ${size}`);
    const fft = new FFT(size);
    plan = {
      size,
      fft,
      complex: new Float64Array(2 * size),
      complexOut: fft.createComplexArray() as number[],
      real: new Float64Array(size),
      spectrum: new Float64Array(size + 2),
      twiddle: new Float64Array(0),
      power: new Float64Array(size / 2 + 1),
      // The envelope's buffers are allocated on first use (envelopeTaper).
      envelopePower: new Float64Array(0),
      taper: new Float64Array(0),
      taperN: -1,
      taperSum: 0,
      taperSumSq: 0,
      taperSpectrum: new Float64Array(0),
    };
    plans.set(size, plan);
  }
  return plan;
}

/**
 * One-sided spectrum X[0 .. last] (last <= size/2) of the real signal in plan.real, into plan.spectrum.
 * With z[j] = x[2j] + i x[2j+1] and Z its FFT of size M = size/2, E = (Z[k] + conj Z[M-k]) / 2 and
 * O = (Z[k] - conj Z[M-k]) / 2i: X[k] = E + e^(-2 pi i k / size) O. X[M-k] needs the same four numbers
 * (E conjugated, O conjugated and turned the other way), so a full spectrum is done in pairs.
 */
export function realSpectrum(plan: FftPlan, last: number): Float64Array {
  const size = plan.size;
  const m = size / 2;
  const z = packedTransform(plan);
  const x = plan.spectrum;
  const tw = plan.twiddle;
  // k = 0 and k = M: the sums of the even and odd samples, added and subtracted.
  x[0] = z[0] + z[1];
  x[1] = 0;
  if (last >= m) {
    x[size] = z[0] - z[1];
    x[size + 1] = 0;
  }
  const pairs = last >= m;
  const top = pairs ? m / 2 : last;
  for (let k = 1; k <= top; k++) {
    const i = 2 * k;
    const j = size - i;
    const a = z[i];
    const b = z[i + 1];
    const c = z[j];
    const d = z[j + 1];
    // 2E = (er, ei), 2O = (or, oi); P and Q: 2O turned by e^(-2 pi i k / size).
    const er = a + c;
    const ei = b - d;
    const or = b + d;
    const oi = c - a;
    const cos = tw[i];
    const sin = tw[i + 1];
    const p = cos * or + sin * oi;
    const q = cos * oi - sin * or;
    x[i] = 0.5 * (er + p);
    x[i + 1] = 0.5 * (ei + q);
    if (pairs) {
      x[j] = 0.5 * (er - p);
      x[j + 1] = 0.5 * (q - ei);
    }
  }
  return x;
}

/**
 * The first half of realSpectrum: Z, the FFT of size/2 of plan.real read as complex pairs, in the
 * half-size plan's output array; plan.twiddle is ready for the split afterwards.
 */
export function packedTransform(plan: FftPlan): number[] {
  if (plan.twiddle.length === 0) plan.twiddle = twiddles(plan.size);
  const halfPlan = fftPlan(plan.size / 2);
  halfPlan.fft.transform(halfPlan.complexOut, plan.real);
  return halfPlan.complexOut;
}

/** cos and sin of 2 pi k / size for k = 0 .. size/2, exact at the quarter and half turns. */
function twiddles(size: number): Float64Array {
  const m = size / 2;
  const tw = new Float64Array(size + 2);
  for (let k = 0; k <= m; k++) {
    tw[2 * k] = Math.cos((2 * Math.PI * k) / size);
    tw[2 * k + 1] = Math.sin((2 * Math.PI * k) / size);
  }
  tw[m] = 0;
  tw[m + 1] = 1;
  tw[size] = -1;
  tw[size + 1] = 0;
  return tw;
}

// Blocks of time windows vary in length: keep the windows of the most recent lengths only.
const HANN_CACHE_LIMIT = 32;
const hannCache = new Map<number, Float64Array>();

/** Periodic Hann window of length n, and the sum of its squares at index n (for power scaling). */
export function hann(n: number): Float64Array {
  let w = hannCache.get(n);
  if (!w) {
    w = new Float64Array(n + 1);
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
      sumSq += w[i] * w[i];
    }
    w[n] = sumSq;
    if (hannCache.size >= HANN_CACHE_LIMIT) hannCache.delete(hannCache.keys().next().value as number);
    hannCache.set(n, w);
  }
  return w;
}

/**
 * The Hann window of an n-sample block (zero-padded to blockSize) sampled every blockSize/plan.size
 * samples into plan.taper, with its sum, sum of squares and spectrum; cached for the last n per plan.
 * Uses plan.real and plan.spectrum (and the half-size plan's output) as scratch.
 */
export function envelopeTaper(plan: FftPlan, n: number, blockSize: number): FftPlan {
  if (plan.taperN === n) return plan;
  const w = hann(n);
  const l = plan.size;
  if (plan.taper.length === 0) {
    plan.taper = new Float64Array(l);
    plan.taperSpectrum = new Float64Array(l + 2);
    plan.envelopePower = new Float64Array(l / 2 + 1);
  }
  const step = blockSize / l;
  const taper = plan.taper;
  let sum = 0;
  let sumSq = 0;
  for (let j = 0; j < l; j++) {
    const idx = j * step;
    const wj = idx < n ? w[idx] : 0;
    taper[j] = wj;
    sum += wj;
    sumSq += wj * wj;
  }
  plan.real.set(taper);
  plan.taperSpectrum.set(realSpectrum(plan, l / 2));
  plan.taperN = n;
  plan.taperSum = sum;
  plan.taperSumSq = sumSq;
  return plan;
}
