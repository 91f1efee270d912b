// npm run bench -- skab [--data DIR] [--detector NAME]
// SKAB's outlier-detection protocol: for every experiment CSV under DIR (any folder depth), fit on
// its first 400 rows, flag the rest, and sum the point-wise confusion over all experiments:
// F1 = TP / (TP + (FP + FN) / 2), FAR = FP / (FP + TN), MAR = FN / (FN + TP).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { dataDir, finish, parseArgs, round } from './_shared';
import { CalibratedDetector, type CalibratedOptions } from '../lib/anomaly/calibrated';
import { DriftAwareDetector, type DriftAwareOptions } from '../lib/anomaly/drift-allowance';
import { AnomalyEngine, type EngineOptions } from '../lib/anomaly/engine';

const TRAIN_ROWS = 400;

/** Fixed configurations, one per detector name. */
const DETECTORS: Record<string, CalibratedOptions> = {
  // SKAB's own recipe: PCA T² + Q, limits at p = 0.999, no smoothing.
  'pca-t2q-plain': { model: 'pca', smoothing: 1, hysteresis: 1, margin: 1, falseAlarmRate: 0.001 },
  'kmeans-distance': { model: 'kmeans', clusters: 4, noiseFloor: 0.03 },
  // Scales floored at 3 % of each sensor's level: slow temperature drift is not a fault.
  'pca-t2q-floor': { model: 'pca', noiseFloor: 0.03 },
};

/** The lib's DriftAwareDetector alone (PCA T² + Q with a drift allowance learnt from the learning rows). */
const DRIFT_AWARE: Record<string, DriftAwareOptions> = {
  'pca-t2q-drift-nofloor': {},
  'pca-t2q': { noiseFloor: 0.03 },
};

/**
 * The node's "SKAB" editor preset (nodes/anomaly-detector/anomaly-detector.html), run through the
 * node's own engine (learning = the 400 rows). The last is the headline: the product's figure.
 */
const SKAB_PRESET: Partial<EngineOptions> = { detector: 'pca', learnSamples: TRAIN_ROWS, falseAlarmRate: 0.01, hysteresis: 0.8, suppression: 10, noiseFloor: 0.03, driftAllowance: true };
const NODE_PRESETS: Record<string, Partial<EngineOptions>> = {
  // The preset as it was before the drift allowance.
  'node-preset-skab-nodrift': { ...SKAB_PRESET, driftAllowance: false },
  // The engine with the lib detector's flagging (hysteresis 0.7, no re-alarm suppression): shows
  // that the engine's path reproduces pca-t2q and that the gap to it is the node's flag settings.
  'node-engine-lib-flagging': { ...SKAB_PRESET, hysteresis: 0.7, suppression: 0 },
  'node-preset-skab': SKAB_PRESET,
};

/** A flagger for one experiment: fitted on its learning rows, then called row by row. */
function flagger(name: string, learn: number[][]): (row: number[]) => boolean {
  const preset = NODE_PRESETS[name];
  if (preset) {
    const engine = new AnomalyEngine(preset);
    const names = learn[0].map((_, j) => `f${String(j).padStart(2, '0')}`);
    const vector = (row: number[]) => Object.fromEntries(row.map((v, j) => [names[j], v]));
    learn.forEach((r, i) => engine.updateVector(vector(r), i));
    if (engine.phase !== 'detecting') throw new Error(`${name}: still learning after ${learn.length} rows`);
    return (row) => {
      const o = engine.updateVector(vector(row), 0);
      return o.phase === 'detecting' && o.anomaly;
    };
  }
  const drift = DRIFT_AWARE[name];
  if (drift) {
    const d = DriftAwareDetector.fit(learn, drift);
    return (row) => d.score(row).anomaly;
  }
  const options = DETECTORS[name];
  if (!options) throw new Error(`unknown detector "${name}" (known: ${[...Object.keys(NODE_PRESETS), ...Object.keys(DETECTORS), ...Object.keys(DRIFT_AWARE)].join(', ')})`);
  const d = CalibratedDetector.fit(learn, options);
  return (row) => d.score(row).anomaly;
}

interface Experiment {
  name: string;
  rows: number[][];
  labels: number[];
}

function csvFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }))) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out.push(...csvFiles(p));
    else if (e.endsWith('.csv')) out.push(p);
  }
  return out;
}

function readExperiment(path: string, root: string): Experiment | undefined {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0].split(';').map((h) => h.trim());
  const anomaly = header.indexOf('anomaly');
  // Experiments without labels (the anomaly-free recording) are not part of the protocol.
  if (anomaly < 0) return undefined;
  const features = header.map((h, i) => i).filter((i) => i > 0 && header[i] !== 'anomaly' && header[i] !== 'changepoint');
  const rows: number[][] = [];
  const labels: number[] = [];
  for (const line of lines.slice(1)) {
    const cells = line.split(';');
    rows.push(features.map((i) => Number(cells[i])));
    labels.push(Number(cells[anomaly]) >= 0.5 ? 1 : 0);
  }
  return { name: relative(root, path), rows, labels };
}

function main(): void {
  const args = parseArgs();
  const dir = dataDir('skab', args);
  if (!dir) return;
  const experiments = csvFiles(dir).map((p) => readExperiment(p, dir)).filter((e): e is Experiment => !!e && e.rows.length > TRAIN_ROWS);
  if (experiments.length === 0) throw new Error(`no labelled SKAB experiments under ${dir}`);
  // Lib-only variants first; the node presets last, so the final JSON line is the product's figure.
  const names = typeof args.detector === 'string' ? [args.detector] : [...Object.keys(DETECTORS), ...Object.keys(DRIFT_AWARE), ...Object.keys(NODE_PRESETS)];
  let last: Record<string, unknown> = {};
  for (const name of names) {
    const t0 = performance.now();
    const counts = [0, 1].map(() => ({ tp: 0, fp: 0, tn: 0, fn: 0 }));
    let tp = 0;
    let fp = 0;
    let tn = 0;
    let fn = 0;
    experiments.forEach((e, k) => {
      const half = counts[k % 2];
      const flag = flagger(name, e.rows.slice(0, TRAIN_ROWS));
      for (let i = TRAIN_ROWS; i < e.rows.length; i++) {
        const flagged = flag(e.rows[i]);
        const truth = e.labels[i] === 1;
        if (flagged && truth) (tp++, half.tp++);
        else if (flagged) (fp++, half.fp++);
        else if (truth) (fn++, half.fn++);
        else (tn++, half.tn++);
      }
    });
    const seconds = (performance.now() - t0) / 1000;
    const f1 = tp / (tp + (fp + fn) / 2);
    const far = fp / (fp + tn);
    const mar = fn / (fn + tp);
    console.log(`${name.padEnd(24)} F1 ${round(f1, 3)}  FAR ${round(far * 100, 1)} %  MAR ${round(mar * 100, 1)} %  (${experiments.length} experiments, ${round(seconds, 2)} s)`);
    const halves = counts.map((c, h) => `${h ? 'odd' : 'even'} F1 ${round(c.tp / (c.tp + (c.fp + c.fn) / 2), 3)} FAR ${round((100 * c.fp) / (c.fp + c.tn), 1)} %`);
    console.log(`${''.padEnd(24)} halves: ${halves.join(', ')}`);
    last = { detector: name, experiments: experiments.length, f1: round(f1, 4), far: round(far, 4), mar: round(mar, 4), seconds: round(seconds, 3) };
  }
  finish(last);
}

main();
