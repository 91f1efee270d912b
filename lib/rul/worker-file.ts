// Where a sibling worker script is and how to start it: from the compiled dist/ it is plain .js;
// from source (tests, benchmarks under tsx) it is .ts and the worker needs tsx's CommonJS hook,
// which a worker does not inherit from `--import tsx`.
import { extname, join } from 'node:path';
import type { WorkerOptions } from 'node:worker_threads';

export function siblingWorker(dir: string, name: string): { file: string; options: WorkerOptions } {
  const ext = extname(__filename) || '.js';
  return { file: join(dir, `${name}${ext}`), options: ext === '.ts' ? { execArgv: ['--require', 'tsx/cjs'] } : {} };
}
