// Time-domain features of one window of samples. The window is summarised in one pass.

export const TIME_DOMAIN_FEATURES = ['mean', 'std', 'rms', 'min', 'max', 'peakToPeak', 'last'] as const;
export type TimeDomainFeature = (typeof TIME_DOMAIN_FEATURES)[number];

export function isTimeDomainFeature(name: string): name is TimeDomainFeature {
  return (TIME_DOMAIN_FEATURES as readonly string[]).includes(name);
}

export function timeDomainFeatures(values: ArrayLike<number>, names: readonly TimeDomainFeature[]): Record<string, number> {
  const n = values.length;
  if (n === 0) throw new Error('cannot compute features of an empty window');
  let mean = 0;
  let m2 = 0;
  let sumSq = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = values[i];
    const delta = x - mean;
    mean += delta / (i + 1);
    m2 += delta * (x - mean);
    sumSq += x * x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const all: Record<TimeDomainFeature, number> = {
    mean,
    std: n > 1 ? Math.sqrt(m2 / (n - 1)) : 0,
    rms: Math.sqrt(sumSq / n),
    min,
    max,
    peakToPeak: max - min,
    last: values[n - 1],
  };
  const out: Record<string, number> = {};
  for (const name of names) out[name] = all[name];
  return out;
}
