// FFT plans from fft.js, cached per size, with the Hann window and scratch buffers each size needs.
import FFT = require('fft.js');

export interface FftPlan {
  size: number;
  fft: FFT;
  /** Complex scratch arrays of 2*size numbers (fft.js is fastest on plain arrays). */
  spectrum: number[];
  complex: number[];
  complexOut: number[];
  real: Float64Array;
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
      spectrum: fft.createComplexArray() as number[],
      complex: fft.createComplexArray() as number[],
      complexOut: fft.createComplexArray() as number[],
      real: new Float64Array(size),
    };
    plans.set(size, plan);
  }
  return plan;
}

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
    hannCache.set(n, w);
  }
  return w;
}
