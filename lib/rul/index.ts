// Remaining-useful-life models: degradation, similarity, Weibull survival (point fit and Bayesian
// predictive), the two-stage bearing prognosis, the in-node learner,
// health-indicator metrics, ONNX model cards, and the predictor engine the node runs.
export * from './distribution';
export * from './bayes-linear';
export * from './degradation';
export * from './similarity';
export * from './weibull';
export * from './weibull-predictive';
export * from './weibull-predictive-table';
export * from './health-indicator';
export * from './pool';
export * from './two-stage';
export * from './hi-metrics';
export * from './gbdt';
export * from './window-features';
export * from './learner';
export * from './history-csv';
export * from './onnx-card';
export * from './onnx-encode';
export { OnnxRunner } from './onnx-client';
export { trainInWorker, type TrainJob } from './train-client';
export type { TrainRequest } from './train-worker';
export * from './predictor';
