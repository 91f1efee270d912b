// Operating-regime normalisation: machines that run at several set points (altitude and throttle of a
// turbofan, speed and load of a pump) move every sensor with the set point, which hides wear. Regimes
// are found by clustering the operating settings; each sensor is then standardised within its regime.
// Shared by the RUL learner and the anomaly detector. The model is plain JSON so it can persist.

// ml-kmeans ships ESM typings that CommonJS resolution cannot see; the runtime require works (Node >= 20.19).
interface KMeansLib {
  kmeans(data: number[][], k: number, options: { seed?: number; maxIterations?: number; initialization?: string }): { centroids: number[][] };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { kmeans } = require('ml-kmeans') as KMeansLib;

export interface RegimeModel {
  /** Per setting: global mean and scale used before clustering (scale 0 = constant setting, ignored). */
  settingMean: number[];
  settingScale: number[];
  /** Cluster centres in the scaled setting space; one centre means a single regime. */
  centroids: number[][];
}

export interface RegimeNormaliserModel {
  regimes: RegimeModel;
  /** mean[regime][sensor], std[regime][sensor]; std 0 marks a sensor constant in that regime. */
  mean: number[][];
  std: number[][];
}

export interface RegimeOptions {
  /** Largest number of regimes tried. */
  maxRegimes?: number;
  /**
   * A clustering is accepted as discrete regimes when it leaves at most this share of the settings'
   * variance inside the clusters; set points are tight, so real regimes leave almost none.
   */
  withinShare?: number;
  seed?: number;
}

function scaledSettings(model: Pick<RegimeModel, 'settingMean' | 'settingScale'>, row: readonly number[]): number[] {
  const out: number[] = [];
  for (let j = 0; j < model.settingMean.length; j++) {
    out.push(model.settingScale[j] > 0 ? (row[j] - model.settingMean[j]) / model.settingScale[j] : 0);
  }
  return out;
}

function sqDist(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

/** Finds the operating regimes of a set of operating-setting rows (the number is chosen from the data). */
export function fitRegimes(settings: readonly (readonly number[])[], options: RegimeOptions = {}): RegimeModel {
  const maxRegimes = options.maxRegimes ?? 10;
  const withinShare = options.withinShare ?? 0.01;
  const dims = settings.length > 0 ? settings[0].length : 0;
  const settingMean: number[] = [];
  const settingScale: number[] = [];
  for (let j = 0; j < dims; j++) {
    let m = 0;
    for (const r of settings) m += r[j];
    m /= settings.length;
    let v = 0;
    for (const r of settings) v += (r[j] - m) ** 2;
    const sd = Math.sqrt(v / settings.length);
    settingMean.push(m);
    // Relative to the magnitude, so a setting that only carries sensor noise counts as constant.
    settingScale.push(sd > 1e-9 * Math.max(1, Math.abs(m)) ? sd : 0);
  }
  const single: RegimeModel = { settingMean, settingScale, centroids: [new Array(dims).fill(0)] };
  if (settings.length < 2 || settingScale.every((s) => s === 0)) return single;
  const points = settings.map((r) => scaledSettings(single, r));
  let total = 0;
  for (const p of points) for (const x of p) total += x * x;
  if (total === 0) return single;
  // Cluster a subsample for speed; the centres are then checked on every point.
  const step = Math.max(1, Math.floor(points.length / 5000));
  const sample = points.filter((_, i) => i % step === 0);
  for (let k = 2; k <= Math.min(maxRegimes, sample.length); k++) {
    const result = kmeans(sample, k, { initialization: 'kmeans++', seed: options.seed ?? 7, maxIterations: 100 });
    const centroids = result.centroids.map((c) => [...c]);
    let within = 0;
    for (const p of points) {
      let best = Infinity;
      for (const c of centroids) best = Math.min(best, sqDist(p, c));
      within += best;
    }
    if (within / total <= withinShare) return { settingMean, settingScale, centroids };
  }
  return single;
}

export function regimeCount(model: RegimeModel): number {
  return model.centroids.length;
}

/** Index of the regime whose centre is nearest to these operating settings. */
export function assignRegime(model: RegimeModel, settingsRow: readonly number[]): number {
  if (model.centroids.length === 1) return 0;
  const p = scaledSettings(model, settingsRow);
  let best = 0;
  let bestD = Infinity;
  for (let c = 0; c < model.centroids.length; c++) {
    const d = sqDist(p, model.centroids[c]);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

/** Fits regimes on the settings and per-regime mean/std of every sensor column. */
export function fitRegimeNormaliser(
  settings: readonly (readonly number[])[],
  sensors: readonly (readonly number[])[],
  options: RegimeOptions = {},
): RegimeNormaliserModel {
  if (settings.length !== sensors.length) throw new Error(`regime normaliser: ${settings.length} setting rows but ${sensors.length} sensor rows`);
  if (sensors.length === 0) throw new Error('regime normaliser: no rows to fit');
  const regimes = fitRegimes(settings, options);
  const k = regimes.centroids.length;
  const width = sensors[0].length;
  const n = new Array(k).fill(0);
  const sum = Array.from({ length: k }, () => new Array(width).fill(0));
  const sumSq = Array.from({ length: k }, () => new Array(width).fill(0));
  for (let i = 0; i < sensors.length; i++) {
    const r = assignRegime(regimes, settings[i]);
    n[r]++;
    for (let j = 0; j < width; j++) {
      sum[r][j] += sensors[i][j];
      sumSq[r][j] += sensors[i][j] ** 2;
    }
  }
  const mean = sum.map((row, r) => row.map((s) => (n[r] > 0 ? s / n[r] : 0)));
  const std = sumSq.map((row, r) =>
    row.map((s, j) => {
      if (n[r] < 2) return 0;
      const m = mean[r][j];
      const sd = Math.sqrt(Math.max(0, s / n[r] - m * m));
      // One pass in floating point leaves ~1e-8 relative noise on a constant column.
      return sd > 1e-6 * Math.max(1, Math.abs(m)) ? sd : 0;
    }),
  );
  return { regimes, mean, std };
}

/** Standardises one sensor row within its regime; constant sensors become 0. */
export function normaliseRow(model: RegimeNormaliserModel, settingsRow: readonly number[], sensorRow: readonly number[]): number[] {
  const r = assignRegime(model.regimes, settingsRow);
  const mean = model.mean[r];
  const std = model.std[r];
  return sensorRow.map((v, j) => (std[j] > 0 ? (v - mean[j]) / std[j] : 0));
}

/** Sensors that vary in at least one regime (the others carry no information). */
export function informativeSensors(model: RegimeNormaliserModel): number[] {
  const width = model.mean[0]?.length ?? 0;
  const out: number[] = [];
  for (let j = 0; j < width; j++) if (model.std.some((row) => row[j] > 0)) out.push(j);
  return out;
}
