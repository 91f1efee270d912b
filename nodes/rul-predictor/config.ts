// Editor config of the RUL predictor -> typed settings, with a clear error per bad field.
import type { NodeDef } from 'node-red';
import type { RulUnit } from '../../lib/contracts';
import type { DegradationKind } from '../../lib/rul/degradation';
import { validateModelCard, type OnnxModelCard } from '../../lib/rul/onnx-card';
import { RUL_MODEL_KINDS, type PredictorConfig, type RulModelKind } from '../../lib/rul/predictor';
import { positiveInt } from '../shared/glue';

export interface RulPredictorDef extends NodeDef {
  model?: string;
  degradationKind?: string;
  threshold?: string | number;
  offset?: string | number;
  halfLife?: string | number;
  healthFeature?: string;
  features?: string;
  settingFeatures?: string;
  unit?: string;
  confidence?: string | number;
  warningHorizon?: string | number;
  record?: boolean;
  maxRows?: string | number;
  store?: string;
  onnxFile?: string;
  onnxCard?: string;
}

export interface RulNodeSettings {
  predictor: PredictorConfig;
  record: boolean;
  store: string;
  onnx?: { file: string; card: OnnxModelCard };
}

function list(value: unknown): string[] {
  return typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter((s) => s !== '') : [];
}

function optionalNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`${field} must be a number, got "${String(value)}"`);
  return n;
}

export function settingsFrom(def: RulPredictorDef): RulNodeSettings {
  const model = (def.model || 'degradation') as RulModelKind;
  if (!RUL_MODEL_KINDS.includes(model)) throw new Error(`model must be one of ${RUL_MODEL_KINDS.join(', ')}, got "${String(def.model)}"`);
  const degradationKind = (def.degradationKind || 'exponential') as DegradationKind;
  if (degradationKind !== 'linear' && degradationKind !== 'exponential') throw new Error(`degradation shape must be linear or exponential, got "${String(def.degradationKind)}"`);
  const unit = (def.unit || 'cycles') as RulUnit;
  if (!['cycles', 'hours', 'seconds'].includes(unit)) throw new Error(`unit must be cycles, hours or seconds, got "${String(def.unit)}"`);
  const confidence = optionalNumber(def.confidence, 'confidence') ?? 0.9;
  if (!(confidence > 0 && confidence < 1)) throw new Error(`confidence must be between 0 and 1 (0.9 = 90 %), got ${confidence}`);
  const warningHorizon = optionalNumber(def.warningHorizon, 'warning horizon') ?? 0;
  if (warningHorizon < 0) throw new Error(`warning horizon must be >= 0, got ${warningHorizon}`);
  const halfLife = optionalNumber(def.halfLife, 'forgetting half-life');
  if (halfLife !== undefined && !(halfLife > 0)) throw new Error(`forgetting half-life must be > 0 (empty: remember everything), got ${halfLife}`);
  const healthFeature = (def.healthFeature ?? '').trim() || 'hi';
  const predictor: PredictorConfig = {
    model,
    degradationKind,
    threshold: optionalNumber(def.threshold, 'failure threshold'),
    offset: optionalNumber(def.offset, 'offset') ?? 0,
    halfLife,
    healthFeature,
    features: list(def.features),
    settingFeatures: list(def.settingFeatures),
    unit,
    confidence,
    warningHorizon,
    maxRows: positiveInt(def.maxRows, 'rows kept per asset', 5000),
  };
  const settings: RulNodeSettings = { predictor, record: def.record === true, store: def.store ?? '' };
  if (model === 'onnx') {
    if (!def.onnxFile || !def.onnxFile.trim()) throw new Error('the ONNX model needs a model file (relative to the Node-RED user directory)');
    let card: unknown;
    try {
      card = JSON.parse(def.onnxCard || '');
    } catch {
      throw new Error('the ONNX model card must be JSON: {"inputName", "features", "sequenceLength", "normalisation", "outputUnit"}');
    }
    settings.onnx = { file: def.onnxFile.trim(), card: validateModelCard(card) };
  }
  return settings;
}
