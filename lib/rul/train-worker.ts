// Worker-thread entry that trains the RUL learner off the event loop, so a flow keeps running while
// a model trains. Messages out: {type:'progress', progress} ... then {type:'done', model} or
// {type:'error', message}.
import { parentPort, workerData } from 'node:worker_threads';
import { trainLearner, type LearnerConfig, type RunHistory } from './learner';

export interface TrainRequest {
  histories: RunHistory[];
  names: { signals: string[]; settings: string[] };
  config: LearnerConfig;
}

if (parentPort) {
  const port = parentPort;
  try {
    const req = workerData as TrainRequest;
    const model = trainLearner(req.histories, req.names, req.config, (progress) => port.postMessage({ type: 'progress', progress }));
    port.postMessage({ type: 'done', model });
  } catch (err) {
    port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}
