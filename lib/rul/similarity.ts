// Similarity-based RUL: a library of run-to-failure histories (one or more health signals per step).
// The query's recent steps are slid along every library history; the best-matching position says how
// far that history still had to go. The nearest histories vote, weighted by closeness, and their
// spread is the interval.
import { weightedQuantile, summariseSamples, type RulInterval } from './distribution';

export interface SimilarityHistory {
  id: string;
  /** rows[t][j]: signal j at step t, oldest first; the last row is the failure. */
  rows: number[][];
}

export interface SimilarityConfig {
  /** How many nearest histories vote. */
  neighbours: number;
  /** Query steps compared (the most recent ones). */
  window: number;
}

export const DEFAULT_SIMILARITY: SimilarityConfig = { neighbours: 5, window: 20 };

export interface SimilarityModel {
  kind: 'rul-similarity';
  config: SimilarityConfig;
  /** Per-signal scale (std over the library) so every signal weighs alike. */
  scale: number[];
  histories: SimilarityHistory[];
}

export function buildSimilarityModel(histories: readonly SimilarityHistory[], config: SimilarityConfig = DEFAULT_SIMILARITY): SimilarityModel {
  const usable = histories.filter((h) => h.rows.length > 0);
  if (usable.length === 0) throw new Error('similarity model: the library holds no run-to-failure history');
  const width = usable[0].rows[0].length;
  for (const h of usable) {
    for (const r of h.rows) {
      if (r.length !== width) throw new Error(`similarity model: history ${h.id} has rows of ${r.length} signals, expected ${width}`);
      if (r.some((v) => !Number.isFinite(v))) throw new Error(`similarity model: history ${h.id} has a non-finite value`);
    }
  }
  const scale: number[] = [];
  for (let j = 0; j < width; j++) {
    let n = 0;
    let m = 0;
    let s = 0;
    for (const h of usable) for (const r of h.rows) {
      n++;
      const d = r[j] - m;
      m += d / n;
      s += d * (r[j] - m);
    }
    const sd = Math.sqrt(s / Math.max(1, n - 1));
    scale.push(sd > 0 ? sd : 1);
  }
  return { kind: 'rul-similarity', config: { ...config }, scale, histories: usable.map((h) => ({ id: h.id, rows: h.rows.map((r) => [...r]) })) };
}

interface Match {
  id: string;
  distance: number;
  rul: number;
}

/** Best alignment of the query's tail with one history: mean squared scaled distance and the RUL it implies. */
function bestMatch(model: SimilarityModel, h: SimilarityHistory, tail: readonly number[][], elapsed: number): Match {
  const L = tail.length;
  const T = h.rows.length;
  let best = Infinity;
  let bestEnd = T - 1;
  const width = model.scale.length;
  // end = index in the history aligned with the query's last step; a shorter history is compared over
  // the overlap only.
  for (let end = 0; end < T; end++) {
    const overlap = Math.min(L, end + 1);
    let d = 0;
    for (let k = 0; k < overlap; k++) {
      const q = tail[L - 1 - k];
      const r = h.rows[end - k];
      for (let j = 0; j < width; j++) d += ((q[j] - r[j]) / model.scale[j]) ** 2;
    }
    d /= overlap * width;
    // Alignments far from the query's own age are less plausible: a mild penalty.
    d += 0.01 * ((end + 1 - elapsed) / Math.max(T, elapsed)) ** 2;
    if (d < best) {
      best = d;
      bestEnd = end;
    }
  }
  return { id: h.id, distance: best, rul: T - 1 - bestEnd };
}

export interface SimilarityPrediction extends RulInterval {
  neighbours: { id: string; distance: number; rul: number }[];
}

/** RUL (in steps) of a partial history `query` (oldest first). */
export function predictSimilarity(model: SimilarityModel, query: readonly number[][], confidence = 0.9): SimilarityPrediction {
  if (query.length === 0) throw new Error('similarity model: the query history is empty');
  const width = model.scale.length;
  for (const r of query) if (r.length !== width || r.some((v) => !Number.isFinite(v))) throw new Error(`similarity model: each query row needs ${width} finite values`);
  const tail = query.slice(-model.config.window);
  const matches = model.histories.map((h) => bestMatch(model, h, tail, query.length)).sort((a, b) => a.distance - b.distance);
  const k = Math.max(1, Math.min(model.config.neighbours, matches.length));
  const near = matches.slice(0, k);
  const scale = Math.max(1e-9, near[Math.floor((k - 1) / 2)].distance);
  const weights = near.map((m) => Math.exp(-m.distance / scale));
  const ruls = near.map((m) => m.rul);
  const estimate = weightedQuantile(ruls, weights, 0.5);
  const lower = Math.min(estimate, weightedQuantile(ruls, weights, (1 - confidence) / 2));
  const upper = Math.max(estimate, weightedQuantile(ruls, weights, (1 + confidence) / 2));
  return { estimate, lower, upper, confidence, distribution: summariseSamples(ruls), neighbours: near };
}
