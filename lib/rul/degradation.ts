// Degradation models of a health indicator (HI) drifting toward a failure threshold, as in MATLAB's
// Predictive Maintenance Toolbox, built on a conjugate Bayesian line fit:
//   linear:       HI(t) = a + b t + e
//   exponential:  HI(t) = offset + exp(a + b t + e)   (fitted as log(HI - offset) = a + b t + e)
// The prior on (a, b, noise) comes from fleet history (fitDegradationPrior) or is weak by default;
// every observation updates the posterior exactly. RUL is when the line crosses the threshold:
// the posterior-mean line gives the estimate, posterior samples give the interval and distribution.
import { addObservation, discountStats, emptyStats, gammaDraw, normalDraw, posterior, sampleLines, type LinePrior, type LineStats } from './bayes-linear';
import { intervalFromSamples, type RulInterval } from './distribution';
import { seededRandom } from '../shared/seeded-random';

export type DegradationKind = 'linear' | 'exponential';

export interface DegradationConfig {
  kind: DegradationKind;
  /** HI value at which the component is considered failed. */
  threshold: number;
  /** Exponential model only: the level HI decays to / grows from (HI - offset must stay positive). */
  offset?: number;
  prior?: LinePrior;
  /** RUL reported when the fitted path never reaches the threshold. */
  maxRul?: number;
  /** Posterior samples for the interval. */
  samples?: number;
  /**
   * Forgetting: an observation's weight halves every `halfLife` time units, so the fit follows a path
   * that bends (wear accelerating) and its interval stays honest. Undefined = remember everything.
   */
  halfLife?: number;
  /**
   * HI values at which fleet units failed. With MIN_FAILURE_LEVELS or more, the threshold itself is
   * uncertain: every posterior draw crosses its own threshold, drawn from the Student-t predictive of
   * these levels (on the model's scale), so the interval carries the fleet's spread of failure levels
   * too. Fewer are ignored (the threshold is taken as known).
   */
  failureLevels?: number[];
}

export interface DegradationState {
  kind: DegradationKind;
  threshold: number;
  offset: number;
  prior: LinePrior;
  maxRul: number;
  samples: number;
  halfLife: number | null;
  failureLevels?: number[];
  stats: LineStats;
  firstT: number | null;
  lastT: number | null;
  firstHi: number | null;
  lastHi: number | null;
}

export interface DegradationPrediction extends RulInterval {
  /** 1 = as when first seen, 0 = at the threshold. */
  healthIndex: number;
  /** Fitted HI at the last observation. */
  fittedHi: number;
  observations: number;
}

/**
 * Failure levels needed before their spread is used. With 2 the Student-t has 1 degree of freedom (a
 * Cauchy): its tails put draws of the threshold behind the current HI or far beyond it, and the interval
 * collapses to [0, far away]. From 3 (2 degrees of freedom) the tails are heavy but usable.
 */
export const MIN_FAILURE_LEVELS = 3;

export const WEAK_PRIOR: LinePrior = { mean: [0, 0], cov: [[1e8, 0], [0, 1e8]], shape: 0.5, scale: 1e-8 };

/** Smallest positive distance kept above the exponential offset, so the log stays finite. */
const TINY = 1e-12;

function transform(kind: DegradationKind, offset: number, hi: number): number {
  return kind === 'linear' ? hi : Math.log(Math.max(TINY, hi - offset));
}

function untransform(kind: DegradationKind, offset: number, y: number): number {
  return kind === 'linear' ? y : offset + Math.exp(y);
}

export function createDegradation(config: DegradationConfig): DegradationState {
  if (config.kind !== 'linear' && config.kind !== 'exponential') throw new Error(`degradation model: unknown kind "${String(config.kind)}"`);
  if (!Number.isFinite(config.threshold)) throw new Error('degradation model: threshold must be a finite number');
  const offset = config.offset ?? 0;
  if (!Number.isFinite(offset)) throw new Error('degradation model: offset must be a finite number');
  if (config.halfLife !== undefined && !(config.halfLife > 0)) throw new Error(`degradation model: halfLife must be > 0, got ${config.halfLife}`);
  for (const l of config.failureLevels ?? []) {
    if (!Number.isFinite(l) || (config.kind === 'exponential' && l <= offset)) throw new Error(`degradation model: failure levels must be finite${config.kind === 'exponential' ? ' and above the offset' : ''}, got ${l}`);
  }
  if (config.kind === 'exponential' && config.threshold === offset) throw new Error('degradation model: the threshold must differ from the exponential offset');
  return {
    kind: config.kind,
    threshold: config.threshold,
    offset,
    prior: config.prior ?? WEAK_PRIOR,
    maxRul: config.maxRul ?? 1e6,
    samples: config.samples ?? 2000,
    halfLife: config.halfLife ?? null,
    ...(config.failureLevels && config.failureLevels.length >= MIN_FAILURE_LEVELS ? { failureLevels: [...config.failureLevels] } : {}),
    stats: emptyStats(),
    firstT: null,
    lastT: null,
    firstHi: null,
    lastHi: null,
  };
}

/** Adds one HI observation at time t (any unit, increasing). */
export function updateDegradation(state: DegradationState, t: number, hi: number): void {
  if (!Number.isFinite(t) || !Number.isFinite(hi)) throw new Error(`degradation model: time and health indicator must be finite numbers, got ${t} and ${hi}`);
  if (state.lastT !== null && t < state.lastT) throw new Error(`degradation model: time went backwards (${t} after ${state.lastT})`);
  if (state.halfLife !== null && state.lastT !== null) discountStats(state.stats, Math.pow(0.5, (t - state.lastT) / state.halfLife));
  addObservation(state.stats, t, transform(state.kind, state.offset, hi));
  if (state.firstT === null) {
    state.firstT = t;
    state.firstHi = hi;
  }
  state.lastT = t;
  state.lastHi = hi;
}

/** Thresholds (model scale) from the Student-t predictive of the fleet's failure levels, or null. */
function thresholdDraws(state: DegradationState, count: number): number[] | null {
  const levels = state.failureLevels?.map((l) => transform(state.kind, state.offset, l));
  if (!levels || levels.length < MIN_FAILURE_LEVELS) return null;
  const n = levels.length;
  const mean = levels.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(levels.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1));
  const scale = sd * Math.sqrt(1 + 1 / n);
  const nu = n - 1;
  const random = seededRandom(11 + n);
  return Array.from({ length: count }, () => mean + scale * normalDraw(random) / Math.sqrt((2 * gammaDraw(nu / 2, random)) / nu));
}

/** Time from `now` until the line a + b t reaches level Y; 0 when already past, maxRul when never. */
function crossing(a: number, b: number, Y: number, now: number, rising: boolean, maxRul: number): number {
  const current = a + b * now;
  if (rising ? current >= Y : current <= Y) return 0;
  if (rising ? b <= 0 : b >= 0) return maxRul;
  const dt = (Y - a) / b - now;
  return Math.min(maxRul, Math.max(0, dt));
}

/** RUL draws from the posterior (and from the failure-level spread when there is one). */
export function degradationRulSamples(state: DegradationState): number[] {
  if (state.lastT === null || state.firstHi === null) throw new Error('degradation model: no health indicator observed yet');
  const post = posterior(state.prior, state.stats);
  const Y = transform(state.kind, state.offset, state.threshold);
  const rising = state.threshold > state.firstHi;
  const draws = sampleLines(post, state.samples, 7 + state.stats.n);
  const thresholds = thresholdDraws(state, draws.length);
  const now = state.lastT;
  return draws.map(([a, b], i) => crossing(a, b, thresholds ? thresholds[i] : Y, now, rising, state.maxRul));
}

export function predictDegradation(state: DegradationState, confidence = 0.9): DegradationPrediction {
  if (state.lastT === null || state.firstHi === null) throw new Error('degradation model: no health indicator observed yet');
  if (!(confidence > 0 && confidence < 1)) throw new Error(`degradation model: confidence must be in (0, 1), got ${confidence}`);
  const post = posterior(state.prior, state.stats);
  const Y = transform(state.kind, state.offset, state.threshold);
  const now = state.lastT;
  // Whether the threshold lies above the HI's path: judged from the first observation (as new).
  const rising = state.threshold > state.firstHi;
  const estimate = crossing(post.mean[0], post.mean[1], Y, now, rising, state.maxRul);
  const rul = degradationRulSamples(state);
  const fittedHi = untransform(state.kind, state.offset, post.mean[0] + post.mean[1] * now);
  const span = state.threshold - state.firstHi;
  const healthIndex = span === 0 ? 0 : Math.min(1, Math.max(0, (state.threshold - fittedHi) / span));
  return { ...intervalFromSamples(rul, estimate, confidence), healthIndex, fittedHi, observations: state.stats.n };
}

/** Least-squares line and residual variance of one transformed history. */
function olsLine(t: readonly number[], y: readonly number[]): { a: number; b: number; noise: number } {
  const n = t.length;
  let mt = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mt += t[i];
    my += y[i];
  }
  mt /= n;
  my /= n;
  let stt = 0;
  let sty = 0;
  for (let i = 0; i < n; i++) {
    stt += (t[i] - mt) ** 2;
    sty += (t[i] - mt) * (y[i] - my);
  }
  const b = stt > 0 ? sty / stt : 0;
  const a = my - b * mt;
  let r = 0;
  for (let i = 0; i < n; i++) r += (y[i] - a - b * t[i]) ** 2;
  return { a, b, noise: n > 2 ? r / (n - 2) : 0 };
}

/** A prior from fleet histories (time, HI) of the same component, as MATLAB's fit() does. */
export function fitDegradationPrior(kind: DegradationKind, histories: readonly { t: readonly number[]; hi: readonly number[] }[], offset = 0): LinePrior {
  const fits = histories
    .filter((h) => h.t.length >= 3 && h.t.length === h.hi.length)
    .map((h) => olsLine(h.t, h.hi.map((v) => transform(kind, offset, v))));
  if (fits.length === 0) throw new Error('degradation prior: need at least one history of 3 or more points');
  const noise = Math.max(1e-12, fits.reduce((s, f) => s + f.noise, 0) / fits.length);
  const ma = fits.reduce((s, f) => s + f.a, 0) / fits.length;
  const mb = fits.reduce((s, f) => s + f.b, 0) / fits.length;
  let caa = 0;
  let cab = 0;
  let cbb = 0;
  for (const f of fits) {
    caa += (f.a - ma) ** 2;
    cab += (f.a - ma) * (f.b - mb);
    cbb += (f.b - mb) ** 2;
  }
  const d = Math.max(1, fits.length - 1);
  // With one history (or identical ones) the spread is unknown: allow 50 % of the parameter size.
  caa = Math.max(caa / d, (0.5 * ma) ** 2, 1e-12);
  cbb = Math.max(cbb / d, (0.5 * mb) ** 2, 1e-12);
  cab = Math.max(-0.99 * Math.sqrt(caa * cbb), Math.min(0.99 * Math.sqrt(caa * cbb), cab / d));
  return { mean: [ma, mb], cov: [[caa / noise, cab / noise], [cab / noise, cbb / noise]], shape: 2, scale: noise };
}
