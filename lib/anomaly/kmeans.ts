// ml-kmeans behind a small typed wrapper (its typings do not resolve under this project's
// CommonJS module resolution; the runtime require works on Node >= 20.19).
interface KMeansLib {
  kmeans(data: number[][], k: number, options: { seed?: number; maxIterations?: number; initialization?: string }): { centroids: number[][]; clusters: number[] };
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lib = require('ml-kmeans') as KMeansLib;

/** Centroids of k clusters (fewer when there are fewer distinct rows), deterministic for given data. */
export function kmeansCentroids(rows: number[][], k: number): number[][] {
  const distinct = new Set(rows.map((r) => r.join(','))).size;
  const kk = Math.max(1, Math.min(k, distinct));
  if (kk === 1) {
    const d = rows[0].length;
    const mean = new Array(d).fill(0);
    for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / rows.length;
    return [mean];
  }
  return lib.kmeans(rows, kk, { seed: 42, maxIterations: 100, initialization: 'kmeans++' }).centroids.map((c) => [...c]);
}

/** Index of the nearest centroid by squared Euclidean distance. */
export function nearest(centroids: number[][], row: number[]): number {
  let best = 0;
  let bestD = Number.POSITIVE_INFINITY;
  centroids.forEach((c, i) => {
    let d = 0;
    for (let j = 0; j < row.length; j++) d += (row[j] - c[j]) ** 2;
    if (d < bestD) {
      bestD = d;
      best = i;
    }
  });
  return best;
}
