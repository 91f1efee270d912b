// Energy benchmark: scheduling (generated plants of 10, 50 and 100 loads x 96 quarter-hours, fixed
// seeds: naive, greedy and node plan against a long HiGHS run), day-ahead forecasting on the steel
// plant data (rolling origin over the last 8 weeks, against seasonal naive) and the demand guard on
// a replayed day with added motors.
// Options: --data DIR  --reference-seconds 120  --time-limit 5  --scenarios 10,50,100  --skip-forecast  --skip-guard
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LoadForecaster } from '../lib/energy/forecast';
import { DemandGuard } from '../lib/energy/guard';
import { generateScenario } from '../lib/energy/scenario';
import { seededRandom } from '../lib/shared/seeded-random';
import { startPlan } from '../lib/energy/scheduler';
import { dataDir, finish, parseArgs, round } from './_shared';

const args = parseArgs();
const referenceSeconds = Number(args['reference-seconds'] ?? 120);
const timeLimit = Number(args['time-limit'] ?? 5);
const sizes = String(args.scenarios ?? '10,50,100').split(',').map(Number);
const figures: Record<string, unknown> = {};

async function scheduling(): Promise<void> {
  for (const n of sizes) {
    const input = generateScenario({ loads: n, seed: 1000 + n });
    const greedy = (await startPlan(input, { solver: 'none' }).outcome).schedule;
    const t0 = performance.now();
    const plan = (await startPlan(input, { timeLimitSeconds: timeLimit }).outcome).schedule;
    const solveSeconds = (performance.now() - t0) / 1000;
    const reference = (await startPlan(input, { timeLimitSeconds: referenceSeconds, gap: 0, graceMs: 60_000 }).outcome).schedule;
    const naive = plan.naive ?? { cost: NaN, peakKw: NaN };
    const row = {
      naivePeakKw: round(naive.peakKw, 1),
      greedyPeakKw: round(greedy.peakKw, 1),
      optPeakKw: round(plan.peakKw, 1),
      peakReduction: round(1 - plan.peakKw / naive.peakKw, 4),
      naiveCost: round(naive.cost, 2),
      greedyCost: round(greedy.cost.total, 2),
      optCost: round(plan.cost.total, 2),
      referenceCost: round(reference.cost.total, 2),
      referenceStatus: reference.status,
      referenceGapBound: round(reference.gap, 4),
      gap: round(plan.cost.total / reference.cost.total - 1, 5),
      status: plan.status,
      solverGap: round(plan.gap, 4),
      solveSeconds: round(solveSeconds, 2),
    };
    console.log(`scenario ${n} loads: naive ${row.naiveCost} (${row.naivePeakKw} kW), greedy ${row.greedyCost} (${row.greedyPeakKw} kW), plan ${row.optCost} (${row.optPeakKw} kW, ${plan.status}, ${row.solveSeconds} s), reference ${referenceSeconds} s ${row.referenceCost} (${reference.status}, bound gap ${row.referenceGapBound})`);
    figures[`scenario${n}`] = row;
  }
}

/** Steel plant CSV: `date` is the interval's end (dd/mm/yyyy HH:MM; 00:00 rows carry the previous day's date). */
function readSteel(dir: string): Array<[start: number, kwh: number]> {
  const text = readFileSync(join(dir, 'Steel_industry_data.csv'), 'utf8').replace(/^\uFEFF/, '');
  const rows = text.trim().split(/\r?\n/).slice(1).map((line): [number, number] => {
    const [stamp, usage] = line.split(',');
    const [date, time] = stamp.split(' ');
    const [dd, mm, yyyy] = date.split('/').map(Number);
    const [hh, mi] = time.split(':').map(Number);
    let end = Date.UTC(yyyy, mm - 1, dd, hh, mi);
    if (hh === 0 && mi === 0) end += 86_400_000;
    return [end - 15 * 60_000, Number(usage)];
  });
  return rows.filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v)).sort((a, b) => a[0] - b[0]);
}

function forecasting(rows: Array<[number, number]>): void {
  const P = 96;
  const days = Math.floor(rows.length / P);
  const firstOrigin = (days - 56) * P;
  const f = new LoadForecaster({ intervalMinutes: 15, timezone: 'utc' });
  let i = 0;
  for (; i < firstOrigin; i++) f.observe(rows[i][0], rows[i][1]);
  // MASE scale: in-sample MAE of the one-week seasonal naive on the data before the first origin.
  let scaleSum = 0;
  for (let k = 7 * P; k < firstOrigin; k++) scaleSum += Math.abs(rows[k][1] - rows[k - 7 * P][1]);
  const scale = scaleSum / (firstOrigin - 7 * P);
  let abs = 0;
  let naiveAbs = 0;
  let pct = 0;
  let pctN = 0;
  let n = 0;
  const t0 = performance.now();
  while (i + P <= rows.length) {
    const fc = f.forecast(P); // made only from data before its origin
    for (let k = 0; k < P; k++, i++) {
      const actual = rows[i][1];
      abs += Math.abs(actual - fc.values[k]);
      naiveAbs += Math.abs(actual - rows[i - 7 * P][1]);
      if (actual !== 0) {
        pct += Math.abs((actual - fc.values[k]) / actual);
        pctN++;
      }
      n++;
      f.observe(rows[i][0], actual);
    }
  }
  const mae = abs / n;
  const naiveMae = naiveAbs / n;
  const out = { mae: round(mae, 3), naiveMae: round(naiveMae, 3), maeImprovement: round(1 - mae / naiveMae, 4), mape: round((100 * pct) / pctN, 2), mase: round(mae / scale, 4), naiveMase: round(naiveMae / scale, 4), origins: n / P, seconds: round((performance.now() - t0) / 1000, 2) };
  console.log(`forecast: ${out.origins} day-ahead origins, MAE ${out.mae} kWh vs seasonal naive ${out.naiveMae} (${round(out.maeImprovement * 100, 1)} % lower), MAPE ${out.mape} %, MASE ${out.mase}`);
  figures.forecast = out;
}

/**
 * The busiest day of the last 8 weeks replayed minute by minute (kW = kWh per quarter x 4) with six
 * added motors whose planned starts crowd the morning; peak quarter-hour with and without the guard.
 */
function guard(rows: Array<[number, number]>): void {
  const P = 96;
  const days = Math.floor(rows.length / P);
  let best = days - 56;
  let bestPeak = -1;
  for (let d = days - 56; d < days; d++) {
    const peak = Math.max(...rows.slice(d * P, d * P + P).map((r) => r[1]));
    if (peak > bestPeak) [best, bestPeak] = [d, peak];
  }
  const day = rows.slice(best * P, best * P + P);
  const dayStart = day[0][0];
  const baseKw = (t: number) => day[Math.min(P - 1, Math.floor((t - dayStart) / 900_000))][1] * 4;
  const rnd = seededRandom(8);
  const motors = Array.from({ length: 6 }, (_, k) => ({ id: `motor${k + 1}`, powerKw: Math.round(60 + rnd() * 60), priority: k + 1, start: dayStart + (8 * 60 + k * 7) * 60_000, minutes: 120 + Math.round(rnd() * 60) }));
  const basePeak = Math.max(...day.map((r) => r[1] * 4));
  const targetKw = Math.round(basePeak * 1.05);
  const simulate = (withGuard: boolean) => {
    const g = new DemandGuard({ targetKw, startGapSeconds: 10, minShedSeconds: 120, loads: motors.map((m) => ({ id: m.id, powerKw: m.powerKw, priority: m.priority })) });
    const on = new Set<string>();
    let shedMinutes = 0;
    let energy = 0;
    const quarters: number[] = [];
    for (let minute = 0; minute < 24 * 60; minute++) {
      const t = dayStart + minute * 60_000;
      const commands = [];
      for (const m of motors) {
        if (t === m.start) commands.push({ loadId: m.id, action: 'start' as const, at: t, reason: 'plan' });
        if (t === m.start + m.minutes * 60_000) commands.push({ loadId: m.id, action: 'stop' as const, at: t, reason: 'plan' });
      }
      const kw = baseKw(t) + motors.filter((m) => on.has(m.id)).reduce((a, m) => a + m.powerKw, 0);
      if (withGuard) {
        const out = [...commands.flatMap((c) => g.request(c, t)), ...g.meter(kw, t)];
        for (const c of out) {
          if (c.action === 'start' || c.action === 'release') on.add(c.loadId);
          else on.delete(c.loadId);
        }
        shedMinutes += g.status(t).shed.length + g.status(t).waiting.length;
      } else {
        for (const c of commands) {
          if (c.action === 'start') on.add(c.loadId);
          else on.delete(c.loadId);
        }
      }
      energy += baseKw(t) + motors.filter((m) => on.has(m.id)).reduce((a, m) => a + m.powerKw, 0);
      if (minute % 15 === 14) {
        quarters.push(energy / 15);
        energy = 0;
      }
    }
    return { peak: Math.max(...quarters), shedMinutes };
  };
  const without = simulate(false);
  const withGuard = simulate(true);
  const out = { day: new Date(dayStart).toISOString().slice(0, 10), targetKw, basePeakKw: round(basePeak, 1), motorsKw: motors.reduce((a, m) => a + m.powerKw, 0), peakKwWithout: round(without.peak, 1), peakKwWith: round(withGuard.peak, 1), motorMinutesShedOrDeferred: withGuard.shedMinutes };
  console.log(`guard on ${out.day}: base peak ${out.basePeakKw} kW, + ${motors.length} motors (${out.motorsKw} kW): peak quarter-hour ${out.peakKwWithout} kW without, ${out.peakKwWith} kW with the guard (target ${targetKw} kW, ${out.motorMinutesShedOrDeferred} motor-minutes shed or deferred)`);
  figures.guard = out;
}

async function main(): Promise<void> {
  console.log(`energy benchmark: scheduling ${sizes.join('/')} loads, node time limit ${timeLimit} s, reference ${referenceSeconds} s`);
  await scheduling();
  const dir = args['skip-forecast'] && args['skip-guard'] ? undefined : dataDir('energy', args);
  if (dir) {
    const rows = readSteel(dir);
    if (!args['skip-forecast']) forecasting(rows);
    if (!args['skip-guard']) guard(rows);
  }
  finish(figures);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
