// The RUL predictor's state machine, free of Node-RED: live assets, recordings of run-to-failure
// histories, the trained model, and one RulEstimate per observation. All state is plain JSON so the
// node can persist it in context. Learner training is heavy and is handed to a worker by the caller
// (learnerRequest -> trainInWorker -> setTrained); the other models train here in milliseconds.
import type { RulEstimate, RulUnit } from '../contracts';
import type { LinePrior } from './bayes-linear';
import { createDegradation, fitDegradationPrior, MIN_FAILURE_LEVELS, predictDegradation, updateDegradation, type DegradationKind, type DegradationState } from './degradation';
import type { HistoryRow, RecordedHistory } from './history-csv';
import { rankHealthIndicators, type HealthIndicatorScore } from './hi-metrics';
import { DEFAULT_LEARNER, predictLearner, type LearnerModel, type RunHistory } from './learner';
import { buildSimilarityModel, predictSimilarity, type SimilarityModel } from './similarity';
import type { TrainRequest } from './train-worker';
import { fitWeibull, predictWeibull, type WeibullModel } from './weibull';
import { fitWeibullPosterior, predictWeibullPosterior, type WeibullPosterior } from './weibull-predictive';
import { tabulatedResidualQuantile } from './weibull-predictive-table';

export type RulModelKind = 'degradation' | 'similarity' | 'weibull' | 'learner' | 'onnx';
export const RUL_MODEL_KINDS: readonly RulModelKind[] = ['degradation', 'similarity', 'weibull', 'learner', 'onnx'];

export interface PredictorConfig {
  model: RulModelKind;
  degradationKind: DegradationKind;
  /** Failure threshold of the health indicator; learned from histories when undefined. */
  threshold?: number;
  /** Exponential model offset. */
  offset: number;
  /** Degradation model forgetting half-life in `unit` (steps for cycles); undefined = no forgetting. */
  halfLife?: number;
  /** Feature used as the health indicator (degradation model); scalar msgs use it as their name. */
  healthFeature: string;
  /** Features the learner / similarity model use; empty = every numeric feature of the histories. */
  features: string[];
  /** Operating-setting features for regime normalisation (learner). */
  settingFeatures: string[];
  unit: RulUnit;
  confidence: number;
  /** Warning horizon in `unit`; 0 = no warning time. */
  warningHorizon: number;
  /** Rows kept per live asset and per recording. */
  maxRows: number;
}

export type TrainedModel =
  | { kind: 'degradation'; prior: LinePrior; threshold: number; failureLevels?: number[] }
  | { kind: 'similarity'; model: SimilarityModel; features: string[] }
  /** posterior: the Bayesian predictive (absent in states saved before it existed: point fit then). */
  | { kind: 'weibull'; model: WeibullModel; posterior?: WeibullPosterior }
  | { kind: 'learner'; model: LearnerModel; features: string[]; settings: string[] };

interface LiveAsset {
  firstT: number;
  count: number;
  rows: HistoryRow[];
  degradation?: DegradationState;
}

export interface PredictorState {
  version: 1;
  histories: RecordedHistory[];
  recording: Record<string, RecordedHistory>;
  trained: TrainedModel | null;
  live: Record<string, LiveAsset>;
}

export const emptyPredictorState = (): PredictorState => ({ version: 1, histories: [], recording: {}, trained: null, live: {} });

/** Assets tracked at once: a bound on memory when msg topics are not what they should be. */
const MAX_ASSETS = 1000;

const UNIT_MS: Record<RulUnit, number> = { cycles: NaN, hours: 3.6e6, seconds: 1000 };

function isState(v: unknown): v is PredictorState {
  return typeof v === 'object' && v !== null && (v as PredictorState).version === 1 && Array.isArray((v as PredictorState).histories);
}

export class RulPredictor {
  state: PredictorState;

  constructor(readonly config: PredictorConfig, restored?: unknown) {
    this.state = isState(restored) ? restored : emptyPredictorState();
  }

  /** Average ms between steps of an asset (for turning steps into time), or null when unknown. */
  private stepMs(live: LiveAsset | undefined): number | null {
    if (!live || live.count < 2) return null;
    const last = live.rows[live.rows.length - 1];
    const span = last.t - live.firstT;
    return span > 0 ? span / (live.count - 1) : null;
  }

  /** Time coordinate of a row in the model's unit: step number for cycles, elapsed unit otherwise. */
  private timeIn(live: LiveAsset, t: number): number {
    return this.config.unit === 'cycles' ? live.count - 1 : (t - live.firstT) / UNIT_MS[this.config.unit];
  }

  /** Adds an observation for an asset; appends it to the asset's recording when recording. */
  observe(asset: string, t: number, features: Record<string, number>, record: boolean): void {
    // Everything that can refuse the observation is checked before any state changes.
    let live = this.state.live[asset];
    if (!live && Object.keys(this.state.live).length >= MAX_ASSETS) throw new Error(`too many assets (${MAX_ASSETS}): send msg.command = "reset" for assets no longer watched`);
    const last = live?.rows[live.rows.length - 1];
    if (last && t < last.t) throw new Error(`asset ${asset}: time went backwards (${new Date(t).toISOString()} after ${new Date(last.t).toISOString()})`);
    const rec = this.state.recording[asset];
    if (record && rec && rec.rows.length >= this.config.maxRows) throw new Error(`asset ${asset}: the recording reached ${this.config.maxRows} rows; send end-of-life or raise the limit`);
    let hi = 0;
    let threshold: number | undefined;
    const trained = this.state.trained?.kind === 'degradation' ? this.state.trained : null;
    if (this.config.model === 'degradation') {
      const v = features[this.config.healthFeature];
      if (v === undefined) throw new Error(`health indicator "${this.config.healthFeature}" is not among the features (${Object.keys(features).slice(0, 10).join(', ')})`);
      hi = v;
      threshold = this.config.threshold ?? trained?.threshold;
      if (threshold === undefined) throw new Error('the degradation model needs a failure threshold: set one, or record/import histories and train');
    }

    if (!live) live = this.state.live[asset] = { firstT: t, count: 0, rows: [] };
    live.count++;
    live.rows.push({ t, f: { ...features } });
    if (live.rows.length > this.config.maxRows) live.rows.splice(0, live.rows.length - this.config.maxRows);
    if (record) (this.state.recording[asset] ??= { asset, rows: [], failed: true }).rows.push({ t, f: { ...features } });
    if (this.config.model === 'degradation') {
      if (!live.degradation) {
        // A threshold learned from histories carries their spread of failure levels; a configured one is taken as known.
        const failureLevels = this.config.threshold === undefined ? trained?.failureLevels : undefined;
        live.degradation = createDegradation({ kind: this.config.degradationKind, threshold: threshold as number, offset: this.config.offset, prior: trained?.prior, samples: 1000, halfLife: this.config.halfLife, failureLevels });
      }
      updateDegradation(live.degradation, this.timeIn(live, t), hi);
    }
  }

  /** Closes an asset's recording as a run to failure; the asset starts a new life. Returns the history count. */
  endOfLife(asset: string): number {
    const rec = this.state.recording[asset];
    if (rec && rec.rows.length > 0) this.state.histories.push({ ...rec, failed: true });
    delete this.state.recording[asset];
    delete this.state.live[asset];
    return this.state.histories.length;
  }

  resetAsset(asset: string): void {
    delete this.state.live[asset];
    delete this.state.recording[asset];
  }

  importHistories(histories: RecordedHistory[]): number {
    for (const h of histories) {
      if (h.rows.length > this.config.maxRows) throw new Error(`history ${h.asset} has ${h.rows.length} rows, more than the ${this.config.maxRows} allowed`);
    }
    this.state.histories.push(...histories);
    return this.state.histories.length;
  }

  clearHistories(): void {
    this.state.histories = [];
    this.state.recording = {};
  }

  rankFeatures(): HealthIndicatorScore[] {
    if (this.state.histories.length === 0) throw new Error('no recorded histories to rank features on');
    return rankHealthIndicators(this.state.histories.map((h) => h.rows.map((r) => r.f)));
  }

  /** Features used by the learner/similarity model: configured, else every feature all histories share. */
  private modelFeatures(): string[] {
    if (this.config.features.length > 0) return this.config.features;
    const sets = this.state.histories.map((h) => new Set(h.rows.flatMap((r) => Object.keys(r.f))));
    if (sets.length === 0) return [];
    return [...sets[0]].filter((f) => sets.every((s) => s.has(f)) && !this.config.settingFeatures.includes(f)).sort();
  }

  private matrix(rows: readonly HistoryRow[], names: readonly string[], asset: string): number[][] {
    return rows.map((r, t) =>
      names.map((n) => {
        const v = r.f[n];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`history ${asset}: step ${t} has no value for feature "${n}"`);
        return v;
      }),
    );
  }

  private failedHistories(min: number): RecordedHistory[] {
    const failed = this.state.histories.filter((h) => h.failed && h.rows.length > 0);
    if (failed.length < min) throw new Error(`training the ${this.config.model} model needs at least ${min} run-to-failure histories, have ${failed.length}`);
    return failed;
  }

  /** The learner's training job (to run in a worker). */
  learnerRequest(): TrainRequest {
    const failed = this.failedHistories(2);
    const signals = this.modelFeatures();
    if (signals.length === 0) throw new Error('the learner has no features to learn from');
    const settings = this.config.settingFeatures;
    const histories: RunHistory[] = failed.map((h) => ({
      asset: h.asset,
      settings: this.matrix(h.rows, settings, h.asset),
      signals: this.matrix(h.rows, signals, h.asset),
      failed: true,
    }));
    return { histories, names: { signals, settings }, config: DEFAULT_LEARNER };
  }

  /** Trains the light models in place (degradation prior, similarity library, Weibull fit). */
  trainLight(): TrainedModel {
    const kind = this.config.model;
    let trained: TrainedModel;
    if (kind === 'degradation') {
      const failed = this.failedHistories(1);
      const hf = this.config.healthFeature;
      const series = failed.map((h) => {
        const t0 = h.rows[0].t;
        return {
          t: h.rows.map((r, i) => (this.config.unit === 'cycles' ? i : (r.t - t0) / UNIT_MS[this.config.unit])),
          hi: this.matrix(h.rows, [hf], h.asset).map((r) => r[0]),
        };
      });
      const levels = series.map((h) => h.hi[h.hi.length - 1]);
      const threshold = this.config.threshold ?? levels.reduce((s, v) => s + v, 0) / levels.length;
      const usable = this.config.degradationKind === 'linear' || levels.every((l) => l > this.config.offset);
      trained = { kind: 'degradation', prior: fitDegradationPrior(this.config.degradationKind, series, this.config.offset), threshold, ...(usable && levels.length >= MIN_FAILURE_LEVELS ? { failureLevels: levels } : {}) };
    } else if (kind === 'similarity') {
      const failed = this.failedHistories(1);
      const features = this.modelFeatures();
      if (features.length === 0) throw new Error('the similarity model has no features to compare');
      trained = { kind: 'similarity', features, model: buildSimilarityModel(failed.map((h) => ({ id: h.asset, rows: this.matrix(h.rows, features, h.asset) }))) };
    } else if (kind === 'weibull') {
      const lifetimes = this.state.histories
        .filter((h) => h.rows.length > 0)
        .map((h) => ({ time: this.config.unit === 'cycles' ? h.rows.length : (h.rows[h.rows.length - 1].t - h.rows[0].t) / UNIT_MS[this.config.unit], failed: h.failed }));
      // The point fit for the record; predictions integrate over shape and scale (few histories, honest interval).
      trained = { kind: 'weibull', model: fitWeibull(lifetimes), posterior: fitWeibullPosterior(lifetimes) };
    } else {
      throw new Error(`the ${kind} model is not trained here`);
    }
    this.setTrained(trained);
    return trained;
  }

  setTrained(trained: TrainedModel): void {
    this.state.trained = trained;
    // Live degradation states restart from the new prior on their next observation.
    for (const live of Object.values(this.state.live)) delete live.degradation;
  }

  /** The live rows of an asset as ONNX input (sequenceLength x features, normalised), or null when too short. */
  onnxInput(asset: string, features: readonly string[], sequenceLength: number, normalisation?: { mean: number[]; std: number[] }): number[] | null {
    const live = this.state.live[asset];
    if (!live || live.rows.length < sequenceLength) return null;
    const out: number[] = [];
    for (const r of live.rows.slice(-sequenceLength)) {
      features.forEach((name, j) => {
        const v = r.f[name];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`ONNX model card feature "${name}" is missing from asset ${asset}'s features`);
        out.push(normalisation ? (v - normalisation.mean[j]) / normalisation.std[j] : v);
      });
    }
    return out;
  }

  /** Builds the RulEstimate from a prediction in `unit` (or steps, converted). */
  estimate(asset: string, t: number, p: { estimate: number; lower: number; upper: number; confidence: number }, unit: RulUnit | 'steps', healthIndex: number, model: string): RulEstimate {
    const live = this.state.live[asset];
    let k = 1;
    let outUnit: RulUnit = this.config.unit;
    if (unit === 'steps') {
      if (this.config.unit !== 'cycles') {
        const ms = this.stepMs(live);
        if (ms === null) outUnit = 'cycles';
        else k = ms / UNIT_MS[this.config.unit];
      }
    } else if (unit !== this.config.unit) {
      if (unit === 'cycles' || this.config.unit === 'cycles') outUnit = unit;
      else k = UNIT_MS[unit] / UNIT_MS[this.config.unit];
    }
    if (![p.estimate, p.lower, p.upper, k].every(Number.isFinite)) throw new Error(`asset ${asset}: the ${model} model gave no finite RUL (inputs out of range?)`);
    const est = Math.max(0, p.estimate * k);
    const lower = Math.max(0, Math.min(est, p.lower * k));
    const upper = Math.max(est, p.upper * k);
    let warningAt: number | null = null;
    const horizon = this.config.warningHorizon;
    if (horizon > 0) {
      const unitMs = outUnit === 'cycles' ? this.stepMs(live) : UNIT_MS[outUnit];
      if (est <= horizon) warningAt = t;
      else if (unitMs !== null) warningAt = Math.round(t + (est - horizon) * unitMs);
    }
    return {
      asset,
      estimate: est,
      lower,
      upper,
      confidence: p.confidence,
      unit: outUnit,
      healthIndex: Math.min(1, Math.max(0, Number.isFinite(healthIndex) ? healthIndex : 0)),
      model,
      timestamp: t,
      warningAt,
    };
  }

  /** RUL of an asset from the model in use (not ONNX, which the node runs in its worker). */
  predict(asset: string, t: number): RulEstimate {
    const live = this.state.live[asset];
    if (!live) throw new Error(`no observations of asset ${asset}`);
    const c = this.config.confidence;
    const trained = this.state.trained;
    switch (this.config.model) {
      case 'degradation': {
        const p = predictDegradation(live.degradation as DegradationState, c);
        return this.estimate(asset, t, p, this.config.unit, p.healthIndex, `degradation-${this.config.degradationKind}`);
      }
      case 'similarity': {
        if (trained?.kind !== 'similarity') throw new Error('the similarity model is not trained: record or import histories, then send msg.command = "train"');
        const p = predictSimilarity(trained.model, this.matrix(live.rows, trained.features, asset), c);
        return this.estimate(asset, t, p, 'steps', p.estimate / Math.max(1, p.estimate + live.count), 'similarity');
      }
      case 'weibull': {
        if (trained?.kind !== 'weibull') throw new Error('the Weibull model is not trained: record or import histories, then send msg.command = "train"');
        const usage = this.config.unit === 'cycles' ? live.count : this.timeIn(live, t);
        const p = trained.posterior ? predictWeibullPosterior(trained.posterior, usage, c, tabulatedResidualQuantile) : predictWeibull(trained.model, usage, c);
        return this.estimate(asset, t, p, this.config.unit, p.survival, 'weibull');
      }
      case 'learner': {
        if (trained?.kind !== 'learner') throw new Error('the learner is not trained: record or import histories, then send msg.command = "train"');
        const history = { settings: this.matrix(live.rows, trained.settings, asset), signals: this.matrix(live.rows, trained.features, asset) };
        const p = predictLearner(trained.model, history, c);
        return this.estimate(asset, t, p, 'steps', p.estimate / trained.model.cap, 'learner');
      }
      default:
        throw new Error(`model ${this.config.model} is predicted by the node`);
    }
  }
}
