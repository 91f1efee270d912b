// Time-domain features of one window. Both the sliding statistics (incremental) and the batch
// function below describe a window by the same moments, and momentFeatures turns those moments
// into the named features, so both paths share one definition of every feature.

export const TIME_DOMAIN_FEATURES = [
  'mean',
  'std',
  'rms',
  'min',
  'max',
  'peakToPeak',
  'skewness',
  'kurtosis',
  'crestFactor',
  'shapeFactor',
  'impulseFactor',
  'slope',
  'zeroCrossingRate',
  'last',
] as const;
export type TimeDomainFeature = (typeof TIME_DOMAIN_FEATURES)[number];

export function isTimeDomainFeature(name: string): name is TimeDomainFeature {
  return (TIME_DOMAIN_FEATURES as readonly string[]).includes(name);
}

/** What a window is reduced to: central moments (sums of powers of deviations) and a few extras. */
export interface Moments {
  n: number;
  mean: number;
  /** Sums of (x - mean)^2, ^3, ^4. */
  m2: number;
  m3: number;
  m4: number;
  min: number;
  max: number;
  /** Sum of |x|. */
  sumAbs: number;
  /** Sign changes between consecutive samples (0 counts as positive). */
  crossings: number;
  /** Least-squares slope against the sample index. */
  slope: number;
  last: number;
}

/**
 * Below this relative variance a window is treated as constant: skewness and kurtosis are 0 rather
 * than the ratio of two rounding errors.
 */
const FLAT = 1e-20;

/** Writes the requested features of the moments into out (names as given, prefixed when asked). */
export function momentFeatures(
  m: Moments,
  names: readonly TimeDomainFeature[],
  out: Record<string, number> = {},
  prefix = '',
): Record<string, number> {
  const n = m.n;
  if (n === 0) throw new Error('cannot compute features of an empty window');
  // Overflowed moments stay NaN so that the features built on them are visibly unusable.
  const variance = Number.isFinite(m.m2) ? (m.m2 > 0 ? m.m2 / n : 0) : NaN;
  const flat = variance <= FLAT * m.mean * m.mean || variance === 0;
  const rms = Math.sqrt(m.mean * m.mean + variance);
  const meanAbs = m.sumAbs / n;
  const maxAbs = Math.max(Math.abs(m.min), Math.abs(m.max));
  for (const name of names) {
    let v: number;
    switch (name) {
      case 'mean': v = m.mean; break;
      case 'std': v = n > 1 ? Math.sqrt((variance * n) / (n - 1)) : 0; break;
      case 'rms': v = rms; break;
      case 'min': v = m.min; break;
      case 'max': v = m.max; break;
      case 'peakToPeak': v = m.max - m.min; break;
      case 'skewness': v = flat ? 0 : m.m3 / n / Math.pow(variance, 1.5); break;
      case 'kurtosis': v = flat ? 0 : m.m4 / n / (variance * variance); break;
      case 'crestFactor': v = rms > 0 ? maxAbs / rms : 0; break;
      case 'shapeFactor': v = meanAbs > 0 ? rms / meanAbs : 0; break;
      case 'impulseFactor': v = meanAbs > 0 ? maxAbs / meanAbs : 0; break;
      case 'slope': v = m.slope; break;
      case 'zeroCrossingRate': v = n > 1 ? m.crossings / (n - 1) : 0; break;
      case 'last': v = m.last; break;
      default: throw new Error(`unknown time-domain feature "${name as string}"`);
    }
    out[prefix ? prefix + name : name] = v;
  }
  return out;
}

/** The moments of a whole window in two passes (exact reference; the sliding path is incremental). */
export function batchMoments(values: ArrayLike<number>): Moments {
  const n = values.length;
  if (n === 0) throw new Error('cannot compute features of an empty window');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  let min = Infinity;
  let max = -Infinity;
  let sumAbs = 0;
  let crossings = 0;
  let co = 0;
  const idxMean = (n - 1) / 2;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    const d = x - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
    if (x < min) min = x;
    if (x > max) max = x;
    sumAbs += Math.abs(x);
    if (i > 0 && values[i - 1] < 0 !== x < 0) crossings++;
    co += (i - idxMean) * d;
  }
  const slope = n > 1 ? co / ((n * (n * n - 1)) / 12) : 0;
  return { n, mean, m2, m3, m4, min, max, sumAbs, crossings, slope, last: values[n - 1] };
}

export function timeDomainFeatures(values: ArrayLike<number>, names: readonly TimeDomainFeature[]): Record<string, number> {
  return momentFeatures(batchMoments(values), names);
}
