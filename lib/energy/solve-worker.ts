// Worker-thread entry: runs one planning job (greedy, then HiGHS) off the event loop and posts its
// events: the greedy plan, each improving plan, the final result.
import { parentPort, workerData } from 'node:worker_threads';
import { type PlanJob, runPlanJob } from './plan-job';

runPlanJob(workerData as PlanJob, (event) => parentPort?.postMessage(event)).catch((err: unknown) =>
  parentPort?.postMessage({ type: 'result', status: 'error', gap: Infinity, seconds: 0, message: err instanceof Error ? err.message : String(err) }),
);
