// Worker-thread entry: solves one MILP with HiGHS off the event loop, posting each improving plan
// so the caller holds the best plan so far even if it has to stop the worker.
import { parentPort, workerData } from 'node:worker_threads';
import { type SolveRequest, solveMilp } from './highs-solve';

const request = workerData as SolveRequest;
solveMilp(request, (progress) => parentPort?.postMessage({ type: 'progress', progress }))
  .then((result) => parentPort?.postMessage({ type: 'result', result }))
  .catch((err: unknown) => parentPort?.postMessage({ type: 'result', result: { status: 'error', gap: Infinity, seconds: 0, message: err instanceof Error ? err.message : String(err) } }));
