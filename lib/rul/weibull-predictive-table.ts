// Fast residual-life quantiles of the Bayesian Weibull predictive, for a node that predicts on every
// reading. The posterior changes only when the fleet's lifetimes do, so its log-survival is tabulated
// once on a log-time grid (kept per posterior object). A quantile of the life remaining at age u solves
// ln S(t) = ln S(u) + ln(1 - q): the table brackets t and gives a first guess, and a few safeguarded
// Newton steps on the exact ln S (with its exact slope) finish it, so results match the direct root
// search (weibullPredictiveResidualQuantile) to its own tolerance while costing a handful of survival
// evaluations instead of dozens. Targets outside the table fall back to the direct search.
import { weibullPredictiveResidualQuantile, type WeibullPosterior } from './weibull-predictive';

interface SurvivalTable {
  /** y = ln(t / unit) at each grid point, increasing. */
  ys: Float64Array;
  /** ln S at each grid point, decreasing. */
  lnS: Float64Array;
  /** d ln S / dy at each grid point. */
  slope: Float64Array;
  /** ln S at the last usage asked for: a prediction asks ~40 quantiles at one age. */
  last: { usage: number; lnS: number };
}

/** Grid step in ln t: the table brackets the root and seeds the Newton steps (usually one is left). */
const STEP = 1 / 16;
/** Table starts where S = 1 - this (below, any quantile target lies past the first point)... */
const TOP = 1e-13;
/** ...and ends where S falls below this (older units go to the direct search). */
const BOTTOM = 1e-40;
/** ln t range searched for those ends, from the fleet's own time scale. */
const Y_LIMIT = 700;

const tables = new WeakMap<WeibullPosterior, SurvivalTable>();

/** ln S(t) and its derivative in ln t at y = ln(t / unit), computed without cancellation near S = 1. */
function logSurvival(post: WeibullPosterior, y: number): { lnS: number; slope: number } {
  let s = 0;
  let failed = 0;
  let ds = 0;
  const r = post.failures;
  for (let i = 0; i < post.shapes.length; i++) {
    const w = post.weights[i];
    if (w === 0) continue;
    const k = post.shapes[i];
    const x = k * y - post.logA[i];
    // S_i = exp(-r ln(1 + e^x)); dS_i/dy = -r k sigmoid(x) S_i.
    let softplus: number;
    let sigmoid: number;
    if (x > 30) {
      softplus = x;
      sigmoid = 1;
    } else {
      const ex = Math.exp(x);
      softplus = Math.log1p(ex);
      sigmoid = ex / (1 + ex);
    }
    // 1 - S_i from expm1 where S_i is near 1 (no cancellation), from S_i itself elsewhere.
    const e = -r * softplus;
    let si: number;
    let em: number;
    if (e > -0.5) {
      em = Math.expm1(e);
      si = 1 + em;
    } else {
      si = Math.exp(e);
      em = si - 1;
    }
    s += w * si;
    failed -= w * em;
    ds -= w * r * k * sigmoid * si;
  }
  const lnS = s > 0.5 ? Math.log1p(-failed) : Math.log(s);
  return { lnS, slope: s > 0 ? ds / s : -Infinity };
}

function buildTable(post: WeibullPosterior): SurvivalTable {
  let yLow = 0;
  while (yLow > -Y_LIMIT && logSurvival(post, yLow).lnS < -TOP) yLow -= STEP * 16;
  let yHigh = 0;
  while (yHigh < Y_LIMIT && logSurvival(post, yHigh).lnS > Math.log(BOTTOM)) yHigh += STEP * 16;
  const n = Math.round((yHigh - yLow) / STEP) + 1;
  const ys = new Float64Array(n);
  const lnS = new Float64Array(n);
  const slope = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    ys[j] = yLow + j * STEP;
    const at = logSurvival(post, ys[j]);
    lnS[j] = at.lnS;
    slope[j] = at.slope;
  }
  return { ys, lnS, slope, last: { usage: NaN, lnS: NaN } };
}

function tableOf(post: WeibullPosterior): SurvivalTable {
  let table = tables.get(post);
  if (!table) {
    table = buildTable(post);
    tables.set(post, table);
  }
  return table;
}

/** ln t solving ln S(t) = target within (lo, hi), ln S(lo) > target >= ln S(hi); NaN when it fails. */
function solve(post: WeibullPosterior, target: number, lo: number, hi: number, guess: number): number {
  let y = guess > lo && guess < hi ? guess : (lo + hi) / 2;
  for (let i = 0; i < 60; i++) {
    const { lnS, slope } = logSurvival(post, y);
    const g = lnS - target;
    if (g === 0) return y;
    if (g > 0) lo = y;
    else hi = y;
    const newton = y - g / slope;
    // Newton converges quadratically: from within 1e-7 the step lands within ~1e-13, no check needed.
    if (newton > lo && newton < hi && Math.abs(newton - y) <= 1e-7 * Math.max(1, Math.abs(y))) return newton;
    // Newton while it stays inside the bracket, bisection otherwise.
    const next = newton > lo && newton < hi ? newton : (lo + hi) / 2;
    if (Math.abs(next - y) <= 1e-13 * Math.max(1, Math.abs(y))) return next;
    y = next;
  }
  return NaN;
}

/**
 * First guess of y on grid segment [a, a + 1] where ln S crosses `target`: cubic Hermite of y as a
 * function of z = ln(-ln S) (near linear for a Weibull-like law), with the exact slopes at both ends.
 */
function hermiteGuess(table: SurvivalTable, a: number, target: number): number {
  const { ys, lnS, slope } = table;
  const b = a + 1;
  const za = Math.log(-lnS[a]);
  const zb = Math.log(-lnS[b]);
  const h = zb - za;
  // dy/dz = ln S / (d ln S / dy).
  const da = lnS[a] / slope[a];
  const db = lnS[b] / slope[b];
  if (!(Number.isFinite(za) && Number.isFinite(h) && h > 0 && Number.isFinite(da) && Number.isFinite(db))) return (ys[a] + ys[b]) / 2;
  const s = (Math.log(-target) - za) / h;
  const s2 = s * s;
  const s3 = s2 * s;
  return (2 * s3 - 3 * s2 + 1) * ys[a] + (s3 - 2 * s2 + s) * h * da + (-2 * s3 + 3 * s2) * ys[b] + (s3 - s2) * h * db;
}

/**
 * Remaining life x with P(T <= usage + x | T > usage) = q, as weibullPredictiveResidualQuantile gives it
 * (to about 1e-7 of the result), from a table built once per posterior object.
 */
export function tabulatedResidualQuantile(post: WeibullPosterior, usage: number, q: number): number {
  const u = Math.max(0, usage);
  const table = tableOf(post);
  const { ys, lnS } = table;
  const yu = u > 0 ? Math.log(u / post.unit) : -Infinity;
  if (table.last.usage !== u) table.last = { usage: u, lnS: u > 0 ? logSurvival(post, yu).lnS : 0 };
  const atU = table.last.lnS;
  const target = atU + Math.log1p(-q);
  const n = ys.length;
  if (!(q > 0 && q < 1) || !Number.isFinite(target) || target > lnS[0] || target <= lnS[n - 1]) return weibullPredictiveResidualQuantile(post, usage, q);
  // First grid point at or below the target (lnS decreases).
  let a = 0;
  let b = n - 1;
  while (b - a > 1) {
    const m = (a + b) >> 1;
    if (lnS[m] > target) a = m;
    else b = m;
  }
  const lo = Math.max(ys[a], yu);
  const hi = ys[b];
  const y = solve(post, target, lo, hi, hermiteGuess(table, a, target));
  if (!Number.isFinite(y)) return weibullPredictiveResidualQuantile(post, usage, q);
  const x = post.unit * Math.exp(y) - u;
  // Below a billionth of the fleet's time scale a residual life is as good as zero (as the direct search).
  return x <= 1e-9 * Math.max(post.unit, u) ? 0 : x;
}
