// Starts the planning worker and always settles: with the solver's result, or, when the worker
// overruns its watchdog, crashes or is cancelled, with the best plan it reported before that.
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Placement } from './evaluate';
import type { SolverStatus } from './highs-solve';
import type { JobEvent, PlanJob } from './plan-job';

export interface WorkerOutcome {
  status: SolverStatus;
  /** The solver's plan (or the best improving plan reported before the worker stopped). */
  placements?: Placement[];
  gap: number;
  seconds: number;
  message?: string;
  /** The greedy plan the worker reported first, when it got that far. */
  greedy?: { placements: Placement[]; unplaced: string[]; valid: boolean };
}

export interface WorkerSolve {
  result: Promise<WorkerOutcome>;
  /** Stops the worker; result settles with the best plan reported so far. */
  cancel(reason?: string): void;
}

/** The compiled worker; from TypeScript sources (tests, benchmarks) it is loaded through tsx. */
function startWorker(job: PlanJob): Worker {
  const compiled = join(__dirname, 'solve-worker.js');
  if (extname(__filename) === '.js' || existsSync(compiled)) return new Worker(compiled, { workerData: job });
  const source = join(__dirname, 'solve-worker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true, workerData: job });
}

export function solveInWorker(job: PlanJob, options: { graceMs?: number; onProgress?: (gap: number) => void } = {}): WorkerSolve {
  const started = Date.now();
  let greedy: WorkerOutcome['greedy'];
  let best: { placements: Placement[]; gap: number } | undefined;
  let settle: (r: WorkerOutcome) => void = () => undefined;
  const result = new Promise<WorkerOutcome>((resolve) => (settle = resolve));
  let finished = false;
  const worker = startWorker(job);
  const stopWith = (message: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(watchdog);
    void worker.terminate();
    const seconds = (Date.now() - started) / 1000;
    if (best) settle({ status: 'time-limit', placements: best.placements, gap: Number.isFinite(best.gap) ? best.gap : Infinity, seconds, message, greedy });
    else settle({ status: 'no-solution', gap: Infinity, seconds, message, greedy });
  };
  const watchdog = setTimeout(() => stopWith('solver overran its time limit and was stopped'), job.timeLimitSeconds * 1000 + (options.graceMs ?? 10_000));
  worker.on('message', (event: JobEvent) => {
    if (finished) return;
    if (event.type === 'greedy') greedy = { placements: event.placements, unplaced: event.unplaced, valid: event.valid };
    else if (event.type === 'progress') {
      best = { placements: event.placements, gap: event.gap };
      options.onProgress?.(event.gap);
    } else if (event.type === 'result') {
      finished = true;
      clearTimeout(watchdog);
      void worker.terminate();
      settle({ status: event.status, placements: event.placements ?? best?.placements, gap: event.gap, seconds: event.seconds, message: event.message, greedy });
    }
  });
  worker.on('error', (err) => stopWith(`solver worker failed: ${err.message}`));
  worker.on('exit', (code) => stopWith(`solver worker exited (code ${code})`));
  return { result, cancel: (reason = 'cancelled') => stopWith(reason) };
}
