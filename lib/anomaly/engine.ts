// The anomaly detector's behaviour over time, independent of Node-RED: a learning phase (N samples
// or a duration), a threshold calibrated from the learning phase for a target false-alarm rate,
// then detection with hysteresis and re-alarm suppression, optional slow adaptation, freeze, and a
// JSON snapshot of everything learnt.
import type { FeatureContribution } from '../contracts';
import { quantile, type CalibratedOptions } from './calibrated';
import type { DetectorSnapshot, StreamingDetector } from './detector';
import { DRIFT_AWARE_DEFAULTS } from './drift-allowance';
import { createUnivariate, UNIVARIATE_DETECTORS } from './registry';
import { RegimeDetector } from './regime-models';

export type EngineDetector = 'surprise' | 'windowed-gaussian' | 'pca' | 'kmeans' | 'onnx';
export const MULTIVARIATE_DETECTORS: readonly string[] = ['pca', 'kmeans', 'onnx'];

export interface EngineOptions {
  detector: EngineDetector;
  /** Learning ends after this many samples... */
  learnSamples: number;
  /** ...or after this many ms of sample time (0: by count only), whichever comes first. */
  learnMs: number;
  /** Target share of normal samples flagged (0.01 = 1 %). */
  falseAlarmRate: number;
  /** A raised flag clears when the score falls below threshold x hysteresis. */
  hysteresis: number;
  /** Samples after a flag clears during which it cannot be raised again. */
  suppression: number;
  /** Most operating regimes found on contextFeatures (lib/regimes); 0 or 1 = none. */
  regimes: number;
  contextFeatures: string[];
  /** Keep learning from normal samples after the learning phase. */
  adapt: boolean;
  /** Multivariate: feature scales never below this share of the feature's level (0.03 = 3 %). */
  noiseFloor: number;
  /** PCA and k-means: allow each feature the slow drift it showed while learning (drift-allowance.ts). */
  driftAllowance: boolean;
}

export const ENGINE_DEFAULTS: EngineOptions = {
  detector: 'surprise',
  learnSamples: 500,
  learnMs: 0,
  falseAlarmRate: 0.01,
  hysteresis: 0.8,
  suppression: 20,
  regimes: 0,
  contextFeatures: [],
  adapt: false,
  noiseFloor: 0,
  driftAllowance: false,
};

/** Scores never alarm below this, whatever the learning phase showed (0.5 = at the model's own limit). */
const MIN_THRESHOLD = 0.5;
const MIN_LEARN_ROWS = 10;
/** Readings beyond this are treated as garbage: their squares would overflow the statistics. */
const MAX_MAGNITUDE = 1e100;

function inRange(v: number, what: string): number {
  if (!Number.isFinite(v)) throw new Error(`${what} must be a finite number, got ${v}`);
  if (Math.abs(v) > MAX_MAGNITUDE) throw new Error(`${what} is out of range (|x| > 1e100): ${v}`);
  return v;
}

export type Outcome =
  | { phase: 'learning'; progress: number; learnt: number }
  | { phase: 'detecting'; score: number; anomaly: boolean; regime?: string; explanation: FeatureContribution[]; raised: boolean };

export type Detection = Extract<Outcome, { phase: 'detecting' }>;

export function checkEngineOptions(o: EngineOptions): void {
  if (![...Object.keys(UNIVARIATE_DETECTORS), ...MULTIVARIATE_DETECTORS].includes(o.detector)) throw new Error(`unknown detector "${o.detector}"`);
  if (!Number.isInteger(o.learnSamples) || o.learnSamples < MIN_LEARN_ROWS || o.learnSamples > 100_000) {
    throw new Error(`learning samples must be a whole number in [${MIN_LEARN_ROWS}, 100000], got ${o.learnSamples}`);
  }
  if (!(o.learnMs >= 0)) throw new Error(`learning duration must be >= 0, got ${o.learnMs}`);
  if (!(o.falseAlarmRate > 0 && o.falseAlarmRate < 0.5)) throw new Error(`false-alarm rate must be in (0, 50) %, got ${o.falseAlarmRate * 100} %`);
  if (!(o.hysteresis > 0 && o.hysteresis <= 1)) throw new Error(`hysteresis must be in (0, 1], got ${o.hysteresis}`);
  if (!(Number.isInteger(o.suppression) && o.suppression >= 0)) throw new Error(`suppression must be a whole number of samples >= 0, got ${o.suppression}`);
  if (!(o.noiseFloor >= 0 && o.noiseFloor < 1)) throw new Error(`noise floor must be in [0, 100) %, got ${o.noiseFloor * 100} %`);
  if (typeof o.driftAllowance !== 'boolean') throw new Error(`drift allowance must be true or false, got ${String(o.driftAllowance)}`);
  if (!(Number.isInteger(o.regimes) && o.regimes >= 0 && o.regimes <= 12)) throw new Error(`regimes must be a whole number in [0, 12], got ${o.regimes}`);
}

interface EngineState {
  version: 1;
  detector: string;
  phase: 'learning' | 'detecting';
  frozen: boolean;
  count: number;
  learnStart: number | null;
  scores: number[];
  rows: number[][];
  contexts: number[][];
  features: string[] | null;
  threshold: number;
  flag: boolean;
  sinceClear: number;
  univariate: DetectorSnapshot | null;
  model: Record<string, unknown> | null;
  sinceRefit: number;
}

export class AnomalyEngine {
  readonly options: EngineOptions;
  private s!: EngineState;
  private uni: StreamingDetector | undefined;
  private model: RegimeDetector | undefined;

  constructor(options: Partial<EngineOptions> = {}) {
    this.options = { ...ENGINE_DEFAULTS, ...options };
    checkEngineOptions(this.options);
    this.reset();
  }

  get multivariate(): boolean {
    return MULTIVARIATE_DETECTORS.includes(this.options.detector);
  }

  get phase(): 'learning' | 'detecting' {
    return this.s.phase;
  }

  get frozen(): boolean {
    return this.s.frozen;
  }

  get threshold(): number {
    return this.s.threshold;
  }

  /** Feature names in model order (multivariate), once the first vector fixed them. */
  get features(): string[] | null {
    return this.s.features;
  }

  /** Forgets everything learnt and starts a new learning phase. */
  reset(): void {
    this.s = {
      version: 1,
      detector: this.options.detector,
      phase: 'learning',
      frozen: false,
      count: 0,
      learnStart: null,
      scores: [],
      rows: [],
      contexts: [],
      features: null,
      threshold: MIN_THRESHOLD,
      flag: false,
      sinceClear: Number.MAX_SAFE_INTEGER,
      univariate: null,
      model: null,
      sinceRefit: 0,
    };
    this.uni = this.multivariate ? undefined : createUnivariate(this.options.detector);
    this.model = undefined;
  }

  /** Starts a new learning phase; a univariate detector keeps its streaming memory. */
  learn(): void {
    const uni = this.uni;
    const features = this.s.features;
    this.reset();
    if (uni) this.uni = uni;
    this.s.features = features;
  }

  freeze(on = true): void {
    this.s.frozen = on;
  }

  private progress(timestamp: number): number {
    const byCount = this.s.count / this.options.learnSamples;
    const byTime = this.options.learnMs > 0 && this.s.learnStart !== null ? (timestamp - this.s.learnStart) / this.options.learnMs : 0;
    return Math.min(1, Math.max(byCount, byTime));
  }

  /** One scalar sample. */
  update(value: number, timestamp: number): Outcome {
    if (this.multivariate) throw new Error(`detector "${this.options.detector}" needs feature vectors, got a number`);
    inRange(value, 'value');
    const score = (this.uni as StreamingDetector).update(value, timestamp);
    if (this.s.phase === 'learning') {
      this.s.learnStart ??= timestamp;
      this.s.count++;
      this.s.scores.push(score);
      const progress = this.progress(timestamp);
      if (progress >= 1 && this.s.count >= MIN_LEARN_ROWS) {
        this.calibrate();
        return { phase: 'learning', progress: 1, learnt: this.s.count };
      }
      return { phase: 'learning', progress, learnt: this.s.count };
    }
    const out = this.flagged(score, this.s.threshold, this.s.threshold * this.options.hysteresis, [{ feature: 'value', contribution: 1 }]);
    if (this.options.adapt && !this.s.frozen && !out.anomaly) {
      this.s.scores.push(score);
      if (this.s.scores.length > this.options.learnSamples) this.s.scores.shift();
      if (++this.s.sinceRefit >= this.options.learnSamples) this.calibrate();
    }
    return out;
  }

  private calibrate(): void {
    this.s.threshold = Math.max(MIN_THRESHOLD, quantile(this.s.scores, 1 - this.options.falseAlarmRate));
    this.s.phase = 'detecting';
    this.s.sinceRefit = 0;
    if (!this.options.adapt) this.s.scores = [];
  }

  /** One feature vector (for 'onnx': each feature's squared reconstruction error). */
  updateVector(features: Record<string, number>, timestamp: number): Outcome {
    if (!this.multivariate) throw new Error(`detector "${this.options.detector}" takes single numbers, got a feature vector`);
    const ctxNames = this.options.contextFeatures;
    if (!this.s.features) {
      const names = Object.keys(features).sort();
      const modelled = names.filter((n) => !ctxNames.includes(n));
      this.s.features = modelled.length > 0 ? modelled : names;
    }
    const row = this.s.features.map((n) => {
      const v = features[n];
      if (typeof v !== 'number') throw new Error(`feature "${n}" is missing (learnt features: ${this.s.features?.join(', ')})`);
      return inRange(v, `feature "${n}"`);
    });
    const useRegimes = this.options.regimes >= 2 && ctxNames.length > 0;
    const context = useRegimes
      ? ctxNames.map((n) => {
          const v = features[n];
          if (typeof v !== 'number') throw new Error(`context feature "${n}" is missing`);
          return inRange(v, `context feature "${n}"`);
        })
      : undefined;
    if (this.s.phase === 'learning') {
      this.s.learnStart ??= timestamp;
      this.s.count++;
      this.s.rows.push(row);
      if (context) this.s.contexts.push(context);
      const progress = this.progress(timestamp);
      if (progress >= 1 && this.s.count >= Math.max(MIN_LEARN_ROWS, row.length + 2)) {
        try {
          this.fit();
        } catch (err) {
          // Never stay stuck on learning data that cannot be fitted: start the learning phase again.
          const features = this.s.features;
          this.reset();
          this.s.features = features;
          throw new Error(`could not learn from the learning data (${err instanceof Error ? err.message : String(err)}); learning again`);
        }
        return { phase: 'learning', progress: 1, learnt: this.s.count };
      }
      return { phase: 'learning', progress, learnt: this.s.count };
    }
    const model = this.model as RegimeDetector;
    const v = model.score(row, context);
    const explanation = v.contributions
      .map((c, j) => ({ feature: (this.s.features as string[])[j], contribution: c }))
      .sort((a, b) => b.contribution - a.contribution)
      .slice(0, 3)
      .filter((c) => c.contribution > 0);
    // Calibrated scores sit at 0.5 on the threshold: r / (1 + r) with r = statistic / threshold.
    const h = this.options.hysteresis;
    const out = this.flagged(v.score, 0.5, h / (1 + h), explanation, v.regime);
    if (this.options.adapt && !this.s.frozen && !out.anomaly) {
      this.s.rows.push(row);
      if (context) this.s.contexts.push(context);
      if (this.s.rows.length > this.options.learnSamples) {
        this.s.rows.shift();
        if (context) this.s.contexts.shift();
      }
      if (++this.s.sinceRefit >= this.options.learnSamples) {
        try {
          this.fit();
        } catch {
          // Keep the model that works; start collecting afresh.
          this.s.rows = [];
          this.s.contexts = [];
          this.s.sinceRefit = 0;
        }
      }
    }
    return out;
  }

  private calibratedOptions(): CalibratedOptions {
    const d = this.options.detector;
    // Without the drift allowance a safety margin stays (the default): a quantile of the rows the
    // model was fitted on is optimistic, mostly because slow drift after learning is not in them.
    // With it that drift is modelled, so the margin is not needed (as in DriftAwareDetector).
    return {
      ...(this.options.driftAllowance ? { margin: DRIFT_AWARE_DEFAULTS.margin } : {}),
      model: d === 'onnx' ? 'reconstruction' : (d as 'pca' | 'kmeans'),
      falseAlarmRate: this.options.falseAlarmRate,
      hysteresis: this.options.hysteresis,
      noiseFloor: this.options.noiseFloor,
      driftAllowance: this.options.driftAllowance,
    };
  }

  private fit(): void {
    const contexts = this.s.contexts.length === this.s.rows.length ? this.s.contexts : undefined;
    this.model = RegimeDetector.fit(this.s.rows, contexts, this.options.regimes, this.calibratedOptions());
    this.s.phase = 'detecting';
    this.s.sinceRefit = 0;
    if (!this.options.adapt) {
      this.s.rows = [];
      this.s.contexts = [];
    }
  }

  private flagged(score: number, raiseAt: number, clearBelow: number, explanation: FeatureContribution[], regime?: string): Detection {
    let raised = false;
    if (this.s.flag) {
      if (score < clearBelow) {
        this.s.flag = false;
        this.s.sinceClear = 0;
      }
    } else {
      if (this.s.sinceClear < Number.MAX_SAFE_INTEGER) this.s.sinceClear++;
      if (score >= raiseAt && this.s.sinceClear > this.options.suppression) {
        this.s.flag = true;
        raised = true;
      }
    }
    const out: Detection = { phase: 'detecting', score: Number.isFinite(score) ? Math.min(1, Math.max(0, score)) : 0, anomaly: this.s.flag, explanation, raised };
    if (regime !== undefined) out.regime = regime;
    return out;
  }

  snapshot(): EngineState {
    return {
      ...this.s,
      scores: [...this.s.scores],
      rows: this.s.rows.map((r) => [...r]),
      contexts: this.s.contexts.map((r) => [...r]),
      univariate: this.uni ? this.uni.snapshot() : null,
      model: this.model ? this.model.toJSON() : null,
    };
  }

  /** Restores a snapshot; returns false (and keeps a fresh state) when it was made for another detector. */
  restore(state: unknown): boolean {
    const s = state as EngineState | undefined;
    if (!s || typeof s !== 'object' || s.version !== 1 || s.detector !== this.options.detector) return false;
    this.s = { ...s, univariate: null, model: null };
    if (this.uni && s.univariate) this.uni.restore(s.univariate);
    this.model = s.model ? RegimeDetector.fromJSON(s.model) : undefined;
    if (this.s.phase === 'detecting' && this.multivariate && !this.model) this.s.phase = 'learning';
    return true;
  }
}
