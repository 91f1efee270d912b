// Weibull lifetime with parameter uncertainty: the Bayesian predictive distribution of a new unit's
// life given a few observed failures (and censored runs). A point fit from three lifetimes pretends to
// know the shape and scale and gives far too narrow an interval; integrating over them does not.
//
// Log-lifetimes follow a smallest-extreme-value law with location mu = ln(scale) and scale
// sigma = 1/shape. Prior p(mu, sigma) ∝ 1/sigma (the right-invariant prior of a location-scale family,
// whose predictive intervals keep their stated coverage). With theta = scale^-shape the posterior of
// theta given sigma is Gamma(r, A(sigma)), r failures, A = sum over all runs of time^shape, so mu
// integrates out in closed form and only sigma needs a (1-D, log-spaced) grid:
//   p(sigma | data) ∝ sigma^-r exp(sum_failed ln t / sigma) A^-r
//   P(T > t | data, sigma) = (A / (A + t^shape))^r
// RUL given survival to `usage` conditions the same mixture on T > usage. The prior is truncated to a
// range of shapes (default 0.5..50, see WeibullPosteriorOptions).
import { summariseSamples } from './distribution';
import type { Lifetime, WeibullPrediction } from './weibull';

export interface WeibullPosterior {
  kind: 'rul-weibull-posterior';
  /** Grid of shapes (1/sigma) with normalised posterior weights and ln A for each. */
  shapes: number[];
  weights: number[];
  logA: number[];
  failures: number;
  censored: number;
  /** Times are stored divided by this (so powers stay in range). */
  unit: number;
}

const GRID = 200;

function logSumExp(xs: readonly number[]): number {
  const m = Math.max(...xs);
  if (m === -Infinity) return m;
  let s = 0;
  for (const x of xs) s += Math.exp(x - m);
  return m + Math.log(s);
}

export interface WeibullPosteriorOptions {
  /**
   * Smallest shape the prior allows. Default 0.5: no strong infant mortality, as for wearing parts.
   * With 3 failures its 90 % intervals covered 85-89 % of new lifetimes drawn with true shapes 1-3
   * (simulation); 0.05 (the plain reference prior) covered 90 % at any shape but its upper bounds run
   * to thousands of lives; 1 (wear-out) is narrower still and covered only 72-87 %.
   */
  minShape?: number;
  /** Largest shape the prior allows (default 50). */
  maxShape?: number;
}

export function fitWeibullPosterior(lifetimes: readonly Lifetime[], options: WeibullPosteriorOptions = {}): WeibullPosterior {
  const minShape = options.minShape ?? 0.5;
  const maxShape = options.maxShape ?? 50;
  if (!(minShape > 0 && maxShape > minShape && Number.isFinite(maxShape))) throw new Error(`Weibull model: need 0 < minShape < maxShape, got ${minShape} and ${maxShape}`);
  const sigmaMin = 1 / maxShape;
  const sigmaMax = 1 / minShape;
  for (const l of lifetimes) if (!(Number.isFinite(l.time) && l.time > 0)) throw new Error(`Weibull model: every lifetime must be a positive number, got ${l.time}`);
  const r = lifetimes.filter((l) => l.failed).length;
  if (r < 2) throw new Error(`Weibull model: need at least 2 observed failures, got ${r}`);
  const unit = Math.max(...lifetimes.map((l) => l.time));
  const ys = lifetimes.map((l) => Math.log(l.time / unit));
  const sumFailed = lifetimes.reduce((s, l, i) => s + (l.failed ? ys[i] : 0), 0);
  const shapes: number[] = [];
  const logW: number[] = [];
  const logA: number[] = [];
  for (let i = 0; i < GRID; i++) {
    const sigma = sigmaMin * Math.pow(sigmaMax / sigmaMin, i / (GRID - 1));
    const la = logSumExp(ys.map((y) => y / sigma));
    shapes.push(1 / sigma);
    logA.push(la);
    // + ln sigma: the grid is uniform in ln sigma, so d sigma = sigma d ln sigma.
    logW.push(-r * Math.log(sigma) + sumFailed / sigma - r * la + Math.log(sigma));
  }
  const norm = logSumExp(logW);
  // Grid points without posterior mass only cost time later.
  const keep = logW.map((w, i) => (w - norm > -40 ? i : -1)).filter((i) => i >= 0);
  return {
    kind: 'rul-weibull-posterior',
    shapes: keep.map((i) => shapes[i]),
    weights: keep.map((i) => Math.exp(logW[i] - norm)),
    logA: keep.map((i) => logA[i]),
    failures: r,
    censored: lifetimes.length - r,
    unit,
  };
}

/** Posterior-predictive probability that a new unit outlives `time` (time in the original unit). */
export function weibullPredictiveSurvival(post: WeibullPosterior, time: number): number {
  if (time <= 0) return 1;
  const lt = Math.log(time / post.unit);
  let s = 0;
  for (let i = 0; i < post.shapes.length; i++) {
    if (post.weights[i] === 0) continue;
    // (A / (A + t^k))^r = exp(-r ln(1 + exp(k ln t - ln A)))
    const x = post.shapes[i] * lt - post.logA[i];
    const log1p = x > 30 ? x : Math.log1p(Math.exp(x));
    s += post.weights[i] * Math.exp(-post.failures * log1p);
  }
  return s;
}

/** Remaining life x with P(T <= usage + x | T > usage) = q. */
export function weibullPredictiveResidualQuantile(post: WeibullPosterior, usage: number, q: number): number {
  const u = Math.max(0, usage);
  const s0 = weibullPredictiveSurvival(post, u);
  if (!(s0 > 0)) return 0;
  const target = (1 - q) * s0;
  let hi = Math.max(post.unit, u);
  // Below a billionth of the fleet's time scale a residual life is as good as zero.
  let lo = 1e-9 * hi;
  if (weibullPredictiveSurvival(post, u + lo) <= target) return 0;
  // The predictive tail is heavy with few failures: widen until the quantile is bracketed.
  for (let i = 0; i < 200 && weibullPredictiveSurvival(post, u + hi) > target; i++) hi *= 2;
  for (let i = 0; i < 100 && hi - lo > 1e-7 * hi; i++) {
    // Bisect on a log scale while the bracket is wide in ratio: quantiles span orders of magnitude.
    const mid = hi / lo > 4 ? Math.sqrt(lo * hi) : (lo + hi) / 2;
    if (weibullPredictiveSurvival(post, u + mid) > target) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export type ResidualQuantile = (post: WeibullPosterior, usage: number, q: number) => number;

/**
 * Median residual life at `usage` with the central `confidence` interval of the predictive distribution.
 * `quantile` defaults to the direct root search; per-reading callers pass tabulatedResidualQuantile
 * (weibull-predictive-table.ts), which gives the same quantiles from a table kept per posterior.
 */
export function predictWeibullPosterior(post: WeibullPosterior, usage: number, confidence = 0.9, quantile: ResidualQuantile = weibullPredictiveResidualQuantile): WeibullPrediction {
  if (!Number.isFinite(usage) || usage < 0) throw new Error(`Weibull model: usage must be a number >= 0, got ${usage}`);
  if (!(confidence > 0 && confidence < 1)) throw new Error(`Weibull model: confidence must be in (0, 1), got ${confidence}`);
  // The median and the usual interval ends are also grid quantiles: each is searched once.
  const known = new Map<number, number>();
  const q = (p: number) => {
    let v = known.get(p);
    if (v === undefined) known.set(p, (v = quantile(post, usage, p)));
    return v;
  };
  // The distribution summary from a 2.5 % quantile grid: each quantile is a root search.
  const grid = Array.from({ length: 39 }, (_, i) => q((i + 1) / 40));
  return {
    estimate: q(0.5),
    lower: q((1 - confidence) / 2),
    upper: q((1 + confidence) / 2),
    confidence,
    distribution: summariseSamples(grid),
    survival: weibullPredictiveSurvival(post, usage),
  };
}
