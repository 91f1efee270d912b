// Which candidate features make good health indicators? The three measures of MATLAB's toolbox,
// computed over run-to-failure histories of one feature (all 0..1, higher is better):
//   monotonicity   - does it move one way through life?
//   trendability   - do different assets trace the same shape?
//   prognosability - do assets fail at the same value (relative to how far they moved)?

export interface HealthIndicatorScore {
  feature: string;
  monotonicity: number;
  trendability: number;
  prognosability: number;
  /** Mean of the three, for ranking. */
  overall: number;
}

export function monotonicity(histories: readonly (readonly number[])[]): number {
  const usable = histories.filter((h) => h.length >= 2);
  if (usable.length === 0) return 0;
  let total = 0;
  for (const h of usable) {
    let pos = 0;
    let neg = 0;
    for (let i = 1; i < h.length; i++) {
      const d = h[i] - h[i - 1];
      if (d > 0) pos++;
      else if (d < 0) neg++;
    }
    total += Math.abs(pos - neg) / (h.length - 1);
  }
  return total / usable.length;
}

function resample(h: readonly number[], n: number): number[] {
  if (h.length === 1) return new Array(n).fill(h[0]);
  return Array.from({ length: n }, (_, i) => {
    const pos = (i * (h.length - 1)) / (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(h.length - 1, lo + 1);
    return h[lo] + (h[hi] - h[lo]) * (pos - lo);
  });
}

function correlation(a: readonly number[], b: readonly number[]): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

/** Smallest absolute correlation between any two histories, after resampling to a common length. */
export function trendability(histories: readonly (readonly number[])[]): number {
  const usable = histories.filter((h) => h.length >= 2);
  if (usable.length < 2) return usable.length === 1 ? 1 : 0;
  const n = Math.max(...usable.map((h) => h.length));
  const r = usable.map((h) => resample(h, n));
  let min = 1;
  for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) min = Math.min(min, Math.abs(correlation(r[i], r[j])));
  return min;
}

/** exp(-std(final values) / mean |final - initial|). */
export function prognosability(histories: readonly (readonly number[])[]): number {
  const usable = histories.filter((h) => h.length >= 1);
  if (usable.length === 0) return 0;
  const finals = usable.map((h) => h[h.length - 1]);
  const mf = finals.reduce((s, v) => s + v, 0) / finals.length;
  const sd = Math.sqrt(finals.reduce((s, v) => s + (v - mf) ** 2, 0) / finals.length);
  const travel = usable.reduce((s, h) => s + Math.abs(h[h.length - 1] - h[0]), 0) / usable.length;
  if (travel === 0) return 0;
  return Math.exp(-sd / travel);
}

/** Scores every feature found in the histories (each history: rows of name -> value), best first. */
export function rankHealthIndicators(histories: readonly (readonly Record<string, number>[])[]): HealthIndicatorScore[] {
  const names = new Set<string>();
  for (const h of histories) for (const row of h) for (const k of Object.keys(row)) names.add(k);
  const scores: HealthIndicatorScore[] = [];
  for (const feature of names) {
    const series = histories.map((h) => h.map((row) => row[feature]).filter((v) => typeof v === 'number' && Number.isFinite(v)));
    const m = monotonicity(series);
    const t = trendability(series);
    const p = prognosability(series);
    scores.push({ feature, monotonicity: m, trendability: t, prognosability: p, overall: (m + t + p) / 3 });
  }
  return scores.sort((a, b) => b.overall - a.overall);
}
