// npm run bench -- ims [--data DIR]
// The degradation models on the IMS bearings that failed (test 1 bearings 3 and 4, test 2 bearing 1,
// test 3 bearing 3). Health indicator: mean absolute vibration over its own early baseline (first 50
// snapshots), smoothed causally. Leave-one-out fleet knowledge: the failure threshold, the prior and
// the lifetimes come from the other failed bearings only. Two stages, as a technician would run them:
// until the indicator passes an onset level the RUL comes from the Weibull lifetime of the fleet given
// the hours run; from onset on, the degradation model (updated with every snapshot since onset) takes
// over. At 50, 70 and 90 % of each life we report the error and whether the 90 % interval holds the truth.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDegradation, fitDegradationPrior, predictDegradation, updateDegradation, type DegradationKind } from '../lib/rul/degradation';
import { fitWeibull, predictWeibull } from '../lib/rul/weibull';
import { dataDir, finish, parseArgs, round } from './_shared';

interface Bearing {
  name: string;
  hours: number[];
  hi: number[];
}

const FAILED = [
  { file: 'merged_dataset_BearingTest_1.csv', columns: ['Bearing 3 C1', 'Bearing 3 C2'], dropLast: false, name: 'test1-b3' },
  { file: 'merged_dataset_BearingTest_1.csv', columns: ['Bearing 4 C1', 'Bearing 4 C2'], dropLast: false, name: 'test1-b4' },
  { file: 'merged_dataset_BearingTest_2.csv', columns: ['Bearing 1'], dropLast: true, name: 'test2-b1' },
  { file: 'merged_dataset_BearingTest_3.csv', columns: ['Bearing 3'], dropLast: true, name: 'test3-b3' },
];
const BASELINE = 50;
const SMOOTHING = 0.1;
const CONFIDENCE = 0.9;
const LIFE_POINTS = [0.5, 0.7, 0.9];
/** Degradation has begun once the smoothed indicator is this many times its baseline. */
const ONSET = 1.5;
/** Forgetting half-life of the degradation fit, as a share of the fleet's mean life. */
const HALF_LIFE_SHARE = 0.05;

/** The part of a history after onset, time measured from onset (for fleet priors). */
function afterOnset(b: Bearing): { t: number[]; hi: number[] } {
  const i = b.hi.findIndex((v) => v >= ONSET);
  if (i < 0) return { t: [], hi: [] };
  return { t: b.hours.slice(i).map((h) => h - b.hours[i]), hi: b.hi.slice(i) };
}

function load(dir: string, spec: (typeof FAILED)[number]): Bearing {
  const lines = readFileSync(join(dir, spec.file), 'utf8').split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = lines[0].split(',').map((h) => h.trim());
  const idx = spec.columns.map((c) => {
    const i = header.indexOf(c);
    if (i < 0) throw new Error(`${spec.file}: column "${c}" not found`);
    return i;
  });
  const rows = lines.slice(1, spec.dropLast ? -1 : undefined).map((l) => l.split(','));
  const t0 = Date.parse(rows[0][0].replace(' ', 'T') + 'Z');
  const raw = rows.map((r) => idx.reduce((s, i) => s + Number(r[i]), 0) / idx.length);
  const base = raw.slice(0, BASELINE).reduce((s, v) => s + v, 0) / BASELINE;
  let level = raw[0] / base;
  const hi = raw.map((v) => (level = SMOOTHING * (v / base) + (1 - SMOOTHING) * level));
  const hours = rows.map((r) => (Date.parse(r[0].replace(' ', 'T') + 'Z') - t0) / 3.6e6);
  return { name: spec.name, hours, hi };
}

function finalLevel(b: Bearing): number {
  return b.hi[b.hi.length - 1];
}

async function main(): Promise<void> {
  const args = parseArgs();
  const dir = dataDir('ims', args);
  if (!dir) return;
  const bearings = FAILED.map((spec) => load(dir, spec));
  const results: Record<DegradationKind, { covered: Record<number, number>; absPct: Record<number, number[]> }> = {
    exponential: { covered: {}, absPct: {} },
    linear: { covered: {}, absPct: {} },
  };
  for (const kind of ['exponential', 'linear'] as DegradationKind[]) {
    console.log(`\n${kind} degradation model (90 % interval, hours)`);
    for (const b of bearings) {
      const others = bearings.filter((o) => o !== b);
      const threshold = others.reduce((s, o) => s + finalLevel(o), 0) / others.length;
      const prior = fitDegradationPrior(kind, others.map(afterOnset), 0);
      const survival = fitWeibull(others.map((o) => ({ time: o.hours[o.hours.length - 1], failed: true })));
      const life = b.hours[b.hours.length - 1];
      const fleetLife = others.reduce((s, o) => s + o.hours[o.hours.length - 1], 0) / others.length;
      const model = createDegradation({ kind, threshold, prior, offset: 0, maxRul: 10 * life, halfLife: HALF_LIFE_SHARE * fleetLife });
      let onsetAt: number | null = null;
      let next = 0;
      const parts: string[] = [];
      for (let i = 0; i < b.hours.length && next < LIFE_POINTS.length; i++) {
        if (onsetAt === null && b.hi[i] >= ONSET) onsetAt = b.hours[i];
        if (onsetAt !== null) updateDegradation(model, b.hours[i] - onsetAt, b.hi[i]);
        if (b.hours[i] < LIFE_POINTS[next] * life) continue;
        const p = onsetAt === null ? predictWeibull(survival, b.hours[i], CONFIDENCE) : predictDegradation(model, CONFIDENCE);
        const truth = life - b.hours[i];
        const inside = p.lower <= truth && truth <= p.upper;
        const pt = LIFE_POINTS[next];
        results[kind].covered[pt] = (results[kind].covered[pt] ?? 0) + (inside ? 1 : 0);
        (results[kind].absPct[pt] ??= []).push((100 * Math.abs(p.estimate - truth)) / truth);
        parts.push(`${pt * 100}%: true ${truth.toFixed(0)} est ${p.estimate.toFixed(0)} [${p.lower.toFixed(0)}, ${p.upper.toFixed(0)}]${inside ? ' in' : ' OUT'} (${onsetAt === null ? 'weibull' : kind})`);
        next++;
      }
      console.log(`  ${b.name} (life ${life.toFixed(0)} h, threshold ${threshold.toFixed(2)}x): ${parts.join('; ')}`);
    }
    for (const pt of LIFE_POINTS) {
      const errs = results[kind].absPct[pt] ?? [];
      console.log(`  at ${pt * 100}% of life: covered ${results[kind].covered[pt] ?? 0}/${bearings.length}, mean |error| ${round(errs.reduce((s, e) => s + e, 0) / errs.length, 1)} % of true RUL`);
    }
  }
  const exp = results.exponential;
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  finish({
    bearings: bearings.length,
    model: 'exponential',
    coverage50: round((exp.covered[0.5] ?? 0) / bearings.length, 3),
    coverage70: round((exp.covered[0.7] ?? 0) / bearings.length, 3),
    coverage90: round((exp.covered[0.9] ?? 0) / bearings.length, 3),
    meanAbsErrorPct50: round(mean(exp.absPct[0.5]), 1),
    meanAbsErrorPct70: round(mean(exp.absPct[0.7]), 1),
    meanAbsErrorPct90: round(mean(exp.absPct[0.9]), 1),
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
