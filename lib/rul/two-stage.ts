// Two-stage prognosis for components whose health indicator stays flat for most of their life and
// rises only near the end (bearings): before the indicator passes an onset level only the fleet's
// lifetimes speak (Bayesian Weibull predictive given the usage so far); from onset on, the RUL is a
// pool of two views, weighted by the evidence seen since onset:
//   - survival after onset: the fleet's onset-to-failure durations, given the time since onset;
//   - degradation: the exponential/linear model fitted to the indicator since onset, with the fleet's
//     spread of failure levels as threshold uncertainty.
// The degradation view's weight is elapsed / (elapsed + typical onset-to-failure time of the fleet):
// nothing just after onset (a few snapshots do not make a trend), most of the say late in the decline.
import type { LinePrior } from './bayes-linear';
import { createDegradation, degradationRulSamples, fitDegradationPrior, updateDegradation, type DegradationKind } from './degradation';
import { median, type RulInterval } from './distribution';
import { onsetIndex } from './health-indicator';
import { poolPredictions } from './pool';
import { fitWeibullPosterior, weibullPredictiveResidualQuantile, type WeibullPosterior } from './weibull-predictive';

/** One run to failure: usage (hours, cycles...) and the health indicator; failure at the last sample. */
export interface FleetRun {
  t: readonly number[];
  hi: readonly number[];
}

export interface TwoStageConfig {
  /** Indicator level that marks the onset of degradation. */
  onset: number;
  kind: DegradationKind;
  confidence: number;
  /** Forgetting half-life of the degradation fit as a share of the fleet's mean life. */
  halfLifeShare: number;
  /** Smallest Weibull shape of the lifetime priors (see WeibullPosteriorOptions for the default). */
  minShape?: number;
}

export interface TwoStageModel {
  config: TwoStageConfig;
  lifetimes: WeibullPosterior;
  /** Onset-to-failure durations of the fleet (null when fewer than two runs passed the onset). */
  afterOnset: WeibullPosterior | null;
  typicalAfterOnset: number;
  prior: LinePrior | undefined;
  failureLevels: number[];
  threshold: number;
  meanLife: number;
}

export interface TwoStagePrediction extends RulInterval {
  stage: 'lifetime' | 'after-onset';
  /** Usage since onset, or null before onset. */
  sinceOnset: number | null;
  /** Share of the degradation view in the pool (0 before onset). */
  degradationWeight: number;
}

/** Quantile-grid draws of a predictive residual life (equally likely). */
const DRAWS = 199;

function checkRun(run: FleetRun, what: string): void {
  if (run.t.length === 0 || run.t.length !== run.hi.length) throw new Error(`two-stage model: ${what} needs as many times as indicator values (and at least one)`);
  for (let i = 0; i < run.t.length; i++) {
    if (!Number.isFinite(run.t[i]) || !Number.isFinite(run.hi[i])) throw new Error(`two-stage model: ${what} has a non-finite value at sample ${i}`);
    if (i > 0 && run.t[i] < run.t[i - 1]) throw new Error(`two-stage model: ${what} goes back in time at sample ${i}`);
  }
}

export function fitTwoStage(fleet: readonly FleetRun[], config: TwoStageConfig): TwoStageModel {
  if (!(Number.isFinite(config.onset) && config.onset > 0)) throw new Error(`two-stage model: onset level must be a positive number, got ${config.onset}`);
  if (!(config.halfLifeShare > 0)) throw new Error(`two-stage model: halfLifeShare must be > 0, got ${config.halfLifeShare}`);
  fleet.forEach((r, i) => checkRun(r, `fleet run ${i}`));
  const life = (r: FleetRun) => r.t[r.t.length - 1] - r.t[0];
  const shapes = config.minShape === undefined ? {} : { minShape: config.minShape };
  const lifetimes = fitWeibullPosterior(fleet.map((r) => ({ time: life(r), failed: true })), shapes);
  const after = fleet
    .map((r) => ({ r, i: onsetIndex(r.hi, config.onset) }))
    .filter(({ i }) => i >= 0)
    .map(({ r, i }) => ({ t: r.t.slice(i).map((v) => v - r.t[i]), hi: r.hi.slice(i) }));
  const durations = after.map((h) => h.t[h.t.length - 1]).filter((d) => d > 0);
  const withTrend = after.filter((h) => h.t.length >= 3);
  const failureLevels = fleet.map((r) => r.hi[r.hi.length - 1]);
  const positive = failureLevels.every((l) => l > 0);
  return {
    config,
    lifetimes,
    afterOnset: durations.length >= 2 ? fitWeibullPosterior(durations.map((time) => ({ time, failed: true })), shapes) : null,
    typicalAfterOnset: durations.length > 0 ? median(durations) : median(fleet.map(life)),
    prior: withTrend.length > 0 ? fitDegradationPrior(config.kind, withTrend, 0) : undefined,
    failureLevels,
    // Geometric mean for the exponential model (levels are ratios), arithmetic for the linear one.
    threshold:
      config.kind === 'exponential' && positive
        ? Math.exp(failureLevels.reduce((s, l) => s + Math.log(l), 0) / failureLevels.length)
        : failureLevels.reduce((s, l) => s + l, 0) / failureLevels.length,
    meanLife: fleet.reduce((s, r) => s + life(r), 0) / fleet.length,
  };
}

function residualDraws(post: WeibullPosterior, usage: number): number[] {
  return Array.from({ length: DRAWS }, (_, k) => weibullPredictiveResidualQuantile(post, usage, (k + 1) / (DRAWS + 1)));
}

/** RUL of a unit whose run so far is (t, hi), usage counted from t[0]. */
export function predictTwoStage(model: TwoStageModel, run: FleetRun): TwoStagePrediction {
  checkRun(run, 'the unit');
  const { config } = model;
  const n = run.t.length;
  const usage = run.t[n - 1] - run.t[0];
  const on = onsetIndex(run.hi, config.onset);
  if (on < 0) {
    const lifeDraws = residualDraws(model.lifetimes, usage);
    return { ...poolPredictions([{ weight: 1, draws: lifeDraws }], config.confidence), stage: 'lifetime', sinceOnset: null, degradationWeight: 0 };
  }
  const since = run.t[n - 1] - run.t[on];
  const survival = model.afterOnset ? residualDraws(model.afterOnset, since) : residualDraws(model.lifetimes, usage);
  const weight = since / (since + model.typicalAfterOnset);
  const kindOk = config.kind === 'linear' || model.failureLevels.every((l) => l > 0);
  const parts = [{ weight: 1 - weight, draws: survival }];
  if (weight > 0 && kindOk) {
    const deg = createDegradation({
      kind: config.kind,
      threshold: model.threshold,
      prior: model.prior,
      offset: 0,
      maxRul: 10 * model.meanLife,
      halfLife: config.halfLifeShare * model.meanLife,
      failureLevels: model.failureLevels,
      samples: 1000,
    });
    for (let i = on; i < n; i++) updateDegradation(deg, run.t[i] - run.t[on], run.hi[i]);
    parts.push({ weight, draws: degradationRulSamples(deg) });
  }
  return { ...poolPredictions(parts, config.confidence), stage: 'after-onset', sinceOnset: since, degradationWeight: parts.length > 1 ? weight : 0 };
}
