// A multivariate model turned into a detector: the statistic is smoothed over recent rows, its
// threshold is calibrated on the learning set as the quantile that gives the target false-alarm
// rate, and the flag has hysteresis (raise above the threshold, clear below a fraction of it).
// Optionally (driftAllowance) each feature may wander after learning as far as the drift it showed
// while learning predicts (see drift-allowance.ts).
import { DriftAllowance } from './drift-allowance';
import { KMeansDistance, modelFromJSON, PcaT2Q, ReconstructionError, type MultivariateModel } from './multivariate';

export type ModelKind = 'pca' | 'kmeans' | 'reconstruction';

export interface CalibratedOptions {
  model?: ModelKind;
  /** Target share of learning rows flagged, e.g. 0.01. */
  falseAlarmRate?: number;
  /** Exponential smoothing weight of the newest statistic (1 = none). */
  smoothing?: number;
  /** The flag clears when the smoothed statistic falls below threshold x this. */
  hysteresis?: number;
  /** Margin applied to the calibrated quantile (in-sample quantiles are optimistic). */
  margin?: number;
  explained?: number;
  clusters?: number;
  /** Feature scales never below this share of the feature's mean level (see Standardiser). */
  noiseFloor?: number;
  /** PCA and k-means: widen each feature's allowed deviation with the time since learning by the drift it showed while learning. */
  driftAllowance?: boolean;
}

export const CALIBRATED_DEFAULTS: Required<CalibratedOptions> = {
  model: 'pca',
  falseAlarmRate: 0.01,
  smoothing: 0.2,
  hysteresis: 0.7,
  margin: 1.5,
  explained: 0.85,
  clusters: 4,
  noiseFloor: 0,
  driftAllowance: false,
};

export interface Verdict {
  score: number;
  anomaly: boolean;
  contributions: number[];
  statistic: number;
}

export function quantile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
}

export function checkCalibrated(o: Required<CalibratedOptions>): void {
  if (!['pca', 'kmeans', 'reconstruction'].includes(o.model)) throw new Error(`model must be pca, kmeans or reconstruction, got "${o.model}"`);
  if (!(o.falseAlarmRate > 0 && o.falseAlarmRate < 0.5)) throw new Error(`false-alarm rate must be in (0, 0.5), got ${o.falseAlarmRate}`);
  if (!(o.smoothing > 0 && o.smoothing <= 1)) throw new Error(`smoothing must be in (0, 1], got ${o.smoothing}`);
  if (!(o.hysteresis > 0 && o.hysteresis <= 1)) throw new Error(`hysteresis must be in (0, 1], got ${o.hysteresis}`);
  if (!(o.margin >= 1)) throw new Error(`margin must be >= 1, got ${o.margin}`);
  if (typeof o.driftAllowance !== 'boolean') throw new Error(`drift allowance must be true or false, got ${String(o.driftAllowance)}`);
}

export class CalibratedDetector {
  private smoothed: number | undefined;
  private flag = false;
  /** Rows scored since learning (drives the drift allowance). */
  private since = 0;

  private constructor(
    readonly options: Required<CalibratedOptions>,
    readonly model: MultivariateModel,
    readonly threshold: number,
    private readonly drift: DriftAllowance | undefined,
  ) {}

  static fit(rows: number[][], options: CalibratedOptions = {}): CalibratedDetector {
    const o = { ...CALIBRATED_DEFAULTS, ...options };
    checkCalibrated(o);
    const model = o.model === 'pca' ? PcaT2Q.fit(rows, o.explained, o.noiseFloor) : o.model === 'kmeans' ? KMeansDistance.fit(rows, o.clusters, o.noiseFloor) : new ReconstructionError();
    // Reconstruction errors are not readings: there is no level for them to drift from.
    const drift = o.driftAllowance && o.model !== 'reconstruction' ? DriftAllowance.fit(rows) : undefined;
    // Calibrate on the smoothed statistic, as it will be used (no drift allowance yet: 0 rows since).
    let s: number | undefined;
    const stats = rows.map((r) => {
      const v = model.statistic(r).value;
      s = s === undefined ? v : s + o.smoothing * (v - s);
      return s;
    });
    const threshold = Math.max(quantile(stats, 1 - o.falseAlarmRate) * o.margin, 1e-9);
    return new CalibratedDetector(o, model, threshold, drift);
  }

  score(row: number[]): Verdict {
    const st = this.model.statistic(this.drift ? this.drift.apply(row, ++this.since) : row);
    this.smoothed = this.smoothed === undefined ? st.value : this.smoothed + this.options.smoothing * (st.value - this.smoothed);
    const r = this.smoothed / this.threshold;
    if (!this.flag && r >= 1) this.flag = true;
    else if (this.flag && r < this.options.hysteresis) this.flag = false;
    // 0.5 at the threshold, approaching 1 as the statistic grows.
    return { score: r / (1 + r), anomaly: this.flag, contributions: st.contributions, statistic: st.value };
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { options: this.options, model: this.model.toJSON(), threshold: this.threshold, smoothed: this.smoothed ?? null, flag: this.flag };
    if (this.drift) Object.assign(out, { drift: this.drift.toJSON(), since: this.since });
    return out;
  }

  /** Models saved before the drift allowance existed restore without it. */
  static fromJSON(s: Record<string, unknown>): CalibratedDetector {
    const drift = s.drift && typeof s.drift === 'object' ? DriftAllowance.fromJSON(s.drift as Record<string, unknown>) : undefined;
    const options = { ...CALIBRATED_DEFAULTS, ...(s.options as CalibratedOptions), driftAllowance: !!drift };
    const d = new CalibratedDetector(options, modelFromJSON(s.model as Record<string, unknown>), Number(s.threshold), drift);
    d.since = drift && Number.isFinite(Number(s.since)) ? Math.max(0, Number(s.since)) : 0;
    d.smoothed = s.smoothed === null || s.smoothed === undefined ? undefined : Number(s.smoothed);
    d.flag = s.flag === true;
    return d;
  }
}
