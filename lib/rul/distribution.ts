// Summaries of an RUL distribution given by samples: point estimate, interval and a few quantiles.

export interface RulDistribution {
  mean: number;
  median: number;
  std: number;
  /** Quantiles at 5, 25, 50, 75 and 95 %. */
  quantiles: { p: number; value: number }[];
}

export interface RulInterval {
  estimate: number;
  lower: number;
  upper: number;
  confidence: number;
  distribution: RulDistribution;
}

/** Middle value (mean of the two middle values for an even count); NaN for none. */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = Math.min(n - 1, Math.max(0, q * (n - 1)));
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Weighted quantile: the smallest value whose cumulative weight reaches q of the total. */
export function weightedQuantile(values: readonly number[], weights: readonly number[], q: number): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a] - values[b]);
  const total = weights.reduce((s, w) => s + w, 0);
  let acc = 0;
  for (const i of order) {
    acc += weights[i];
    if (acc >= q * total - 1e-12) return values[i];
  }
  return values[order[order.length - 1]];
}

export function summariseSamples(samples: ArrayLike<number>): RulDistribution {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += sorted[i];
  mean /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (sorted[i] - mean) ** 2;
  return {
    mean,
    median: quantileSorted(sorted, 0.5),
    std: Math.sqrt(v / Math.max(1, n - 1)),
    quantiles: [0.05, 0.25, 0.5, 0.75, 0.95].map((p) => ({ p, value: quantileSorted(sorted, p) })),
  };
}

/** Interval [q(1-c)/2, q(1+c)/2] of samples around a point estimate (clamped so lower <= estimate <= upper). */
export function intervalFromSamples(samples: ArrayLike<number>, estimate: number, confidence: number): RulInterval {
  const sorted = Float64Array.from(samples).sort();
  const lower = quantileSorted(sorted, (1 - confidence) / 2);
  const upper = quantileSorted(sorted, (1 + confidence) / 2);
  return {
    estimate,
    lower: Math.min(lower, estimate),
    upper: Math.max(upper, estimate),
    confidence,
    distribution: summariseSamples(sorted),
  };
}
