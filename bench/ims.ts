// npm run bench -- ims [--data DIR] [--hi relative|own]
// The degradation models on the IMS bearings that failed (test 1 bearings 3 and 4, test 2 bearing 1,
// test 3 bearing 3), as lib/rul/two-stage.ts runs them. Health indicator: each bearing's mean absolute
// vibration over its own early baseline, divided by the median of the same ratio of the other bearings
// on the rig (what they share, a load or rig change, cancels), smoothed causally (--hi own: without
// the peers). Fleet knowledge (lifetimes, onset-to-failure durations, failure levels, degradation
// prior) comes from the other failed bearings only: leave one bearing out (the headline), and leave
// one test out (stricter: test 1's two bearings failed together, so each tells the other its life).
// Lifetime priors: Weibull shapes from 0.5 (the library default; 0.05 and 1 shown for comparison).
// At 50, 70 and 90 % of each life: the error, whether the 90 % interval holds the truth, and the
// interval's width as a share of the true RUL (so that coverage cannot be bought with endless intervals).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DegradationKind } from '../lib/rul/degradation';
import { relativeIndicator } from '../lib/rul/health-indicator';
import { fitTwoStage, predictTwoStage, type FleetRun, type TwoStageConfig } from '../lib/rul/two-stage';
import { dataDir, finish, parseArgs, round } from './_shared';

interface Bearing extends FleetRun {
  name: string;
  test: string;
}

const FAILED = [
  { file: 'merged_dataset_BearingTest_1.csv', bearing: 'Bearing 3', dropLast: false, name: 'test1-b3' },
  { file: 'merged_dataset_BearingTest_1.csv', bearing: 'Bearing 4', dropLast: false, name: 'test1-b4' },
  { file: 'merged_dataset_BearingTest_2.csv', bearing: 'Bearing 1', dropLast: true, name: 'test2-b1' },
  { file: 'merged_dataset_BearingTest_3.csv', bearing: 'Bearing 3', dropLast: true, name: 'test3-b3' },
];
const BASELINE = 50;
const SMOOTHING = 0.1;
const CONFIDENCE = 0.9;
const LIFE_POINTS = [0.5, 0.7, 0.9];
/** Degradation has begun once the indicator is 20 % above the peers' (relative to both baselines). */
const ONSET = 1.2;
/** Forgetting half-life of the degradation fit, as a share of the fleet's mean life. */
const HALF_LIFE_SHARE = 0.05;

/** "Bearing 3 C1" and "Bearing 3 C2" are channels of "Bearing 3". */
function bearingOf(column: string): string | null {
  const m = /^(Bearing \d+)(\s|$)/.exec(column.trim());
  return m ? m[1] : null;
}

function load(dir: string, spec: (typeof FAILED)[number], peersToo: boolean): Bearing {
  const lines = readFileSync(join(dir, spec.file), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0].split(',');
  const channels = new Map<string, number[]>();
  header.forEach((h, i) => {
    const b = bearingOf(h);
    if (b) channels.set(b, [...(channels.get(b) ?? []), i]);
  });
  if (!channels.has(spec.bearing)) throw new Error(`${spec.file}: no column for "${spec.bearing}"`);
  const used = [...channels.values()].flat();
  // Rows with a bad time stamp or a missing value are skipped rather than read as zero.
  const rows = lines
    .slice(1, spec.dropLast ? -1 : undefined)
    .map((l) => l.split(','))
    .filter((r) => Number.isFinite(Date.parse(r[0].replace(' ', 'T') + 'Z')) && used.every((i) => r[i] !== undefined && r[i].trim() !== '' && Number.isFinite(Number(r[i]))));
  if (rows.length < 2 * BASELINE) throw new Error(`${spec.file}: only ${rows.length} usable rows`);
  const signal = (idx: number[]) => rows.map((r) => idx.reduce((s, i) => s + Number(r[i]), 0) / idx.length);
  const own = signal(channels.get(spec.bearing) as number[]);
  const baselineOk = (x: number[]) => x.slice(0, BASELINE).reduce((s, v) => s + v, 0) > 0;
  const peers = peersToo ? [...channels].filter(([b]) => b !== spec.bearing).map(([, idx]) => signal(idx)).filter(baselineOk) : [];
  const t0 = Date.parse(rows[0][0].replace(' ', 'T') + 'Z');
  const t = rows.map((r) => (Date.parse(r[0].replace(' ', 'T') + 'Z') - t0) / 3.6e6);
  return { name: spec.name, test: spec.file, t, hi: relativeIndicator(own, peers, { baseline: BASELINE, smoothing: SMOOTHING }) };
}

interface Tally {
  covered: number[];
  absPct: number[][];
  widthPct: number[][];
}

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function evaluate(bearings: Bearing[], kind: DegradationKind, byTest: boolean, minShape?: number): Tally {
  const tally: Tally = { covered: LIFE_POINTS.map(() => 0), absPct: LIFE_POINTS.map(() => []), widthPct: LIFE_POINTS.map(() => []) };
  const config: TwoStageConfig = { onset: ONSET, kind, confidence: CONFIDENCE, halfLifeShare: HALF_LIFE_SHARE, ...(minShape ? { minShape } : {}) };
  for (const b of bearings) {
    const fleet = bearings.filter((o) => o !== b && !(byTest && o.test === b.test));
    const model = fitTwoStage(fleet, config);
    const life = b.t[b.t.length - 1];
    const parts: string[] = [];
    LIFE_POINTS.forEach((pt, k) => {
      const i = b.t.findIndex((h) => h >= pt * life);
      // Only what the unit has shown so far: samples 0..i.
      const p = predictTwoStage(model, { t: b.t.slice(0, i + 1), hi: b.hi.slice(0, i + 1) });
      const truth = life - b.t[i];
      const inside = p.lower <= truth && truth <= p.upper;
      tally.covered[k] += inside ? 1 : 0;
      tally.absPct[k].push((100 * Math.abs(p.estimate - truth)) / truth);
      tally.widthPct[k].push((100 * (p.upper - p.lower)) / truth);
      const how = p.stage === 'lifetime' ? 'lifetime' : `onset +${p.sinceOnset?.toFixed(0)} h, ${kind} weight ${p.degradationWeight.toFixed(2)}`;
      parts.push(`${pt * 100}%: true ${truth.toFixed(0)} est ${p.estimate.toFixed(0)} [${p.lower.toFixed(0)}, ${p.upper.toFixed(0)}]${inside ? ' in' : ' OUT'} (${how})`);
    });
    console.log(`  ${b.name} (life ${life.toFixed(0)} h): ${parts.join('; ')}`);
  }
  return tally;
}

function summary(t: Tally, n: number): string {
  return LIFE_POINTS.map((pt, k) => `${pt * 100}%: covered ${t.covered[k]}/${n}, mean |error| ${round(mean(t.absPct[k]), 1)} %, median width ${round(median(t.widthPct[k]), 0)} % of true RUL`).join('; ');
}

async function main(): Promise<void> {
  const args = parseArgs();
  const dir = dataDir('ims', args);
  if (!dir) return;
  const hiMode = String(args.hi ?? 'relative');
  if (hiMode !== 'relative' && hiMode !== 'own') throw new Error(`--hi must be "relative" or "own", got "${hiMode}"`);
  const bearings = FAILED.map((spec) => load(dir, spec, hiMode === 'relative'));
  const n = bearings.length;
  console.log(`health indicator: ${hiMode === 'relative' ? 'relative to own baseline and to the rig\'s other bearings' : 'relative to own baseline only'}; onset at ${ONSET}x; 90 % intervals, hours`);
  const tallies: Record<string, Tally> = {};
  const runs: [string, DegradationKind, boolean, number | undefined][] = [
    ['exponential/bearing', 'exponential', false, undefined],
    ['exponential/test', 'exponential', true, undefined],
    ['linear/bearing', 'linear', false, undefined],
    ['linear/test', 'linear', true, undefined],
    // For comparison, the lifetime prior's smallest shape (see lib/rul/weibull-predictive.ts): the plain
    // reference prior (wider, calibrated at any shape) and wear-out (narrower, overconfident).
    ['exponential/bearing/reference', 'exponential', false, 0.05],
    ['exponential/bearing/wear-out', 'exponential', false, 1],
  ];
  for (const [key, kind, byTest, minShape] of runs) {
    console.log(`\n${kind}, leave one ${byTest ? 'test' : 'bearing'} out${minShape ? `, lifetime prior shapes >= ${minShape}` : ''}`);
    const t = (tallies[key] = evaluate(bearings, kind, byTest, minShape));
    console.log(`  ${summary(t, n)}`);
  }
  const head = tallies['exponential/bearing'];
  const strict = tallies['exponential/test'];

  finish({
    bearings: n,
    model: 'two-stage-exponential',
    hi: hiMode,
    coverage50: round(head.covered[0] / n, 3),
    coverage70: round(head.covered[1] / n, 3),
    coverage90: round(head.covered[2] / n, 3),
    meanAbsErrorPct50: round(mean(head.absPct[0]), 1),
    meanAbsErrorPct70: round(mean(head.absPct[1]), 1),
    meanAbsErrorPct90: round(mean(head.absPct[2]), 1),
    medianWidthPct50: round(median(head.widthPct[0]), 0),
    medianWidthPct70: round(median(head.widthPct[1]), 0),
    medianWidthPct90: round(median(head.widthPct[2]), 0),
    leaveTestOutCoverage70: round(strict.covered[1] / n, 3),
    leaveTestOutCoverage90: round(strict.covered[2] / n, 3),
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
