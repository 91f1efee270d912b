// Base-load forecaster at the meter's resolution. Models: seasonal naive (same slot last week);
// "profile" (default): a robust median over the same slot (+-1 interval) of the last five days of the
// same day type (workday, or weekend/holiday) and of the same weekday over the last four weeks; and
// "ridge": a ridge regression over calendar-aware lag features, one fit per day type. Forecasts
// beyond one day feed their own first day back as history. Residual quantiles give the interval.
import { Matrix, solve } from 'ml-matrix';

export type ForecastModel = 'naive' | 'profile' | 'ridge';

export interface ForecasterOptions {
  /** Meter resolution; detected from the first readings when omitted. */
  intervalMinutes?: number;
  /** Calendar days of the plant: 'utc' or the runtime's 'local' time zone. */
  timezone?: 'utc' | 'local';
  /** Holidays as YYYY-MM-DD (treated like weekend days). */
  holidays?: string[];
  model?: ForecastModel;
  /** Weeks of history kept (and used for training). */
  historyWeeks?: number;
  /** Ridge penalty relative to the feature scale. */
  lambda?: number;
  /** Central coverage of the interval, e.g. 0.8 for 10 %..90 %. */
  coverage?: number;
}

export interface Forecast {
  start: number;
  intervalMinutes: number;
  values: number[];
  lower: number[];
  upper: number[];
  model: ForecastModel | 'fallback';
  /** Seasonal-naive forecast of the same slots, for comparison. */
  naive: number[];
}

export interface AccuracyReport {
  /** Forecast slots scored against actuals. */
  n: number;
  mae: number;
  naiveMae: number;
  /** Fraction by which MAE is below the naive MAE. */
  maeImprovement: number;
  /** Mean absolute percentage error, %, over slots with a non-zero actual. */
  mape: number;
  /** MAE scaled by the in-sample MAE of the one-week seasonal naive. */
  mase: number;
}

export interface ForecasterSnapshot {
  version: 1;
  options: ForecasterOptions;
  stepMs: number | null;
  firstSlot: number | null;
  values: Array<number | null>;
  issued: Array<[slot: number, value: number, naive: number]>;
  score: { n: number; abs: number; naiveAbs: number; pct: number; pctN: number };
}

const DAY_MS = 86_400_000;

function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function quantile(xs: number[], q: number): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return 0;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo] + (s[Math.min(lo + 1, s.length - 1)] - s[lo]) * (pos - lo);
}

export class LoadForecaster {
  private stepMs: number | null;
  private firstSlot: number | null = null;
  private values: number[] = [];
  private sums = new Map<number, [number, number]>();
  private issued = new Map<number, [number, number]>();
  private score = { n: 0, abs: 0, naiveAbs: 0, pct: 0, pctN: 0 };
  private readonly holidays: Set<string>;
  private lastReading: number | null = null;

  constructor(readonly options: ForecasterOptions = {}) {
    if (options.intervalMinutes !== undefined && !(options.intervalMinutes > 0)) throw new Error(`intervalMinutes must be > 0, got ${options.intervalMinutes}`);
    this.stepMs = options.intervalMinutes ? options.intervalMinutes * 60_000 : null;
    this.holidays = new Set(options.holidays ?? []);
  }

  get intervalMinutes(): number | null {
    return this.stepMs === null ? null : this.stepMs / 60_000;
  }

  private get perDay(): number {
    return Math.round(DAY_MS / (this.stepMs as number));
  }

  private get keep(): number {
    return (this.options.historyWeeks ?? 8) * 7 * this.perDay;
  }

  /** Number of slots of history held. */
  size(): number {
    return this.values.length;
  }

  /**
   * Records a reading: kW (or kWh per interval) for the interval starting at `timestamp`. Several
   * readings in one interval are averaged.
   */
  observe(timestamp: number, value: number): void {
    if (!Number.isFinite(timestamp)) throw new Error(`timestamp must be epoch ms, got ${timestamp}`);
    if (!Number.isFinite(value)) throw new Error(`reading must be a finite number, got ${value}`);
    if (this.stepMs === null) {
      if (this.lastReading !== null && timestamp > this.lastReading) {
        // Resolution: the gap between the first two readings, rounded to whole minutes.
        this.stepMs = Math.max(1, Math.round((timestamp - this.lastReading) / 60_000)) * 60_000;
      } else {
        this.lastReading = timestamp;
        this.pendingFirst = [timestamp, value];
        return;
      }
      const first = this.pendingFirst;
      this.pendingFirst = null;
      if (first) this.observe(first[0], first[1]);
    }
    const slot = Math.floor(timestamp / (this.stepMs as number));
    if (this.firstSlot === null) this.firstSlot = slot;
    const idx = slot - this.firstSlot;
    if (idx < 0) return; // older than what we hold
    const acc = this.sums.get(slot) ?? [0, 0];
    acc[0] += value;
    acc[1] += 1;
    this.sums.set(slot, acc);
    const mean = acc[0] / acc[1];
    while (this.values.length < idx) this.values.push(NaN);
    this.values[idx] = mean;
    this.scoreSlot(slot, mean);
    // Only the latest slots can still receive readings; keep the averaging map small.
    for (const k of this.sums.keys()) if (k < slot - 2) this.sums.delete(k);
    const excess = this.values.length - this.keep;
    if (excess > 0) {
      this.values.splice(0, excess);
      this.firstSlot += excess;
    }
  }

  private pendingFirst: [number, number] | null = null;

  private scoreSlot(slot: number, actual: number): void {
    const f = this.issued.get(slot);
    if (!f) return;
    this.issued.delete(slot);
    this.score.n++;
    this.score.abs += Math.abs(actual - f[0]);
    this.score.naiveAbs += Math.abs(actual - f[1]);
    if (actual !== 0) {
      this.score.pct += Math.abs((actual - f[0]) / actual);
      this.score.pctN++;
    }
  }

  private at(slot: number): number {
    if (this.firstSlot === null) return NaN;
    const v = this.values[slot - this.firstSlot];
    return v === undefined ? NaN : v;
  }

  private dayKey(ms: number): string {
    const d = new Date(ms);
    if (this.options.timezone === 'local') return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    return d.toISOString().slice(0, 10);
  }

  /** Weekend or holiday. */
  isOffDay(ms: number): boolean {
    const d = new Date(ms);
    const wd = this.options.timezone === 'local' ? d.getDay() : d.getUTCDay();
    return wd === 0 || wd === 6 || this.holidays.has(this.dayKey(ms));
  }

  private seasonalNaive(slot: number, get: (s: number) => number): number {
    const w = get(slot - 7 * this.perDay);
    if (Number.isFinite(w)) return w;
    const d = get(slot - this.perDay);
    return Number.isFinite(d) ? d : NaN;
  }

  /** Lag features of a slot; NaN where history is missing. */
  private features(slot: number, get: (s: number) => number): number[] {
    const P = this.perDay;
    const W = 7 * P;
    const off = this.isOffDay(slot * (this.stepMs as number));
    const sameType: number[] = [];
    for (let d = 1; d <= 14 && sameType.length < 5; d++) {
      if (this.isOffDay((slot - d * P) * (this.stepMs as number)) === off) sameType.push(get(slot - d * P));
    }
    const weeks = [1, 2, 3, 4].map((k) => get(slot - k * W));
    const smooth = (s: number) => {
      const xs = [-2, -1, 0, 1, 2].map((k) => get(s + k)).filter(Number.isFinite);
      return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
    };
    const weeksSmooth = [1, 2, 3, 4].map((k) => smooth(slot - k * W));
    return [1, get(slot - W), median(weeks), median(weeksSmooth), get(slot - P), median(sameType), smooth(slot - P)];
  }

  /** Median of the slot's neighbourhood over recent same-type days and the same weekday of recent weeks. */
  private profileValue(slot: number, get: (s: number) => number): number {
    const P = this.perDay;
    const step = this.stepMs as number;
    const off = this.isOffDay(slot * step);
    const xs: number[] = [];
    let days = 0;
    for (let d = 1; d <= 21 && days < 5; d++) {
      if (this.isOffDay((slot - d * P) * step) !== off) continue;
      const before = xs.length;
      for (let j = -1; j <= 1; j++) xs.push(get(slot - d * P + j));
      if (xs.slice(before).some(Number.isFinite)) days++;
    }
    for (let k = 1; k <= 4; k++) for (let j = -1; j <= 1; j++) xs.push(get(slot - k * 7 * P + j));
    return median(xs);
  }

  /** In-sample residuals of the profile model over the last two weeks, per day type. */
  private profileResiduals(off: boolean): number[] {
    if (this.firstSlot === null) return [];
    const last = this.firstSlot + this.values.length;
    const out: number[] = [];
    const get = (s: number) => this.at(s);
    for (let s = Math.max(this.firstSlot + this.perDay, last - 14 * this.perDay); s < last; s++) {
      if (this.isOffDay(s * (this.stepMs as number)) !== off) continue;
      const v = this.at(s);
      const p = this.profileValue(s, get);
      if (Number.isFinite(v) && Number.isFinite(p)) out.push(v - p);
    }
    return out;
  }

  private fit(off: boolean): { beta: number[]; residuals: number[] } | undefined {
    if (this.firstSlot === null) return undefined;
    const P = this.perDay;
    const X: number[][] = [];
    const y: number[] = [];
    const last = this.firstSlot + this.values.length;
    const get = (s: number) => this.at(s);
    for (let s = Math.max(this.firstSlot + 7 * P, last - 28 * P); s < last; s++) {
      if (this.isOffDay(s * (this.stepMs as number)) !== off) continue;
      const target = this.at(s);
      if (!Number.isFinite(target)) continue;
      const f = this.features(s, get);
      if (f.some((v) => !Number.isFinite(v))) continue;
      X.push(f);
      y.push(target);
    }
    const k = 7;
    if (X.length < 2 * P) return undefined;
    const Xm = new Matrix(X);
    const Xt = Xm.transpose();
    const A = Xt.mmul(Xm);
    const scale = A.trace() / k / X.length;
    const lambda = (this.options.lambda ?? 0.5) * scale * X.length;
    for (let i = 1; i < k; i++) A.set(i, i, A.get(i, i) + lambda);
    const b = Xt.mmul(Matrix.columnVector(y));
    const beta = solve(A, b).to1DArray();
    const residuals = X.map((row, i) => y[i] - row.reduce((acc, v, j) => acc + v * beta[j], 0));
    return { beta, residuals };
  }

  /** Forecasts `horizon` intervals starting at the interval containing `from` (default: after the last reading). */
  forecast(horizon?: number, from?: number): Forecast {
    if (this.stepMs === null || this.firstSlot === null) throw new Error('no readings yet: the forecaster needs meter readings first');
    const step = this.stepMs;
    const P = this.perDay;
    const n = horizon ?? P;
    if (!Number.isInteger(n) || n < 1 || n > 14 * P) throw new Error(`horizon must be 1..${14 * P} intervals, got ${horizon}`);
    const startSlot = from === undefined ? this.firstSlot + this.values.length : Math.floor(from / step);
    const model = this.options.model ?? 'profile';
    const fits = model === 'ridge' ? { work: this.fit(false), off: this.fit(true) } : undefined;
    const residuals = model === 'profile' ? { work: this.profileResiduals(false), off: this.profileResiduals(true) } : undefined;
    const coverage = this.options.coverage ?? 0.8;
    const extra = new Map<number, number>();
    const get = (s: number) => (s >= startSlot ? (extra.get(s) ?? NaN) : this.at(s));
    const values: number[] = [];
    const lower: number[] = [];
    const upper: number[] = [];
    const naive: number[] = [];
    let usedFallback = false;
    for (let s = startSlot; s < startSlot + n; s++) {
      const nv = this.seasonalNaive(s, get);
      let v = NaN;
      let lo = 0;
      let hi = 0;
      if (fits) {
        const fit = this.isOffDay(s * step) ? fits.off : fits.work;
        const f = this.features(s, get);
        if (fit && f.every(Number.isFinite)) {
          v = f.reduce((acc, x, j) => acc + x * fit.beta[j], 0);
          lo = quantile(fit.residuals, (1 - coverage) / 2);
          hi = quantile(fit.residuals, 1 - (1 - coverage) / 2);
        }
      }
      if (residuals) {
        v = this.profileValue(s, get);
        const r = this.isOffDay(s * step) ? residuals.off : residuals.work;
        if (r.length >= 8) {
          lo = quantile(r, (1 - coverage) / 2);
          hi = quantile(r, 1 - (1 - coverage) / 2);
        } else {
          lo = -Math.abs(v) * 0.2;
          hi = Math.abs(v) * 0.2;
        }
      }
      if (!Number.isFinite(v)) {
        if (model !== 'naive') usedFallback = true;
        const weeks = [1, 2, 3, 4].map((k) => get(s - k * 7 * P));
        v = model === 'naive' ? nv : median(weeks);
        if (!Number.isFinite(v)) v = nv;
        if (!Number.isFinite(v)) v = this.lastValue();
        const spread = Math.abs(v) * 0.2;
        lo = -spread;
        hi = spread;
      }
      v = Math.max(0, v);
      values.push(v);
      lower.push(Math.max(0, v + lo));
      upper.push(Math.max(0, v + hi));
      naive.push(Number.isFinite(nv) ? nv : v);
      extra.set(s, v);
    }
    // Remember what was forecast so arriving readings can be scored (the latest forecast of a slot wins).
    values.forEach((v, k) => this.issued.set(startSlot + k, [v, naive[k]]));
    for (const k of this.issued.keys()) if (k < startSlot - 14 * P) this.issued.delete(k);
    return { start: startSlot * step, intervalMinutes: step / 60_000, values, lower, upper, model: usedFallback ? 'fallback' : model, naive };
  }

  private lastValue(): number {
    for (let i = this.values.length - 1; i >= 0; i--) if (Number.isFinite(this.values[i])) return this.values[i];
    return 0;
  }

  /** In-sample MAE of the one-week seasonal naive over the history held. */
  naiveScale(): number {
    if (this.firstSlot === null) return NaN;
    const W = 7 * this.perDay;
    let sum = 0;
    let n = 0;
    for (let i = W; i < this.values.length; i++) {
      const d = this.values[i] - this.values[i - W];
      if (Number.isFinite(d)) {
        sum += Math.abs(d);
        n++;
      }
    }
    return n ? sum / n : NaN;
  }

  /** Accuracy of the forecasts issued so far against the readings that arrived for them. */
  accuracy(): AccuracyReport {
    const { n, abs, naiveAbs, pct, pctN } = this.score;
    const mae = n ? abs / n : NaN;
    const naiveMae = n ? naiveAbs / n : NaN;
    const scale = this.naiveScale();
    return { n, mae, naiveMae, maeImprovement: naiveMae > 0 ? 1 - mae / naiveMae : 0, mape: pctN ? (100 * pct) / pctN : NaN, mase: scale > 0 ? mae / scale : NaN };
  }

  snapshot(): ForecasterSnapshot {
    return {
      version: 1,
      options: { ...this.options },
      stepMs: this.stepMs,
      firstSlot: this.firstSlot,
      values: this.values.map((v) => (Number.isFinite(v) ? v : null)),
      issued: [...this.issued].map(([s, [v, nv]]) => [s, v, nv]),
      score: { ...this.score },
    };
  }

  static restore(s: ForecasterSnapshot, options?: ForecasterOptions): LoadForecaster {
    if (!s || s.version !== 1) throw new Error('unknown forecaster state version');
    const f = new LoadForecaster({ ...s.options, ...(options ?? {}) });
    if (f.stepMs !== null && s.stepMs !== null && f.stepMs !== s.stepMs) return f; // resolution changed: start afresh
    f.stepMs = s.stepMs;
    f.firstSlot = s.firstSlot;
    f.values = s.values.map((v) => (v === null ? NaN : v));
    f.issued = new Map(s.issued.map(([slot, v, nv]) => [slot, [v, nv]]));
    f.score = { ...s.score };
    return f;
  }
}
