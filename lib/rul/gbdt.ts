// Gradient-boosted regression trees (squared loss) on histogram-binned features: each feature is cut
// into at most `bins` quantile bins once, so finding a split is a pass over bin histograms instead of
// a sort. Row and feature subsampling per tree, shrinkage, L2 on leaf values. Models are plain JSON.
import { seededRandom } from '../shared/seeded-random';

export interface GbdtConfig {
  rounds: number;
  learningRate: number;
  maxDepth: number;
  minLeaf: number;
  /** L2 penalty on leaf values. */
  lambda: number;
  rowSample: number;
  featureSample: number;
  bins: number;
  seed: number;
}

export const DEFAULT_GBDT: GbdtConfig = {
  rounds: 300,
  learningRate: 0.05,
  maxDepth: 5,
  minLeaf: 20,
  lambda: 1,
  rowSample: 0.5,
  featureSample: 0.5,
  bins: 64,
  seed: 1,
};

/** A tree as parallel arrays; feature -1 marks a leaf whose value is in `value`. */
export interface GbdtTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

export interface GbdtModel {
  base: number;
  trees: GbdtTree[];
  learningRate: number;
  featureCount: number;
}

/** Kept under its old name for the modules and tests that import it from here. */

interface Binned {
  /** codes[f][i]: bin of row i in feature f. */
  codes: Uint8Array[];
  /** cuts[f][b]: upper edge of bin b (values <= cut go to bins <= b). */
  cuts: Float64Array[];
}

function binFeatures(X: readonly Float64Array[], featureCount: number, bins: number): Binned {
  const n = X.length;
  const codes: Uint8Array[] = [];
  const cuts: Float64Array[] = [];
  const col = new Float64Array(n);
  for (let f = 0; f < featureCount; f++) {
    for (let i = 0; i < n; i++) col[i] = X[i][f];
    const sorted = Float64Array.from(col).sort();
    const edges: number[] = [];
    for (let b = 1; b < bins; b++) {
      const v = sorted[Math.min(n - 1, Math.floor((b * n) / bins))];
      if (edges.length === 0 || v > edges[edges.length - 1]) edges.push(v);
    }
    // Bin b holds values in (edges[b-1], edges[b]]; the last bin everything above.
    const edgeArr = Float64Array.from(edges);
    const code = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const v = col[i];
      let lo = 0;
      let hi = edgeArr.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (v <= edgeArr[mid]) hi = mid;
        else lo = mid + 1;
      }
      code[i] = lo;
    }
    codes.push(code);
    cuts.push(edgeArr);
  }
  return { codes, cuts };
}

export interface GbdtProgress {
  round: number;
  rounds: number;
}

/** Fits a boosted ensemble to rows X (equal-length Float64Arrays) and targets y. */
export function fitGbdt(
  X: readonly Float64Array[],
  y: ArrayLike<number>,
  config: GbdtConfig = DEFAULT_GBDT,
  onProgress?: (p: GbdtProgress) => void,
): GbdtModel {
  const n = X.length;
  if (n === 0) throw new Error('gradient boosting: no training rows');
  const featureCount = X[0].length;
  const { codes, cuts } = binFeatures(X, featureCount, config.bins);
  const random = seededRandom(config.seed);
  let base = 0;
  for (let i = 0; i < n; i++) base += y[i];
  base /= n;
  const pred = new Float64Array(n).fill(base);
  const grad = new Float64Array(n);
  const trees: GbdtTree[] = [];
  const maxBins = config.bins + 1;
  const allRows = new Uint32Array(n);
  for (let i = 0; i < n; i++) allRows[i] = i;

  for (let round = 0; round < config.rounds; round++) {
    for (let i = 0; i < n; i++) grad[i] = y[i] - pred[i];
    const rows: number[] = [];
    for (let i = 0; i < n; i++) if (config.rowSample >= 1 || random() < config.rowSample) rows.push(i);
    const features: number[] = [];
    for (let f = 0; f < featureCount; f++) if (config.featureSample >= 1 || random() < config.featureSample) features.push(f);
    if (features.length === 0) features.push(Math.floor(random() * featureCount));
    const tree: GbdtTree = { feature: [], threshold: [], left: [], right: [], value: [] };

    const F = features.length;
    const stride = 2 * maxBins;
    // hist[fi * stride + 2b] = gradient sum, [.. + 1] = row count of bin b of feature features[fi].
    const histogram = (idx: Uint32Array): Float64Array => {
      const hist = new Float64Array(F * stride);
      for (let fi = 0; fi < F; fi++) {
        const code = codes[features[fi]];
        const off = fi * stride;
        for (let k = 0; k < idx.length; k++) {
          const i = idx[k];
          const b = off + 2 * code[i];
          hist[b] += grad[i];
          hist[b + 1]++;
        }
      }
      return hist;
    };

    const build = (idx: Uint32Array, depth: number, hist: Float64Array | null): number => {
      const id = tree.feature.length;
      tree.feature.push(-1);
      tree.threshold.push(0);
      tree.left.push(-1);
      tree.right.push(-1);
      let G = 0;
      for (let k = 0; k < idx.length; k++) G += grad[idx[k]];
      const N = idx.length;
      tree.value.push(G / (N + config.lambda));
      if (depth >= config.maxDepth || N < 2 * config.minLeaf) return id;
      const h = hist ?? histogram(idx);
      const parentScore = (G * G) / (N + config.lambda);
      let bestGain = 1e-12;
      let bestFi = -1;
      let bestBin = -1;
      for (let fi = 0; fi < F; fi++) {
        const nb = cuts[features[fi]].length + 1;
        const off = fi * stride;
        let gl = 0;
        let nl = 0;
        for (let b = 0; b < nb - 1; b++) {
          gl += h[off + 2 * b];
          nl += h[off + 2 * b + 1];
          if (nl < config.minLeaf) continue;
          const nr = N - nl;
          if (nr < config.minLeaf) break;
          const gr = G - gl;
          const gain = (gl * gl) / (nl + config.lambda) + (gr * gr) / (nr + config.lambda) - parentScore;
          if (gain > bestGain) {
            bestGain = gain;
            bestFi = fi;
            bestBin = b;
          }
        }
      }
      if (bestFi < 0) return id;
      const bestF = features[bestFi];
      const code = codes[bestF];
      let nLeft = 0;
      for (let k = 0; k < idx.length; k++) if (code[idx[k]] <= bestBin) nLeft++;
      const li = new Uint32Array(nLeft);
      const ri = new Uint32Array(idx.length - nLeft);
      let a = 0;
      let c = 0;
      for (let k = 0; k < idx.length; k++) {
        const i = idx[k];
        if (code[i] <= bestBin) li[a++] = i;
        else ri[c++] = i;
      }
      tree.feature[id] = bestF;
      tree.threshold[id] = cuts[bestF][bestBin];
      // Histogram of the smaller child directly, the larger one by subtraction from the parent.
      let lh: Float64Array | null = null;
      let rh: Float64Array | null = null;
      if (depth + 1 < config.maxDepth) {
        const smallLeft = li.length <= ri.length;
        const small = histogram(smallLeft ? li : ri);
        const large = new Float64Array(h.length);
        for (let q = 0; q < h.length; q++) large[q] = h[q] - small[q];
        lh = smallLeft ? small : large;
        rh = smallLeft ? large : small;
      }
      tree.left[id] = build(li, depth + 1, lh);
      tree.right[id] = build(ri, depth + 1, rh);
      return id;
    };

    build(Uint32Array.from(rows), 0, null);
    // Leaf values were fitted on the subsample; the update applies to every row.
    for (let k = 0; k < n; k++) pred[allRows[k]] += config.learningRate * predictTree(tree, X[k]);
    trees.push(tree);
    if (onProgress && (round % 10 === 9 || round === config.rounds - 1)) onProgress({ round: round + 1, rounds: config.rounds });
  }
  return { base, trees, learningRate: config.learningRate, featureCount };
}

export function predictTree(tree: GbdtTree, x: ArrayLike<number>): number {
  let node = 0;
  while (tree.feature[node] >= 0) node = x[tree.feature[node]] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
  return tree.value[node];
}

export function predictGbdt(model: GbdtModel, x: ArrayLike<number>): number {
  if (x.length !== model.featureCount) throw new Error(`gradient boosting: expected ${model.featureCount} features, got ${x.length}`);
  let s = model.base;
  for (const t of model.trees) s += model.learningRate * predictTree(t, x);
  return s;
}
