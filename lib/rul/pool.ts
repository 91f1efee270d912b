// Linear opinion pool of RUL predictions: a weighted mixture of the models' predictive distributions,
// each given by equally likely draws (samples or a quantile grid). When the models disagree the pooled
// interval spans both rather than pretending to know which one is right.
import { intervalFromSamples, weightedQuantile, type RulInterval } from './distribution';

export interface PoolPart {
  /** The model's weight in the mixture (> 0; normalised here). */
  weight: number;
  /** Equally likely RUL draws of the model. */
  draws: readonly number[];
}

export function poolPredictions(parts: readonly PoolPart[], confidence = 0.9): RulInterval {
  if (!(confidence > 0 && confidence < 1)) throw new Error(`RUL pool: confidence must be in (0, 1), got ${confidence}`);
  const used = parts.filter((p) => p.weight > 0 && p.draws.length > 0);
  if (used.length === 0) throw new Error('RUL pool: no model with a positive weight and draws');
  const values: number[] = [];
  const weights: number[] = [];
  for (const p of used) {
    if (!p.draws.every(Number.isFinite)) throw new Error('RUL pool: every draw must be a finite number');
    for (const v of p.draws) {
      values.push(v);
      weights.push(p.weight / p.draws.length);
    }
  }
  const q = (p: number) => weightedQuantile(values, weights, p);
  const estimate = q(0.5);
  const lower = q((1 - confidence) / 2);
  const upper = q((1 + confidence) / 2);
  // The summary describes the mixture: a weighted resample onto a 199-point quantile grid.
  const grid = Array.from({ length: 199 }, (_, i) => q((i + 1) / 200));
  return { ...intervalFromSamples(grid, estimate, confidence), lower, upper };
}
