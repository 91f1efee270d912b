// PCA T² + Q whose per-feature scales widen with the time since learning, by the drift each
// feature showed while learning. A short learning phase sees a slow sensor (a temperature) as
// very steady; afterwards it wanders like a random walk, so its deviation from the learnt mean is
// expected to grow as sqrt(rows since learning x drift rate). The drift rate comes from the
// learning rows alone (their variogram), so nothing is tuned to the data being scored.
import { quantile } from './calibrated';
import { PcaT2Q, Standardiser, checkRows } from './multivariate';

export interface DriftAwareOptions {
  /** Target share of learning rows above the threshold. */
  falseAlarmRate?: number;
  /** Exponential smoothing weight of the newest statistic (1 = none). */
  smoothing?: number;
  /** The flag clears when the smoothed statistic falls below threshold x this. */
  hysteresis?: number;
  /** Margin on the calibrated quantile (1 = none: drift is modelled, not absorbed by a margin). */
  margin?: number;
  explained?: number;
  /** Feature scales never below this share of the feature's mean level (see Standardiser). */
  noiseFloor?: number;
}

export const DRIFT_AWARE_DEFAULTS: Required<DriftAwareOptions> = {
  falseAlarmRate: 0.01,
  smoothing: 0.2,
  hysteresis: 0.7,
  margin: 1,
  explained: 0.85,
  noiseFloor: 0,
};

/**
 * Per feature, the variance a random-walk component adds per row, from the semivariogram of the
 * rows: gamma(h) = mean((x[t+h] - x[t])²) / 2 grows as noise + h x rate / 2 for a random walk and
 * stays flat for white noise. Lag = a quarter of the rows: long enough to see wander, with enough
 * pairs left to average. Never negative.
 */
export function driftRates(rows: number[][]): number[] {
  const lag = Math.max(2, Math.floor(rows.length / 4));
  const gamma = (j: number, h: number) => {
    let s = 0;
    for (let t = h; t < rows.length; t++) s += (rows[t][j] - rows[t - h][j]) ** 2;
    return s / (2 * (rows.length - h));
  };
  return rows[0].map((_, j) => Math.max(0, (2 * (gamma(j, lag) - gamma(j, 1))) / (lag - 1)));
}

/**
 * The drift allowance on its own, for any model that scores rows (the calibrated detector of the
 * node uses it): each feature's deviation from its learnt mean shrunk by the factor its own spread
 * has grown by since learning, sqrt(1 + rows x rate / variance while learning), the rows capped at
 * the learning length. A relative factor, so it widens whatever scale the model uses (a floored one
 * included) in proportion.
 */
export class DriftAllowance {
  constructor(
    readonly mean: number[],
    /** Each feature's standard deviation over the learning rows (no floor). */
    readonly scale: number[],
    readonly rates: number[],
    /** Rows after which the allowance stops growing (the learning length). */
    readonly horizon: number,
  ) {}

  static fit(rows: number[][]): DriftAllowance {
    checkRows(rows, 3);
    const std = Standardiser.fit(rows);
    return new DriftAllowance(std.mean, std.scale, driftRates(rows), rows.length);
  }

  /** `since`: rows scored since learning ended, this one included. */
  apply(row: number[], since: number): number[] {
    const t = Math.min(since, this.horizon);
    return row.map((v, j) => {
      const sd = this.scale[j];
      return this.mean[j] + (v - this.mean[j]) / Math.sqrt(1 + (t * this.rates[j]) / (sd * sd));
    });
  }

  toJSON(): Record<string, unknown> {
    return { mean: [...this.mean], scale: [...this.scale], rates: [...this.rates], horizon: this.horizon };
  }

  static fromJSON(s: Record<string, unknown>): DriftAllowance {
    const arr = (k: string) => {
      const v = s[k];
      if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new Error(`saved drift allowance: ${k} is not a list of numbers`);
      return v as number[];
    };
    const mean = arr('mean');
    const scale = arr('scale');
    const rates = arr('rates');
    const horizon = Number(s.horizon);
    if (scale.length !== mean.length || rates.length !== mean.length || !(horizon >= 0)) throw new Error('saved drift allowance is inconsistent');
    return new DriftAllowance(mean, scale, rates, horizon);
  }
}

export interface DriftVerdict {
  score: number;
  anomaly: boolean;
  contributions: number[];
  statistic: number;
}

interface State {
  options: Required<DriftAwareOptions>;
  model: Record<string, unknown>;
  mean: number[];
  /** Each feature's standard deviation over the learning rows (no floor). */
  scale: number[];
  rates: number[];
  /** Rows after which the drift allowance stops growing (the learning length). */
  horizon: number;
  threshold: number;
  rows: number;
  smoothed: number | null;
  flag: boolean;
}

export class DriftAwareDetector {
  private constructor(private readonly s: State, private readonly model: PcaT2Q) {}

  static fit(rows: number[][], options: DriftAwareOptions = {}): DriftAwareDetector {
    const o = { ...DRIFT_AWARE_DEFAULTS, ...options };
    if (!(o.falseAlarmRate > 0 && o.falseAlarmRate < 0.5)) throw new Error(`false-alarm rate must be in (0, 0.5), got ${o.falseAlarmRate}`);
    if (!(o.smoothing > 0 && o.smoothing <= 1)) throw new Error(`smoothing must be in (0, 1], got ${o.smoothing}`);
    if (!(o.hysteresis > 0 && o.hysteresis <= 1)) throw new Error(`hysteresis must be in (0, 1], got ${o.hysteresis}`);
    if (!(o.margin >= 1)) throw new Error(`margin must be >= 1, got ${o.margin}`);
    checkRows(rows, 8);
    const model = PcaT2Q.fit(rows, o.explained, o.noiseFloor);
    const std = Standardiser.fit(rows);
    const d = new DriftAwareDetector(
      { options: o, model: model.toJSON(), mean: std.mean, scale: std.scale, rates: driftRates(rows), horizon: rows.length, threshold: Number.POSITIVE_INFINITY, rows: 0, smoothed: null, flag: false },
      model,
    );
    // Calibrate on the learning rows as they are scored (no drift allowance yet: rows = 0).
    const stats = rows.map((r) => d.smooth(model.statistic(r).value));
    d.s.threshold = Math.max(quantile(stats, 1 - o.falseAlarmRate) * o.margin, 1e-9);
    d.s.smoothed = null;
    return d;
  }

  private smooth(v: number): number {
    this.s.smoothed = this.s.smoothed === null ? v : this.s.smoothed + this.s.options.smoothing * (v - this.s.smoothed);
    return this.s.smoothed;
  }

  /** The row with the drift allowance applied (see DriftAllowance). */
  private allowDrift(row: number[]): number[] {
    return new DriftAllowance(this.s.mean, this.s.scale, this.s.rates, this.s.horizon).apply(row, this.s.rows);
  }

  score(row: number[]): DriftVerdict {
    if (row.length !== this.s.mean.length || !row.every(Number.isFinite)) throw new Error(`row must hold ${this.s.mean.length} finite numbers`);
    this.s.rows++;
    const st = this.model.statistic(this.allowDrift(row));
    const r = this.smooth(st.value) / this.s.threshold;
    if (!this.s.flag && r >= 1) this.s.flag = true;
    else if (this.s.flag && r < this.s.options.hysteresis) this.s.flag = false;
    return { score: r / (1 + r), anomaly: this.s.flag, contributions: st.contributions, statistic: st.value };
  }

  get threshold(): number {
    return this.s.threshold;
  }

  get rates(): number[] {
    return [...this.s.rates];
  }

  toJSON(): Record<string, unknown> {
    return JSON.parse(JSON.stringify(this.s)) as Record<string, unknown>;
  }

  static fromJSON(s: Record<string, unknown>): DriftAwareDetector {
    const state = JSON.parse(JSON.stringify(s)) as State;
    return new DriftAwareDetector(state, PcaT2Q.fromJSON(state.model));
  }
}
