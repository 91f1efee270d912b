// NAB's scoring, reimplemented from its documentation and its sweeper: every point after the
// probation period gets a "sweep score" (a scaled sigmoid of where it falls relative to the anomaly
// windows), a detection is any point whose anomaly score reaches the threshold, only the best (the
// earliest) detection of a window counts, every detection outside a window costs, and one threshold
// per profile is chosen to maximise the score summed over the whole corpus. The normalised score is
// 100 (S - S_null) / (S_perfect - S_null).

export interface NabProfile {
  name: string;
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}

export const NAB_PROFILES: readonly NabProfile[] = [
  { name: 'standard', tpWeight: 1, fpWeight: 0.11, fnWeight: 1 },
  { name: 'reward_low_FP_rate', tpWeight: 1, fpWeight: 0.22, fnWeight: 1 },
  { name: 'reward_low_FN_rate', tpWeight: 1, fpWeight: 0.11, fnWeight: 2 },
];

/** 2 sigmoid(-5x) - 1: 0.987 at a window's left edge (-1), 0 at its right edge, -1 far past it. */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition >= 3) return -1;
  return 2 / (1 + Math.exp(5 * relativePosition)) - 1;
}

/** Rows at the start of a file that are never scored: min(floor(15 % of rows), 750). */
export function probationLength(rows: number, percent = 0.15): number {
  return Math.min(Math.floor(percent * rows), percent * 5000);
}

/** One scored file: timestamps (ms, ascending), scores in [0,1], anomaly windows as [start, end] ms. */
export interface NabFile {
  name: string;
  timestamps: ArrayLike<number>;
  scores: ArrayLike<number>;
  windows: ReadonlyArray<readonly [number, number]>;
}

/** Window [first, last] row indices; rows are matched as NAB does, by timestamp. */
export function windowIndices(timestamps: ArrayLike<number>, windows: NabFile['windows']): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  const n = timestamps.length;
  for (const [start, end] of windows) {
    let a = 0;
    while (a < n && timestamps[a] < start) a++;
    let b = a;
    while (b + 1 < n && timestamps[b + 1] <= end) b++;
    if (a < n && timestamps[a] <= end) out.push([a, b]);
  }
  return out;
}

/** Per-row inputs to the threshold sweep: sweep score and window id (-1 outside, -2 probation). */
export interface SweepRows {
  sweep: Float64Array;
  window: Int32Array;
  windowCount: number;
}

/** NAB's calcSweepScore for one file and one profile; window ids start at windowOffset. */
export function sweepRows(file: NabFile, profile: NabProfile, windowOffset = 0): SweepRows {
  const n = file.timestamps.length;
  const sweep = new Float64Array(n);
  const window = new Int32Array(n).fill(-1);
  const limits = windowIndices(file.timestamps, file.windows);
  const maxTp = scaledSigmoid(-1);
  const probation = probationLength(n);
  let w = 0;
  let cur: [number, number] | undefined;
  let prevRight = -1;
  let prevWidth = 0;
  for (let i = 0; i < n; i++) {
    if (!cur && w < limits.length && i === limits[w][0]) cur = limits[w];
    if (cur) {
      const width = cur[1] - cur[0] + 1;
      sweep[i] = (scaledSigmoid(-(cur[1] - i + 1) / width) * profile.tpWeight) / maxTp;
      window[i] = windowOffset + w;
    } else {
      // Right after a window, a false positive costs little and more the further it is.
      const position = prevRight < 0 ? 3 : Math.abs(prevRight - i) / (prevWidth - 1);
      sweep[i] = scaledSigmoid(position) * profile.fpWeight;
    }
    if (i < probation) window[i] = -2;
    if (cur && i === cur[1]) {
      prevRight = i;
      prevWidth = cur[1] - cur[0] + 1;
      cur = undefined;
      w++;
    }
  }
  return { sweep, window, windowCount: limits.length };
}

export interface ThresholdScore {
  threshold: number;
  score: number;
}

/**
 * NAB's calcScoreByThreshold over any number of rows: the score at every distinct threshold, from
 * 1.1 (no detection) down to the lowest score seen. Scores and rows are concatenated across files.
 */
export function scoresByThreshold(scores: ArrayLike<number>, rows: SweepRows, fnWeight: number): ThresholdScore[] {
  const order: number[] = [];
  const seen = new Uint8Array(rows.windowCount);
  for (let i = 0; i < scores.length; i++) {
    const wid = rows.window[i];
    if (wid === -2) continue;
    order.push(i);
    if (wid >= 0) seen[wid] = 1;
  }
  order.sort((a, b) => scores[b] - scores[a]);
  const best = new Float64Array(rows.windowCount).fill(-fnWeight);
  let windowsTotal = 0;
  for (let k = 0; k < seen.length; k++) if (seen[k]) windowsTotal -= fnWeight;
  let fp = 0;
  const out: ThresholdScore[] = [];
  let threshold = 1.1;
  for (const i of order) {
    const s = scores[i];
    if (s !== threshold) {
      out.push({ threshold, score: fp + windowsTotal });
      threshold = s;
    }
    const wid = rows.window[i];
    if (wid < 0) fp += rows.sweep[i];
    else if (rows.sweep[i] > best[wid]) {
      windowsTotal += rows.sweep[i] - best[wid];
      best[wid] = rows.sweep[i];
    }
  }
  out.push({ threshold, score: fp + windowsTotal });
  return out;
}

/** Raw score of one file at a given threshold (detections are scores >= threshold). */
export function scoreAtThreshold(scores: ArrayLike<number>, rows: SweepRows, fnWeight: number, threshold: number): number {
  const best = new Map<number, number>();
  let fp = 0;
  for (let i = 0; i < scores.length; i++) {
    const wid = rows.window[i];
    if (wid === -2) continue;
    if (wid >= 0 && !best.has(wid)) best.set(wid, -fnWeight);
    if (scores[i] < threshold) continue;
    if (wid < 0) fp += rows.sweep[i];
    else best.set(wid, Math.max(best.get(wid) as number, rows.sweep[i]));
  }
  let total = fp;
  for (const v of best.values()) total += v;
  return total;
}

export interface ProfileResult {
  profile: string;
  threshold: number;
  raw: number;
  nullRaw: number;
  perfect: number;
  /** 100 (raw - null) / (perfect - null). */
  normalised: number;
  perFile: Record<string, number>;
}

function concat(files: NabFile[], profile: NabProfile, scoresOf: (f: NabFile) => ArrayLike<number>) {
  const total = files.reduce((s, f) => s + f.timestamps.length, 0);
  const sweep = new Float64Array(total);
  const window = new Int32Array(total);
  const scores = new Float64Array(total);
  const perFileRows: SweepRows[] = [];
  let offset = 0;
  let windowCount = 0;
  for (const f of files) {
    const rows = sweepRows(f, profile, windowCount);
    perFileRows.push(rows);
    sweep.set(rows.sweep, offset);
    window.set(rows.window, offset);
    scores.set(Array.from(scoresOf(f)), offset);
    offset += f.timestamps.length;
    windowCount += rows.windowCount;
  }
  return { all: { sweep, window, windowCount }, scores, perFileRows };
}

function bestOf(list: ThresholdScore[]): ThresholdScore {
  // Stable: among equal scores the highest threshold (the first listed) wins, as in NAB.
  let best = list[0];
  for (const t of list) if (t.score > best.score) best = t;
  return best;
}

/** Scores a corpus under one profile: optimal threshold, raw, null and perfect scores, normalised score. */
export function scoreCorpus(files: NabFile[], profile: NabProfile): ProfileResult {
  const { all, scores, perFileRows } = concat(files, profile, (f) => f.scores);
  const best = bestOf(scoresByThreshold(scores, all, profile.fnWeight));
  const nullScores = new Float64Array(scores.length).fill(0.5);
  const nullRaw = bestOf(scoresByThreshold(nullScores, all, profile.fnWeight)).score;
  const windows = files.reduce((s, f) => s + f.windows.length, 0);
  const perfect = windows * profile.tpWeight;
  const perFile: Record<string, number> = {};
  files.forEach((f, k) => {
    perFile[f.name] = scoreAtThreshold(f.scores, perFileRows[k], profile.fnWeight, best.threshold);
  });
  const normalised = perfect === nullRaw ? 100 : (100 * (best.score - nullRaw)) / (perfect - nullRaw);
  return { profile: profile.name, threshold: best.threshold, raw: best.score, nullRaw, perfect, normalised, perFile };
}

/** NAB's timestamps ("2014-04-10 07:15:00.000000") as UTC epoch ms. */
export function parseNabTimestamp(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?/.exec(text.trim());
  if (!m) throw new Error(`unreadable timestamp "${text}"`);
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], m[6] ? +m[6] : 0, ms);
}

/** Raw score of one file under a profile at a threshold chosen elsewhere (held-out evaluation). */
export function scoreFile(file: NabFile, profile: NabProfile, threshold: number): number {
  return scoreAtThreshold(file.scores, sweepRows(file, profile), profile.fnWeight, threshold);
}
