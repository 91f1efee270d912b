// Anomaly detection: streaming detectors, multivariate models, regimes, the detection engine and
// NAB scoring.
export * from './detector';
export * from './windowed-gaussian';
export * from './surprise';
export * from './registry';
export * from './multivariate';
export * from './calibrated';
export * from './regime-models';
export * from './engine';
export * from './nab-scorer';
export { OnnxAutoencoder, onnxRuntimeAvailable } from './onnx-autoencoder';
