// One block of spindle vibration (acceleration, g): shaft harmonics, broadband noise and, once the
// outer race is damaged, an impulse at every ball pass (BPFO) ringing a structural resonance and
// modulated by shaft rotation. That is what envelope analysis looks for.
import type { Rng } from './rng';

/** Outer-race defect frequency as a multiple of shaft frequency: 9 balls, ball/pitch diameter 0.25. */
export const BPFO_ORDER = (9 / 2) * (1 - 0.25);
export const WAVEFORM_SAMPLE_RATE = 8192;
export const WAVEFORM_LENGTH = 1024;
const RESONANCE_HZ = 3000;
const RING_DECAY_S = 0.0004;

export interface BlockParams {
  /** Block end, seconds since the plant started (keeps phases continuous from block to block). */
  endTime: number;
  shaftHz: number;
  /** Amplitudes (g) of 1x, 2x, 3x shaft speed. */
  harmonics: readonly number[];
  /** Broadband noise standard deviation, g. */
  noise: number;
  /** Peak of one defect impulse, g (0 = healthy). */
  impulse: number;
  sampleRate?: number;
  length?: number;
}

export function vibrationBlock(rng: Rng, p: BlockParams): number[] {
  const fs = p.sampleRate ?? WAVEFORM_SAMPLE_RATE;
  const n = p.length ?? WAVEFORM_LENGTH;
  const start = p.endTime - n / fs;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const t = start + i / fs;
    let x = p.noise * rng.gaussian();
    for (let h = 0; h < p.harmonics.length; h++) x += p.harmonics[h] * Math.sin(2 * Math.PI * (h + 1) * p.shaftHz * t + h);
    out[i] = x;
  }
  if (p.impulse > 0 && p.shaftHz > 0) addImpulses(rng, out, start, fs, p);
  return out;
}

function addImpulses(rng: Rng, out: number[], start: number, fs: number, p: BlockParams): void {
  const bpfo = BPFO_ORDER * p.shaftHz;
  const period = 1 / bpfo;
  const ringSamples = Math.ceil(6 * RING_DECAY_S * fs);
  const first = Math.floor((start - 6 * RING_DECAY_S) / period);
  const last = Math.ceil((start + out.length / fs) / period);
  for (let k = first; k <= last; k++) {
    // Slip makes real impulses wander a little around the ideal spacing.
    const tk = k * period + 0.01 * period * rng.gaussian();
    const modulation = 1 + 0.5 * Math.cos(2 * Math.PI * p.shaftHz * tk);
    const amplitude = p.impulse * modulation * (1 + 0.1 * rng.gaussian());
    const i0 = Math.max(0, Math.ceil((tk - start) * fs));
    const i1 = Math.min(out.length, i0 + ringSamples);
    for (let i = i0; i < i1; i++) {
      const dt = start + i / fs - tk;
      out[i] += amplitude * Math.exp(-dt / RING_DECAY_S) * Math.sin(2 * Math.PI * RESONANCE_HZ * dt);
    }
  }
}

export function rms(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let sum = 0;
  for (const v of values) sum += v * v;
  return Math.sqrt(sum / values.length);
}
