// Per-step features of one asset's history for the RUL learner: the latest value of each signal,
// rolling means and least-squares slopes over several trailing windows, exponentially smoothed
// levels, drift since the start of the history, and the step count. Prefix sums make every feature
// O(1) per step, so a whole history costs O(steps x signals).

export interface WindowFeatureConfig {
  /** Trailing window lengths, in steps, for rolling means and slopes. */
  windows: number[];
  /** Smoothing factors of exponentially weighted levels. */
  ewmAlphas: number[];
  /** Steps at the start of a history that define its own baseline. */
  baselineSteps: number;
}

export const DEFAULT_WINDOW_FEATURES: WindowFeatureConfig = {
  windows: [5, 10, 20, 30],
  ewmAlphas: [0.1, 0.3],
  baselineSteps: 15,
};

/** Names of the features produced for signals named `signals`, in column order. */
export function windowFeatureNames(signals: readonly string[], config: WindowFeatureConfig = DEFAULT_WINDOW_FEATURES): string[] {
  const names: string[] = ['steps'];
  for (const s of signals) {
    names.push(`${s}:last`);
    for (const w of config.windows) names.push(`${s}:mean${w}`);
    for (const w of config.windows) if (w >= 5) names.push(`${s}:slope${w}`);
    for (const a of config.ewmAlphas) names.push(`${s}:ewm${a}`);
    names.push(`${s}:drift`);
  }
  return names;
}

/**
 * Feature rows for every step of a history. `series[t][j]` is signal j at step t (already normalised).
 * Row t uses steps 0..t only, so it is what the model would have seen live at step t.
 */
export function windowFeatureRows(series: readonly (readonly number[])[], config: WindowFeatureConfig = DEFAULT_WINDOW_FEATURES): Float64Array[] {
  const T = series.length;
  if (T === 0) return [];
  const J = series[0].length;
  const slopeWindows = config.windows.filter((w) => w >= 5);
  const width = 1 + J * (1 + config.windows.length + slopeWindows.length + config.ewmAlphas.length + 1);
  // Prefix sums of y and t*y per signal.
  const py = Array.from({ length: J }, () => new Float64Array(T + 1));
  const pty = Array.from({ length: J }, () => new Float64Array(T + 1));
  for (let j = 0; j < J; j++) {
    for (let t = 0; t < T; t++) {
      py[j][t + 1] = py[j][t] + series[t][j];
      pty[j][t + 1] = pty[j][t] + t * series[t][j];
    }
  }
  const ewm = config.ewmAlphas.map(() => new Float64Array(J));
  const rows: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const row = new Float64Array(width);
    row[0] = t + 1;
    let c = 1;
    for (let j = 0; j < J; j++) {
      const y = series[t][j];
      row[c++] = y;
      for (const w of config.windows) {
        const n = Math.min(w, t + 1);
        row[c++] = (py[j][t + 1] - py[j][t + 1 - n]) / n;
      }
      for (const w of slopeWindows) {
        const n = Math.min(w, t + 1);
        const a = t + 1 - n;
        if (n < 3) {
          row[c++] = 0;
          continue;
        }
        const sy = py[j][t + 1] - py[j][a];
        const sty = pty[j][t + 1] - pty[j][a];
        // x = t' - a over the window; sums of x and x^2 in closed form.
        const sx = (n * (n - 1)) / 2;
        const sxx = ((n - 1) * n * (2 * n - 1)) / 6;
        const sxy = sty - a * sy;
        row[c++] = (n * sxy - sx * sy) / (n * sxx - sx * sx);
      }
      for (let k = 0; k < config.ewmAlphas.length; k++) {
        const alpha = config.ewmAlphas[k];
        ewm[k][j] = t === 0 ? y : alpha * y + (1 - alpha) * ewm[k][j];
        row[c++] = ewm[k][j];
      }
      const nb = Math.min(config.baselineSteps, t + 1);
      const nr = Math.min(config.windows[config.windows.length - 1] ?? 10, t + 1);
      row[c++] = (py[j][t + 1] - py[j][t + 1 - nr]) / nr - py[j][nb] / nb;
    }
    rows.push(row);
  }
  return rows;
}
