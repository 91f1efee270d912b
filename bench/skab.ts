// npm run bench -- skab [--data DIR] [--detector NAME]
// SKAB's outlier-detection protocol: for every experiment CSV under DIR (any folder depth), fit on
// its first 400 rows, flag the rest, and sum the point-wise confusion over all experiments:
// F1 = TP / (TP + (FP + FN) / 2), FAR = FP / (FP + TN), MAR = FN / (FN + TP).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { dataDir, finish, parseArgs, round } from './_shared';
import { CalibratedDetector, type CalibratedOptions } from '../lib/anomaly/calibrated';

const TRAIN_ROWS = 400;

/** Fixed configurations, one per detector name; the last is the default (best). */
const DETECTORS: Record<string, CalibratedOptions> = {
  'kmeans-distance': { model: 'kmeans', clusters: 4 },
  'pca-t2q-raw': { model: 'pca', smoothing: 1, hysteresis: 1, margin: 1, falseAlarmRate: 0.001 },
  'pca-t2q': { model: 'pca' },
};

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
  const names = typeof args.detector === 'string' ? [args.detector] : Object.keys(DETECTORS);
  let last: Record<string, unknown> = {};
  for (const name of names) {
    const options = DETECTORS[name];
    if (!options) throw new Error(`unknown detector "${name}" (known: ${Object.keys(DETECTORS).join(', ')})`);
    const t0 = performance.now();
    let tp = 0;
    let fp = 0;
    let tn = 0;
    let fn = 0;
    for (const e of experiments) {
      const d = CalibratedDetector.fit(e.rows.slice(0, TRAIN_ROWS), options);
      for (let i = TRAIN_ROWS; i < e.rows.length; i++) {
        const flagged = d.score(e.rows[i]).anomaly;
        const truth = e.labels[i] === 1;
        if (flagged && truth) tp++;
        else if (flagged) fp++;
        else if (truth) fn++;
        else tn++;
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const f1 = tp / (tp + (fp + fn) / 2);
    const far = fp / (fp + tn);
    const mar = fn / (fn + tp);
    console.log(`${name.padEnd(16)} F1 ${round(f1, 3)}  FAR ${round(far * 100, 1)} %  MAR ${round(mar * 100, 1)} %  (${experiments.length} experiments, ${round(seconds, 2)} s)`);
    last = { detector: name, experiments: experiments.length, f1: round(f1, 4), far: round(far, 4), mar: round(mar, 4), seconds: round(seconds, 3) };
  }
  finish(last);
}

main();
