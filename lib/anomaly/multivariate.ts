// Multivariate models of "normal" fitted on a learning set of feature vectors: PCA with Hotelling's
// T² (distance inside the principal subspace) and SPE/Q (distance from it), and k-means distance
// to the nearest centroid. Each gives a non-negative statistic and per-feature contributions.
import { PCA } from 'ml-pca';
import { kmeansCentroids } from './kmeans';

export interface Statistic {
  value: number;
  /** Per feature, non-negative, summing to 1 (or all 0 when the statistic is 0). */
  contributions: number[];
}

export interface MultivariateModel {
  readonly kind: string;
  statistic(row: number[]): Statistic;
  toJSON(): Record<string, unknown>;
}

/**
 * Per-feature centring and scaling learnt from the learning set. The scale never falls below
 * `relativeFloor` x |mean|: a sensor that was very steady while learning (a temperature during a
 * short learning phase) would otherwise turn a harmless slow drift into a huge deviation.
 */
export class Standardiser {
  constructor(readonly mean: number[], readonly scale: number[]) {}
  static fit(rows: number[][], relativeFloor = 0): Standardiser {
    const d = rows[0].length;
    const mean = new Array(d).fill(0);
    const sq = new Array(d).fill(0);
    for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j];
    for (let j = 0; j < d; j++) mean[j] /= rows.length;
    for (const r of rows) for (let j = 0; j < d; j++) sq[j] += (r[j] - mean[j]) ** 2;
    const scale = sq.map((s, j) => {
      const sd = Math.max(Math.sqrt(s / Math.max(1, rows.length - 1)), relativeFloor * Math.abs(mean[j]));
      return sd > 1e-9 * Math.max(1, Math.abs(mean[j])) ? sd : 1;
    });
    return new Standardiser(mean, scale);
  }
  apply(row: number[]): number[] {
    return row.map((v, j) => (v - this.mean[j]) / this.scale[j]);
  }
}

function normalise(parts: number[]): number[] {
  const total = parts.reduce((s, p) => s + p, 0);
  return total > 0 ? parts.map((p) => p / total) : parts.map(() => 0);
}

export function checkRows(rows: number[][], minRows: number): void {
  if (!Array.isArray(rows) || rows.length < minRows) throw new Error(`need at least ${minRows} learning rows, got ${rows?.length ?? 0}`);
  const d = rows[0].length;
  if (d < 1) throw new Error('learning rows have no features');
  rows.forEach((r, i) => {
    if (r.length !== d) throw new Error(`learning row ${i} has ${r.length} features, expected ${d}`);
    if (!r.every(Number.isFinite)) throw new Error(`learning row ${i} has a non-finite value`);
  });
}

/** PCA T² + Q: components kept until they explain `explained` of the (standardised) variance. */
export class PcaT2Q implements MultivariateModel {
  readonly kind = 'pca';
  private constructor(
    private readonly std: Standardiser,
    /** Features x components. */
    private readonly vectors: number[][],
    private readonly eigen: number[],
    /** 99th percentiles of T² and Q on the learning set: each is scaled by its own limit. */
    private readonly limits: [number, number] = [1, 1],
  ) {}

  static fit(rows: number[][], explained = 0.85, relativeFloor = 0): PcaT2Q {
    checkRows(rows, 3);
    const std = Standardiser.fit(rows, relativeFloor);
    const z = rows.map((r) => std.apply(r));
    const pca = new PCA(z, { center: false, scale: false });
    const eigen = pca.getEigenvalues();
    const ratios = pca.getExplainedVariance();
    let k = 0;
    let cum = 0;
    while (k < ratios.length && cum < explained) cum += ratios[k++];
    k = Math.max(1, Math.min(k, eigen.length));
    const all = pca.getEigenvectors().to2DArray();
    const vectors = all.map((row) => row.slice(0, k));
    const unscaled = new PcaT2Q(std, vectors, eigen.slice(0, k).map((e) => Math.max(e, 1e-9)));
    const parts = rows.map((r) => unscaled.parts(r));
    const p99 = (v: number[]) => Math.max([...v].sort((a, b) => a - b)[Math.floor(0.99 * (v.length - 1))], 1e-9);
    return new PcaT2Q(std, vectors, unscaled.eigen, [p99(parts.map((p) => p.t2)), p99(parts.map((p) => p.q))]);
  }

  static fromJSON(s: Record<string, unknown>): PcaT2Q {
    const st = s.std as { mean: number[]; scale: number[] };
    return new PcaT2Q(new Standardiser(st.mean, st.scale), s.vectors as number[][], s.eigen as number[], s.limits as [number, number]);
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, std: { mean: this.std.mean, scale: this.std.scale }, vectors: this.vectors, eigen: this.eigen, limits: this.limits };
  }

  /** T² and Q separately, with contributions to each. */
  parts(row: number[]): { t2: number; q: number; t2Parts: number[]; qParts: number[] } {
    const z = this.std.apply(row);
    const d = z.length;
    const k = this.eigen.length;
    const t = new Array(k).fill(0);
    for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) t[c] += z[j] * this.vectors[j][c];
    let t2 = 0;
    for (let c = 0; c < k; c++) t2 += (t[c] * t[c]) / this.eigen[c];
    const qParts = new Array(d);
    const t2Parts = new Array(d);
    let q = 0;
    for (let j = 0; j < d; j++) {
      let recon = 0;
      let w = 0;
      for (let c = 0; c < k; c++) {
        recon += this.vectors[j][c] * t[c];
        w += (this.vectors[j][c] * t[c]) / this.eigen[c];
      }
      const e = z[j] - recon;
      qParts[j] = e * e;
      q += e * e;
      // Contribution of feature j to T²: z_j * sum_c p_jc t_c / lambda_c (clipped at 0).
      t2Parts[j] = Math.max(0, z[j] * w);
    }
    return { t2, q, t2Parts, qParts };
  }

  statistic(row: number[]): Statistic {
    const p = this.parts(row);
    const [lt, lq] = this.limits;
    return { value: p.t2 / lt + p.q / lq, contributions: normalise(p.t2Parts.map((v, j) => v / lt + p.qParts[j] / lq)) };
  }
}

/** Squared standardised distance to the nearest k-means centroid of the learning set. */
export class KMeansDistance implements MultivariateModel {
  readonly kind = 'kmeans';
  private constructor(
    private readonly std: Standardiser,
    readonly centroids: number[][],
  ) {}

  static fit(rows: number[][], k = 4, relativeFloor = 0): KMeansDistance {
    checkRows(rows, Math.max(3, k));
    const std = Standardiser.fit(rows, relativeFloor);
    const z = rows.map((r) => std.apply(r));
    return new KMeansDistance(std, kmeansCentroids(z, k));
  }

  static fromJSON(s: Record<string, unknown>): KMeansDistance {
    const st = s.std as { mean: number[]; scale: number[] };
    return new KMeansDistance(new Standardiser(st.mean, st.scale), s.centroids as number[][]);
  }

  toJSON(): Record<string, unknown> {
    return { kind: this.kind, std: { mean: this.std.mean, scale: this.std.scale }, centroids: this.centroids };
  }

  statistic(row: number[]): Statistic {
    const z = this.std.apply(row);
    let best = Number.POSITIVE_INFINITY;
    let bestParts: number[] = [];
    for (const c of this.centroids) {
      const parts = z.map((v, j) => (v - c[j]) ** 2);
      const d = parts.reduce((s, p) => s + p, 0);
      if (d < best) {
        best = d;
        bestParts = parts;
      }
    }
    return { value: best, contributions: normalise(bestParts) };
  }
}

/**
 * For models that score elsewhere (an ONNX autoencoder): the row already holds each feature's
 * squared reconstruction error; the statistic is their sum.
 */
export class ReconstructionError implements MultivariateModel {
  readonly kind = 'reconstruction';
  statistic(row: number[]): Statistic {
    const parts = row.map((v) => Math.max(0, v));
    return { value: parts.reduce((s, p) => s + p, 0), contributions: normalise(parts) };
  }
  toJSON(): Record<string, unknown> {
    return { kind: this.kind };
  }
}

export function modelFromJSON(s: Record<string, unknown>): MultivariateModel {
  if (s.kind === 'reconstruction') return new ReconstructionError();
  if (s.kind === 'pca') return PcaT2Q.fromJSON(s);
  if (s.kind === 'kmeans') return KMeansDistance.fromJSON(s);
  throw new Error(`unknown multivariate model "${String(s.kind)}"`);
}
