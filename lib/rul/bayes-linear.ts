// Bayesian straight-line regression y = a + b t + e with a Normal-Inverse-Gamma prior on (a, b, s^2),
// updated online from sufficient statistics. Conjugate, so every update is exact and O(1).
import { seededRandom } from '../shared/seeded-random';

export interface LinePrior {
  /** Prior mean of [intercept, slope]. */
  mean: [number, number];
  /** Prior covariance of [intercept, slope] per unit noise variance (scaled by s^2). */
  cov: [[number, number], [number, number]];
  /** Inverse-gamma shape and scale of the noise variance s^2. */
  shape: number;
  scale: number;
}

export interface LineStats {
  n: number;
  st: number;
  stt: number;
  sy: number;
  sty: number;
  syy: number;
}

export interface LinePosterior {
  mean: [number, number];
  /** Covariance per unit noise variance. */
  cov: [[number, number], [number, number]];
  shape: number;
  scale: number;
}

export const emptyStats = (): LineStats => ({ n: 0, st: 0, stt: 0, sy: 0, sty: 0, syy: 0 });

/** Down-weights everything seen so far by `factor` (0..1): exponential forgetting for drifting paths. */
export function discountStats(s: LineStats, factor: number): void {
  s.n *= factor;
  s.st *= factor;
  s.stt *= factor;
  s.sy *= factor;
  s.sty *= factor;
  s.syy *= factor;
}

export function addObservation(s: LineStats, t: number, y: number): void {
  s.n++;
  s.st += t;
  s.stt += t * t;
  s.sy += y;
  s.sty += t * y;
  s.syy += y * y;
}

function inv2(m: [[number, number], [number, number]]): [[number, number], [number, number]] {
  const det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
  if (!(Math.abs(det) > 0)) throw new Error('degradation model: singular prior covariance');
  return [
    [m[1][1] / det, -m[0][1] / det],
    [-m[1][0] / det, m[0][0] / det],
  ];
}

export function posterior(prior: LinePrior, s: LineStats): LinePosterior {
  const p0 = inv2(prior.cov);
  const P: [[number, number], [number, number]] = [
    [p0[0][0] + s.n, p0[0][1] + s.st],
    [p0[1][0] + s.st, p0[1][1] + s.stt],
  ];
  const cov = inv2(P);
  const m0 = prior.mean;
  const r0 = p0[0][0] * m0[0] + p0[0][1] * m0[1] + s.sy;
  const r1 = p0[1][0] * m0[0] + p0[1][1] * m0[1] + s.sty;
  const mean: [number, number] = [cov[0][0] * r0 + cov[0][1] * r1, cov[1][0] * r0 + cov[1][1] * r1];
  const q0 = m0[0] * (p0[0][0] * m0[0] + p0[0][1] * m0[1]) + m0[1] * (p0[1][0] * m0[0] + p0[1][1] * m0[1]);
  const qn = mean[0] * (P[0][0] * mean[0] + P[0][1] * mean[1]) + mean[1] * (P[1][0] * mean[0] + P[1][1] * mean[1]);
  return { mean, cov, shape: prior.shape + s.n / 2, scale: Math.max(1e-300, prior.scale + 0.5 * (s.syy + q0 - qn)) };
}

/** Standard normal and gamma draws for posterior sampling. */
export function normalDraw(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function gammaDraw(shape: number, random: () => number): number {
  if (shape < 1) return gammaDraw(shape + 1, random) * Math.pow(1 - random(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normalDraw(random);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Draws (intercept, slope) pairs from the posterior (noise variance integrated out). */
export function sampleLines(post: LinePosterior, count: number, seed = 1): Array<[number, number]> {
  const random = seededRandom(seed);
  const c = post.cov;
  const l00 = Math.sqrt(Math.max(0, c[0][0]));
  const l10 = l00 > 0 ? c[1][0] / l00 : 0;
  const l11 = Math.sqrt(Math.max(0, c[1][1] - l10 * l10));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    const s2 = post.scale / gammaDraw(post.shape, random);
    const s = Math.sqrt(s2);
    const z0 = normalDraw(random);
    const z1 = normalDraw(random);
    out.push([post.mean[0] + s * l00 * z0, post.mean[1] + s * (l10 * z0 + l11 * z1)]);
  }
  return out;
}
