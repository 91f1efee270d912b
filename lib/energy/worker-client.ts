// Starts the solve worker and always settles: with the solver's result, or, when the worker
// overruns its watchdog, crashes or is cancelled, with the best plan it reported before that.
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Progress, SolveRequest, SolveResult } from './highs-solve';

export interface WorkerSolve {
  result: Promise<SolveResult>;
  /** Stops the worker; result settles with the best plan reported so far. */
  cancel(reason?: string): void;
}

export interface WorkerOptions {
  /** Extra time after the solver's own limit before the worker is stopped (ms). */
  graceMs?: number;
  onProgress?: (p: Progress) => void;
}

/** The compiled worker; from TypeScript sources (tests, benchmarks) it is loaded through tsx. */
function startWorker(request: SolveRequest): Worker {
  const compiled = join(__dirname, 'solve-worker.js');
  if (extname(__filename) === '.js' || existsSync(compiled)) return new Worker(compiled, { workerData: request });
  const source = join(__dirname, 'solve-worker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(source)});`, { eval: true, workerData: request });
}

export function solveInWorker(request: SolveRequest, options: WorkerOptions = {}): WorkerSolve {
  const started = Date.now();
  let best: Progress | undefined;
  let settle: (r: SolveResult) => void = () => undefined;
  const result = new Promise<SolveResult>((resolve) => (settle = resolve));
  let finished = false;
  const worker = startWorker(request);
  const stopWith = (message: string) => {
    if (finished) return;
    finished = true;
    clearTimeout(watchdog);
    void worker.terminate();
    const seconds = (Date.now() - started) / 1000;
    if (best) settle({ status: 'time-limit', values: best.values, objective: best.objective, gap: Number.isFinite(best.gap) ? best.gap : Infinity, seconds, message });
    else settle({ status: 'no-solution', gap: Infinity, seconds, message });
  };
  const watchdog = setTimeout(() => stopWith('solver overran its time limit and was stopped'), request.timeLimitSeconds * 1000 + (options.graceMs ?? 5000));
  worker.on('message', (msg: { type: string; progress?: Progress; result?: SolveResult }) => {
    if (msg.type === 'progress' && msg.progress) {
      best = msg.progress;
      options.onProgress?.(msg.progress);
    } else if (msg.type === 'result' && msg.result && !finished) {
      finished = true;
      clearTimeout(watchdog);
      void worker.terminate();
      settle(msg.result);
    }
  });
  worker.on('error', (err) => stopWith(`solver worker failed: ${err.message}`));
  worker.on('exit', (code) => stopWith(`solver worker exited (code ${code})`));
  return { result, cancel: (reason = 'cancelled') => stopWith(reason) };
}
