// npm run bench -- nab [--data DIR] [--out OUT] [--detector NAME] [--split] [--seeds N]
// Scores every NAB file under DIR/data/<category>/ with one fixed detector configuration, writes NAB's
// results layout and computes the normalised NAB scores with the project's own scorer.
// --seeds N also reruns the surprise detector with N hash seeds (equivalent detectors whose context
// hashes collide differently) and prints the spread: how much of a figure is luck.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dataDir, finish, parseArgs, round } from './_shared';
import { NAB_PROFILES, parseNabTimestamp, scoreCorpus, scoreFile, windowIndices, type NabFile } from '../lib/anomaly/nab-scorer';
import { createUnivariate, DEFAULT_UNIVARIATE, UNIVARIATE_DETECTORS } from '../lib/anomaly/registry';
import { SurpriseDetector } from '../lib/anomaly/surprise';
import type { StreamingDetector } from '../lib/anomaly/detector';

interface Series {
  category: string;
  file: string;
  key: string;
  stamps: string[];
  timestamps: number[];
  values: number[];
  windows: Array<[number, number]>;
}

function readSeries(dir: string): Series[] {
  const windowsPath = [join(dir, 'labels', 'combined_windows.json'), join(dir, 'combined_windows.json')].find(existsSync);
  if (!windowsPath) throw new Error(`no combined_windows.json in ${dir} or ${join(dir, 'labels')}`);
  const windows = JSON.parse(readFileSync(windowsPath, 'utf8')) as Record<string, [string, string][]>;
  const out: Series[] = [];
  const root = join(dir, 'data');
  for (const category of readdirSync(root).sort()) {
    if (!existsSync(join(root, category)) || category.startsWith('.')) continue;
    let files: string[];
    try {
      files = readdirSync(join(root, category)).filter((f) => f.endsWith('.csv')).sort();
    } catch {
      continue;
    }
    for (const file of files) {
      const key = `${category}/${file}`;
      const lines = readFileSync(join(root, category, file), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
      const stamps: string[] = [];
      const timestamps: number[] = [];
      const values: number[] = [];
      for (const line of lines.slice(1)) {
        const comma = line.indexOf(',');
        const stamp = line.slice(0, comma).trim();
        stamps.push(stamp);
        timestamps.push(parseNabTimestamp(stamp));
        values.push(Number(line.slice(comma + 1)));
      }
      const w = (windows[key] ?? []).map(([a, b]) => [parseNabTimestamp(a), parseNabTimestamp(b)] as [number, number]);
      out.push({ category, file, key, stamps, timestamps, values, windows: w });
    }
  }
  return out;
}

function runDetector(name: string, series: Series[], make: () => StreamingDetector = () => createUnivariate(name)): { scores: Float64Array[]; seconds: number } {
  const t0 = performance.now();
  const scores = series.map((s) => {
    const d = make();
    const out = new Float64Array(s.values.length);
    for (let i = 0; i < s.values.length; i++) out[i] = d.update(s.values[i], s.timestamps[i]);
    return out;
  });
  return { scores, seconds: (performance.now() - t0) / 1000 };
}

function writeResults(outDir: string, name: string, series: Series[], scores: Float64Array[]): void {
  series.forEach((s, k) => {
    const dir = join(outDir, name, s.category);
    mkdirSync(dir, { recursive: true });
    const labels = new Uint8Array(s.values.length);
    for (const [a, b] of windowIndices(s.timestamps, s.windows)) labels.fill(1, a, b + 1);
    const rows = ['timestamp,value,anomaly_score,label'];
    for (let i = 0; i < s.values.length; i++) rows.push(`${s.stamps[i]},${s.values[i]},${round(scores[k][i], 6)},${labels[i]}`);
    writeFileSync(join(dir, `${name}_${s.file}`), rows.join('\n') + '\n');
  });
}

function evaluate(series: Series[], scores: Float64Array[]) {
  const files: NabFile[] = series.map((s, k) => ({ name: s.key, timestamps: s.timestamps, scores: scores[k], windows: s.windows }));
  return NAB_PROFILES.map((p) => scoreCorpus(files, p));
}

/** Even files choose the threshold, odd files are scored with it (normalised, per profile). */
function heldOut(series: Series[], scores: Float64Array[]): number[] {
  const even = series.map((_, k) => k).filter((k) => k % 2 === 0);
  const odd = series.map((_, k) => k).filter((k) => k % 2 === 1);
  const design = evaluate(even.map((k) => series[k]), even.map((k) => scores[k]));
  const heldFiles: NabFile[] = odd.map((k) => ({ name: series[k].key, timestamps: series[k].timestamps, scores: scores[k], windows: series[k].windows }));
  return NAB_PROFILES.map((p, i) => {
    const held = scoreCorpus(heldFiles, p);
    const rawAtDesign = heldFiles.reduce((s, f) => s + scoreFile(f, p, design[i].threshold), 0);
    return (100 * (rawAtDesign - held.nullRaw)) / (held.perfect - held.nullRaw);
  });
}

function seedSpread(series: Series[], seeds: number): void {
  const all: number[][] = [];
  const held: number[][] = [];
  for (let seed = 0; seed < seeds; seed++) {
    const { scores } = runDetector('surprise', series, () => new SurpriseDetector({ seed }));
    all.push(evaluate(series, scores).map((r) => r.normalised));
    held.push(heldOut(series, scores));
  }
  const line = (rows: number[][], i: number) => {
    const v = rows.map((r) => r[i]);
    return `mean ${round(v.reduce((a, b) => a + b, 0) / v.length, 1)} (min ${round(Math.min(...v), 1)}, max ${round(Math.max(...v), 1)})`;
  };
  console.log(`\nsurprise over hash seeds 0-${seeds - 1}:`);
  NAB_PROFILES.forEach((p, i) => console.log(`  ${p.name.padEnd(20)} all files ${line(all, i)}, held-out half ${line(held, i)}`));
}

function report(name: string, series: Series[], scores: Float64Array[], seconds: number, split: boolean) {
  const results = evaluate(series, scores);
  const [std, lowFp, lowFn] = results;
  const samples = series.reduce((n, s) => n + s.values.length, 0);
  console.log(`\n${name}: ${series.length} files, ${samples} samples, ${round(seconds, 2)} s (${round((seconds * 1e6) / samples, 2)} us/sample)`);
  for (const r of results) console.log(`  ${r.profile.padEnd(20)} ${round(r.normalised, 2).toFixed(2).padStart(7)}  (threshold ${round(r.threshold, 4)}, raw ${round(r.raw, 2)})`);
  const categories = [...new Set(series.map((s) => s.category))];
  for (const c of categories) {
    const idx = series.map((s, k) => (s.category === c ? k : -1)).filter((k) => k >= 0);
    const sub = evaluate(idx.map((k) => series[k]), idx.map((k) => scores[k]));
    const raw = idx.reduce((sum, k) => sum + std.perFile[series[k].key], 0);
    console.log(`  ${c.padEnd(24)} standard ${round(sub[0].normalised, 1)} (own threshold), raw ${round(raw, 2)} at corpus threshold`);
  }
  if (split) {
    // Honesty check: the threshold chosen on even-indexed files, the score reported on odd ones.
    const even = series.map((_, k) => k).filter((k) => k % 2 === 0);
    const design = evaluate(even.map((k) => series[k]), even.map((k) => scores[k]));
    const held = heldOut(series, scores);
    NAB_PROFILES.forEach((p, i) => {
      console.log(`  split ${p.name.padEnd(20)} design half ${round(design[i].normalised, 1)}, held-out half ${round(held[i], 1)} (design threshold)`);
    });
  }
  return { std, lowFp, lowFn };
}

function main(): void {
  const args = parseArgs();
  const dir = dataDir('nab', args);
  if (!dir) return;
  const out = typeof args.out === 'string' ? resolve(args.out) : join(__dirname, 'out', 'nab');
  const series = readSeries(dir);
  if (series.length === 0) throw new Error(`no CSV files under ${join(dir, 'data')}`);
  const requested = typeof args.detector === 'string' ? [args.detector] : [...Object.keys(UNIVARIATE_DETECTORS).filter((n) => n !== DEFAULT_UNIVARIATE), DEFAULT_UNIVARIATE];
  let last: Record<string, unknown> = {};
  for (const name of requested) {
    const { scores, seconds } = runDetector(name, series);
    writeResults(out, name, series, scores);
    const { std, lowFp, lowFn } = report(name, series, scores, seconds, args.split === true);
    last = {
      detector: name,
      files: series.length,
      standard: round(std.normalised, 2),
      reward_low_FP_rate: round(lowFp.normalised, 2),
      reward_low_FN_rate: round(lowFn.normalised, 2),
      seconds: round(seconds, 3),
    };
  }
  const seeds = Number(args.seeds ?? 0);
  if (seeds > 1) seedSpread(series, Math.min(Math.floor(seeds), 16));
  console.log(`results: ${out}`);
  finish(last);
}

main();
