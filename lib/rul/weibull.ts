// Weibull survival model: lifetimes of a component type from observed failure times and censored
// runs (still going, or replaced before failure). Fitted by maximum likelihood; RUL is the
// conditional remaining life given the usage so far.
import { summariseSamples, type RulInterval } from './distribution';

export interface WeibullModel {
  kind: 'rul-weibull';
  shape: number;
  scale: number;
  failures: number;
  censored: number;
}

export interface Lifetime {
  /** Usage at failure or at censoring (hours, cycles...). */
  time: number;
  failed: boolean;
}

/** Profile log-likelihood in the shape k (the scale has a closed form given k). */
function profile(k: number, lifetimes: readonly Lifetime[], r: number, sumLogFailed: number): { ll: number; scale: number } {
  let s = 0;
  for (const l of lifetimes) s += Math.pow(l.time, k);
  const scaleK = s / r;
  const ll = r * Math.log(k) - r * Math.log(scaleK) + (k - 1) * sumLogFailed - r;
  return { ll, scale: Math.pow(scaleK, 1 / k) };
}

export function fitWeibull(lifetimes: readonly Lifetime[]): WeibullModel {
  for (const l of lifetimes) if (!(Number.isFinite(l.time) && l.time > 0)) throw new Error(`Weibull model: every lifetime must be a positive number, got ${l.time}`);
  const r = lifetimes.filter((l) => l.failed).length;
  if (r < 2) throw new Error(`Weibull model: need at least 2 observed failures, got ${r}`);
  // Rescale times so powers stay in range; the shape is scale-free.
  const unit = Math.max(...lifetimes.map((l) => l.time));
  const scaled = lifetimes.map((l) => ({ time: l.time / unit, failed: l.failed }));
  const sumLog = scaled.filter((l) => l.failed).reduce((s, l) => s + Math.log(l.time), 0);
  // Golden-section search on log k over [0.05, 50].
  let lo = Math.log(0.05);
  let hi = Math.log(50);
  const g = (Math.sqrt(5) - 1) / 2;
  let x1 = hi - g * (hi - lo);
  let x2 = lo + g * (hi - lo);
  let f1 = profile(Math.exp(x1), scaled, r, sumLog).ll;
  let f2 = profile(Math.exp(x2), scaled, r, sumLog).ll;
  for (let i = 0; i < 100; i++) {
    if (f1 > f2) {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = profile(Math.exp(x1), scaled, r, sumLog).ll;
    } else {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = profile(Math.exp(x2), scaled, r, sumLog).ll;
    }
  }
  const shape = Math.exp((lo + hi) / 2);
  const { scale } = profile(shape, scaled, r, sumLog);
  return { kind: 'rul-weibull', shape, scale: scale * unit, failures: r, censored: lifetimes.length - r };
}

/** Remaining life x at which the conditional probability of having failed reaches q, given survival to `usage`. */
export function weibullResidualQuantile(model: WeibullModel, usage: number, q: number): number {
  const k = model.shape;
  const u = Math.max(0, usage) / model.scale;
  // S(u + x) / S(u) = 1 - q  =>  ((u + x)/scale)^k = (u/scale)^k - ln(1 - q)
  return model.scale * Math.pow(Math.pow(u, k) - Math.log(1 - q), 1 / k) - Math.max(0, usage);
}

export interface WeibullPrediction extends RulInterval {
  /** Probability of surviving to the current usage: a health index from the fleet's point of view. */
  survival: number;
}

/** Median residual life at `usage`, with the central `confidence` interval of the conditional distribution. */
export function predictWeibull(model: WeibullModel, usage: number, confidence = 0.9): WeibullPrediction {
  if (!Number.isFinite(usage) || usage < 0) throw new Error(`Weibull model: usage must be a number >= 0, got ${usage}`);
  if (!(confidence > 0 && confidence < 1)) throw new Error(`Weibull model: confidence must be in (0, 1), got ${confidence}`);
  const estimate = weibullResidualQuantile(model, usage, 0.5);
  const lower = weibullResidualQuantile(model, usage, (1 - confidence) / 2);
  const upper = weibullResidualQuantile(model, usage, (1 + confidence) / 2);
  const grid = Array.from({ length: 99 }, (_, i) => weibullResidualQuantile(model, usage, (i + 1) / 100));
  return { estimate, lower, upper, confidence, distribution: summariseSamples(grid), survival: Math.exp(-Math.pow(usage / model.scale, model.shape)) };
}
