// Runs learner training in a worker thread; the caller gets progress callbacks, a promise of the
// model, and a cancel() that terminates the worker (for node close).
import { Worker } from 'node:worker_threads';
import type { LearnerModel, LearnerProgress } from './learner';
import type { TrainRequest } from './train-worker';
import { siblingWorker } from './worker-file';

export interface TrainJob {
  result: Promise<LearnerModel>;
  cancel(): Promise<void>;
}

export function trainInWorker(request: TrainRequest, onProgress?: (p: LearnerProgress) => void): TrainJob {
  const entry = siblingWorker(__dirname, 'train-worker');
  const worker = new Worker(entry.file, { ...entry.options, workerData: request });
  let settled = false;
  const result = new Promise<LearnerModel>((resolve, reject) => {
    worker.on('message', (msg: { type: string; progress?: LearnerProgress; model?: LearnerModel; message?: string }) => {
      if (msg.type === 'progress' && msg.progress) onProgress?.(msg.progress);
      else if (msg.type === 'done' && msg.model) {
        settled = true;
        resolve(msg.model);
        void worker.terminate();
      } else if (msg.type === 'error') {
        settled = true;
        reject(new Error(msg.message ?? 'training failed'));
        void worker.terminate();
      }
    });
    worker.on('error', (err) => {
      if (!settled) {
        settled = true;
        reject(err);
      }
    });
    worker.on('exit', (code) => {
      if (!settled) {
        settled = true;
        reject(new Error(code === 1 ? 'training was cancelled' : `training worker exited with code ${code}`));
      }
    });
  });
  return {
    result,
    cancel: async () => {
      if (!settled) await worker.terminate();
    },
  };
}
