// npm run bench -- cmapss [--data DIR] [--subset FD00x]
// Trains the RUL learner (the node's code and default settings) on train_FD00x.txt, predicts the last
// cycle of every test unit, and scores against RUL_FD00x.txt: RMSE against the truth capped at 125
// and against the raw truth, the PHM08 score, training seconds and inference time per unit.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_LEARNER, predictLearner, trainLearner, type RunHistory } from '../lib/rul/learner';
import { cpuMs, dataDir, finish, parseArgs, round } from './_shared';

const SETTINGS = ['setting1', 'setting2', 'setting3'];
const SENSORS = Array.from({ length: 21 }, (_, i) => `s${i + 1}`);

/** NASA's format: unit, cycle, 3 settings, 21 sensors, space separated. */
function readUnits(file: string, failed: boolean): RunHistory[] {
  const byUnit = new Map<number, RunHistory>();
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const cols = line.trim().split(/\s+/).map(Number);
    if (cols.length < 26 || cols.some((c) => !Number.isFinite(c))) continue;
    const unit = cols[0];
    let h = byUnit.get(unit);
    if (!h) byUnit.set(unit, (h = { asset: String(unit), settings: [], signals: [], failed }));
    h.settings.push(cols.slice(2, 5));
    h.signals.push(cols.slice(5, 26));
  }
  return [...byUnit.values()];
}

async function main(): Promise<void> {
  const args = parseArgs();
  const subset = typeof args.subset === 'string' ? args.subset.toUpperCase() : 'FD001';
  if (!/^FD00\d$/.test(subset)) throw new Error(`--subset must look like FD001, got ${subset}`);
  const dir = dataDir('cmapss', args);
  if (!dir) return;
  for (const f of [`train_${subset}.txt`, `test_${subset}.txt`, `RUL_${subset}.txt`]) {
    if (!existsSync(join(dir, f))) throw new Error(`${f} not found in ${dir}: C-MAPSS ${subset} needs train_, test_ and RUL_ files`);
  }
  const train = readUnits(join(dir, `train_${subset}.txt`), true);
  const test = readUnits(join(dir, `test_${subset}.txt`), false);
  const truth = readFileSync(join(dir, `RUL_${subset}.txt`), 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .map(Number);
  if (truth.length !== test.length) throw new Error(`${test.length} test units but ${truth.length} true RUL values`);
  console.log(`${subset}: ${train.length} training units (${train.reduce((s, h) => s + h.signals.length, 0)} rows), ${test.length} test units`);

  let lastShown = -1;
  const trained = await cpuMs(() =>
    trainLearner(train, { signals: SENSORS, settings: SETTINGS }, DEFAULT_LEARNER, (p) => {
      const pct = Math.floor(p.fraction * 10);
      if (pct !== lastShown) {
        lastShown = pct;
        process.stdout.write(`  training ${Math.round(p.fraction * 100)} % ${p.detail ?? p.phase}\n`);
      }
    }),
  );
  const model = trained.result;
  console.log(`regimes: ${model.normaliser.regimes.centroids.length}, signals kept: ${model.active.length}/${SENSORS.length}`);

  const predicted = await cpuMs(() => test.map((h) => predictLearner(model, h, 0.9)));
  const cap = DEFAULT_LEARNER.cap;
  let se = 0;
  let seRaw = 0;
  let phm = 0;
  let covered = 0;
  predicted.result.forEach((p, i) => {
    const t = truth[i];
    const tc = Math.min(cap, t);
    se += (p.estimate - tc) ** 2;
    seRaw += (p.estimate - t) ** 2;
    const d = p.estimate - t;
    phm += d < 0 ? Math.exp(-d / 13) - 1 : Math.exp(d / 10) - 1;
    if (p.lower <= tc && tc <= p.upper) covered++;
  });
  const n = test.length;
  const figures = {
    subset,
    units: n,
    rmseCapped: round(Math.sqrt(se / n), 2),
    rmseRaw: round(Math.sqrt(seRaw / n), 2),
    phm08: round(phm, 1),
    trainSeconds: round(trained.wallMs / 1000, 1),
    trainCpuSeconds: round(trained.cpuMs / 1000, 1),
    inferMsPerUnit: round(predicted.wallMs / n, 2),
    interval90Coverage: round(covered / n, 3),
  };
  console.log(`RMSE (truth capped at ${cap}): ${figures.rmseCapped}`);
  console.log(`RMSE (raw truth):             ${figures.rmseRaw}`);
  console.log(`PHM08 score:                  ${figures.phm08}`);
  console.log(`training: ${figures.trainSeconds} s wall, ${figures.trainCpuSeconds} s CPU; inference ${figures.inferMsPerUnit} ms/unit`);
  console.log(`90 % interval covers the capped truth for ${Math.round(figures.interval90Coverage * 100)} % of units`);
  finish(figures);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
