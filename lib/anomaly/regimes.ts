// Operating regimes (ramp-up, steady cutting, idle...) discovered with k-means on chosen context
// features, and a separate calibrated model of normal per regime: a hot spindle can be normal in
// one regime and anomalous in another.
import { CalibratedDetector, type CalibratedOptions, type Verdict } from './calibrated';
import { kmeansCentroids, nearest } from './kmeans';
import { Standardiser } from './multivariate';

export interface RegimeVerdict extends Verdict {
  /** "regime-<n>", numbered by learning order of first appearance, or undefined without regimes. */
  regime?: string;
}

export class RegimeDetector {
  private constructor(
    private readonly contextStd: Standardiser | undefined,
    private readonly centroids: number[][],
    private readonly detectors: CalibratedDetector[],
  ) {}

  /**
   * contexts[i] are the context features of rows[i]; k = 0 or no contexts means one regime.
   * Regimes with too few rows to fit fall back to the model of all rows.
   */
  static fit(rows: number[][], contexts: number[][] | undefined, k: number, options: CalibratedOptions): RegimeDetector {
    const global = () => CalibratedDetector.fit(rows, options);
    if (!contexts || k < 2 || contexts.length !== rows.length || contexts[0].length === 0) return new RegimeDetector(undefined, [], [global()]);
    const std = Standardiser.fit(contexts);
    const z = contexts.map((c) => std.apply(c));
    const raw = kmeansCentroids(z, k);
    const labels = z.map((c) => nearest(raw, c));
    // Number regimes by first appearance so names are stable across refits of similar data.
    const order: number[] = [];
    for (const l of labels) if (!order.includes(l)) order.push(l);
    const centroids = order.map((l) => raw[l]);
    const minRows = Math.max(20, rows[0].length * 3);
    let fallback: CalibratedDetector | undefined;
    const detectors = order.map((l) => {
      const own = rows.filter((_, i) => labels[i] === l);
      if (own.length >= minRows) return CalibratedDetector.fit(own, options);
      fallback ??= global();
      return fallback;
    });
    return new RegimeDetector(std, centroids, detectors);
  }

  get regimeCount(): number {
    return this.detectors.length;
  }

  regimeOf(context: number[] | undefined): number {
    if (!this.contextStd || !context || this.centroids.length === 0) return 0;
    return nearest(this.centroids, this.contextStd.apply(context));
  }

  score(row: number[], context?: number[]): RegimeVerdict {
    const r = this.regimeOf(context);
    const v = this.detectors[r].score(row);
    return this.contextStd ? { ...v, regime: `regime-${r + 1}` } : v;
  }

  toJSON(): Record<string, unknown> {
    return {
      context: this.contextStd ? { mean: this.contextStd.mean, scale: this.contextStd.scale } : null,
      centroids: this.centroids,
      detectors: this.detectors.map((d) => d.toJSON()),
    };
  }

  static fromJSON(s: Record<string, unknown>): RegimeDetector {
    const c = s.context as { mean: number[]; scale: number[] } | null;
    return new RegimeDetector(
      c ? new Standardiser(c.mean, c.scale) : undefined,
      s.centroids as number[][],
      (s.detectors as Record<string, unknown>[]).map((d) => CalibratedDetector.fromJSON(d)),
    );
  }
}
