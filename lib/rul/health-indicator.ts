// Health indicators built from plain level signals (mean |vibration|, temperature, current...):
// a component's level relative to its own early baseline, divided by the same ratio of its peers on the
// same machine or test rig at the same moment. Dividing by the peers removes what they all share (load,
// speed, a sensor or rig change), so what is left is what this component does differently: wear.
// Everything is causal: a value uses only samples up to its own time.
import { median } from './distribution';

export interface RelativeIndicatorOptions {
  /** Samples that form each signal's baseline (the running mean of the first `baseline` samples). */
  baseline: number;
  /** Exponential smoothing weight of each new value (1 = no smoothing). */
  smoothing: number;
}

/** Ratio of each sample to the running mean of the signal's first `baseline` samples. */
export function ratioToBaseline(signal: readonly number[], baseline: number): number[] {
  if (!(Number.isInteger(baseline) && baseline >= 1)) throw new Error(`health indicator: baseline must be an integer >= 1, got ${baseline}`);
  let sum = 0;
  let n = 0;
  return signal.map((v, i) => {
    if (!Number.isFinite(v)) throw new Error(`health indicator: sample ${i} is not a finite number (${v})`);
    if (i < baseline) {
      sum += v;
      n++;
    }
    const base = sum / n;
    if (!(base > 0)) throw new Error('health indicator: the baseline level must be positive');
    return v / base;
  });
}

/**
 * The indicator of `own`: its ratio to baseline over the median ratio of `peers` (sampled at the same
 * moments), exponentially smoothed. No peers: the smoothed ratio to baseline alone.
 */
export function relativeIndicator(own: readonly number[], peers: readonly (readonly number[])[], options: RelativeIndicatorOptions): number[] {
  const { baseline, smoothing } = options;
  if (!(smoothing > 0 && smoothing <= 1)) throw new Error(`health indicator: smoothing must be in (0, 1], got ${smoothing}`);
  for (const p of peers) if (p.length !== own.length) throw new Error(`health indicator: every peer needs ${own.length} samples, got ${p.length}`);
  const ownRatio = ratioToBaseline(own, baseline);
  const peerRatios = peers.map((p) => ratioToBaseline(p, baseline));
  let level = NaN;
  return ownRatio.map((r, i) => {
    const v = peerRatios.length === 0 ? r : r / median(peerRatios.map((p) => p[i]));
    level = Number.isNaN(level) ? v : smoothing * v + (1 - smoothing) * level;
    return level;
  });
}

/** Index of the first value at or above `level`, or -1. */
export function onsetIndex(indicator: readonly number[], level: number): number {
  return indicator.findIndex((v) => v >= level);
}
