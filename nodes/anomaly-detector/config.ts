// Editor config of the anomaly detector node, checked and turned into engine options.
import type { NodeDef } from 'node-red';
import { checkEngineOptions, ENGINE_DEFAULTS, type EngineDetector, type EngineOptions } from '../../lib/anomaly/engine';

export interface AnomalyDetectorDef extends NodeDef {
  detector: string;
  learnSamples: string;
  learnSeconds?: string;
  falseAlarmRate: string;
  hysteresis?: string;
  suppression?: string;
  regimes?: string;
  contextFeatures?: string;
  adapt?: boolean | string;
  noiseFloor?: string;
  driftAllowance?: boolean | string;
  onnxModel?: string;
  store?: string;
}

export interface DetectorSettings {
  options: EngineOptions;
  onnxModel: string;
  store: string;
}

function num(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === '' || value === null) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`${field} must be a number, got "${String(value)}"`);
  return n;
}

export function settingsFrom(def: AnomalyDetectorDef): DetectorSettings {
  const options: EngineOptions = {
    detector: (def.detector || ENGINE_DEFAULTS.detector) as EngineDetector,
    learnSamples: num(def.learnSamples, 'Learning samples', ENGINE_DEFAULTS.learnSamples),
    learnMs: num(def.learnSeconds, 'Learning duration', 0) * 1000,
    // The editor asks for a percentage.
    falseAlarmRate: num(def.falseAlarmRate, 'False-alarm rate', ENGINE_DEFAULTS.falseAlarmRate * 100) / 100,
    hysteresis: num(def.hysteresis, 'Hysteresis', ENGINE_DEFAULTS.hysteresis),
    suppression: num(def.suppression, 'Re-alarm suppression', ENGINE_DEFAULTS.suppression),
    regimes: num(def.regimes, 'Regimes', 0),
    contextFeatures: (def.contextFeatures ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    adapt: def.adapt === true || def.adapt === 'true',
    noiseFloor: num(def.noiseFloor, 'Noise floor', 0) / 100,
    // Nodes saved before the setting existed keep the engine's default.
    driftAllowance: def.driftAllowance === undefined || def.driftAllowance === '' ? ENGINE_DEFAULTS.driftAllowance : def.driftAllowance === true || def.driftAllowance === 'true',
  };
  checkEngineOptions(options);
  if (options.regimes >= 2 && options.contextFeatures.length === 0) throw new Error('Regimes need at least one context feature');
  const onnxModel = (def.onnxModel ?? '').trim();
  if (options.detector === 'onnx' && !onnxModel) throw new Error('the ONNX autoencoder needs a model file');
  return { options, onnxModel, store: (def.store ?? '').trim() };
}
