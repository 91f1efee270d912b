// The in-node RUL learner: run-to-failure histories -> regime normalisation -> trailing-window
// features -> a bag of gradient-boosted tree models, each trained with one fold of assets held out.
// The held-out predictions give honest residuals, from which the prediction interval is read.
// Everything here is plain data in, plain JSON model out, so it runs the same in a worker thread,
// in the benchmark and in tests.
import { fitRegimeNormaliser, informativeSensors, normaliseRow, type RegimeNormaliserModel, type RegimeOptions } from '../regimes/regime-normaliser';
import { DEFAULT_GBDT, fitGbdt, predictGbdt, type GbdtConfig, type GbdtModel } from './gbdt';
import { seededRandom } from '../shared/seeded-random';
import { DEFAULT_WINDOW_FEATURES, windowFeatureRows, type WindowFeatureConfig } from './window-features';

/** One asset's recorded life: operating settings and signals per step, oldest first. */
export interface RunHistory {
  asset: string;
  /** settings[t]: operating settings at step t (may be empty arrays when the machine has one regime). */
  settings: number[][];
  signals: number[][];
  /** True when the history ends at failure (end of life); false for a run still going (censored). */
  failed: boolean;
  /** Optional step timestamps (ms), used by the node to turn steps into time. */
  timestamps?: number[];
}

export interface LearnerConfig {
  /** Targets are min(cap, steps to failure): early life looks alike, so no model can tell 300 from 200. */
  cap: number;
  folds: number;
  features: WindowFeatureConfig;
  gbdt: GbdtConfig;
  regimes: RegimeOptions;
}

export const DEFAULT_LEARNER: LearnerConfig = {
  cap: 125,
  folds: 5,
  features: DEFAULT_WINDOW_FEATURES,
  gbdt: DEFAULT_GBDT,
  regimes: {},
};

export interface LearnerModel {
  kind: 'rul-learner';
  version: 1;
  signalNames: string[];
  settingNames: string[];
  cap: number;
  normaliser: RegimeNormaliserModel;
  /** Signals kept (varying in at least one regime), as indices into signalNames. */
  active: number[];
  features: WindowFeatureConfig;
  members: GbdtModel[];
  /** Held-out residuals (truth - prediction), sorted, per band of predicted RUL. */
  residualBands: { upTo: number; residuals: number[] }[];
  trainedOn: { assets: number; rows: number };
}

export interface LearnerProgress {
  phase: 'features' | 'training' | 'calibrating' | 'done';
  /** 0..1 over the whole training. */
  fraction: number;
  detail?: string;
}

function checkHistory(h: RunHistory, signalCount: number, settingCount: number): void {
  if (h.signals.length !== h.settings.length) throw new Error(`history ${h.asset}: ${h.signals.length} signal rows but ${h.settings.length} setting rows`);
  for (let t = 0; t < h.signals.length; t++) {
    const s = h.signals[t];
    const o = h.settings[t];
    if (s.length !== signalCount || o.length !== settingCount) {
      throw new Error(`history ${h.asset}: step ${t} has ${s.length} signals and ${o.length} settings, expected ${signalCount} and ${settingCount}`);
    }
    for (const v of s) if (!Number.isFinite(v)) throw new Error(`history ${h.asset}: step ${t} has a non-finite signal value`);
    for (const v of o) if (!Number.isFinite(v)) throw new Error(`history ${h.asset}: step ${t} has a non-finite setting value`);
  }
}

function normalisedSeries(model: Pick<LearnerModel, 'normaliser' | 'active'>, h: Pick<RunHistory, 'settings' | 'signals'>): number[][] {
  return h.signals.map((row, t) => {
    const z = normaliseRow(model.normaliser, h.settings[t], row);
    return model.active.map((j) => z[j]);
  });
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = Math.min(sorted.length - 1, Math.max(0, q * (sorted.length - 1)));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Trains the learner on run-to-failure histories (censored ones are ignored: their targets are unknown). */
export function trainLearner(
  histories: readonly RunHistory[],
  names: { signals: string[]; settings: string[] },
  config: LearnerConfig = DEFAULT_LEARNER,
  onProgress?: (p: LearnerProgress) => void,
): LearnerModel {
  const failed = histories.filter((h) => h.failed && h.signals.length > 0);
  if (failed.length < 2) throw new Error(`the learner needs at least 2 run-to-failure histories, got ${failed.length}`);
  for (const h of failed) checkHistory(h, names.signals.length, names.settings.length);
  const folds = Math.max(2, Math.min(config.folds, failed.length));
  onProgress?.({ phase: 'features', fraction: 0 });

  const allSettings: number[][] = [];
  const allSignals: number[][] = [];
  for (const h of failed) {
    for (let t = 0; t < h.signals.length; t++) {
      allSettings.push(h.settings[t]);
      allSignals.push(h.signals[t]);
    }
  }
  const normaliser = fitRegimeNormaliser(allSettings, allSignals, config.regimes);
  const active = informativeSensors(normaliser);
  if (active.length === 0) throw new Error('the learner found no signal that varies: every feature is constant');
  const shell = { normaliser, active };

  const X: Float64Array[] = [];
  const y: number[] = [];
  const unitOf: number[] = [];
  failed.forEach((h, u) => {
    const rows = windowFeatureRows(normalisedSeries(shell, h), config.features);
    const T = rows.length;
    for (let t = 0; t < T; t++) {
      X.push(rows[t]);
      y.push(Math.min(config.cap, T - 1 - t));
      unitOf.push(u);
    }
  });

  // Assets are dealt to folds in a shuffled order so neighbouring asset ids do not share a fold.
  const order = failed.map((_, i) => i);
  const random = seededRandom(config.gbdt.seed + 101);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const foldOf = new Array<number>(failed.length);
  order.forEach((u, k) => (foldOf[u] = k % folds));

  const members: GbdtModel[] = [];
  const heldOut = new Float64Array(X.length);
  for (let f = 0; f < folds; f++) {
    const trainIdx: number[] = [];
    for (let i = 0; i < X.length; i++) if (foldOf[unitOf[i]] !== f) trainIdx.push(i);
    const member = fitGbdt(
      trainIdx.map((i) => X[i]),
      trainIdx.map((i) => y[i]),
      { ...config.gbdt, seed: config.gbdt.seed + f },
      (p) => onProgress?.({ phase: 'training', fraction: 0.05 + (0.9 * (f + p.round / p.rounds)) / folds, detail: `model ${f + 1}/${folds}` }),
    );
    members.push(member);
    for (let i = 0; i < X.length; i++) if (foldOf[unitOf[i]] === f) heldOut[i] = predictGbdt(member, X[i]);
  }

  onProgress?.({ phase: 'calibrating', fraction: 0.96 });
  const bandEdges = [config.cap * 0.25, config.cap * 0.5, config.cap * 0.8, Infinity];
  const residualBands = bandEdges.map((upTo) => ({ upTo, residuals: [] as number[] }));
  for (let i = 0; i < X.length; i++) {
    const p = Math.min(config.cap, Math.max(0, heldOut[i]));
    const band = residualBands.find((b) => p <= b.upTo) as { residuals: number[] };
    band.residuals.push(y[i] - p);
  }
  for (const b of residualBands) {
    b.residuals.sort((a, c) => a - c);
    // Keep 200 evenly spaced order statistics: enough for any quantile, small to persist.
    if (b.residuals.length > 200) b.residuals = Array.from({ length: 200 }, (_, k) => quantile(b.residuals, k / 199));
  }
  onProgress?.({ phase: 'done', fraction: 1 });
  return {
    kind: 'rul-learner',
    version: 1,
    signalNames: [...names.signals],
    settingNames: [...names.settings],
    cap: config.cap,
    normaliser,
    active,
    features: config.features,
    members,
    residualBands,
    trainedOn: { assets: failed.length, rows: X.length },
  };
}

export interface LearnerPrediction {
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
}

/** RUL (in steps) at the last step of a partial history, with an interval at `confidence`. */
export function predictLearner(model: LearnerModel, history: Pick<RunHistory, 'settings' | 'signals'>, confidence = 0.9): LearnerPrediction {
  if (history.signals.length === 0) throw new Error('the learner needs at least one step of history to predict');
  checkHistory({ ...history, asset: 'input', failed: false }, model.signalNames.length, model.settingNames.length);
  const rows = windowFeatureRows(normalisedSeries(model, history), model.features);
  const x = rows[rows.length - 1];
  let sum = 0;
  for (const m of model.members) sum += predictGbdt(m, x);
  const estimate = Math.min(model.cap, Math.max(0, sum / model.members.length));
  const band = model.residualBands.find((b) => estimate <= b.upTo && b.residuals.length > 0) ?? model.residualBands.find((b) => b.residuals.length > 0);
  const r = band ? band.residuals : [0];
  const lower = Math.max(0, Math.min(estimate, estimate + quantile(r, (1 - confidence) / 2)));
  const upper = Math.max(estimate, estimate + quantile(r, (1 + confidence) / 2));
  return { estimate, lower, upper, confidence };
}
