// ONNX models brought by data scientists come with a model card saying how to feed them. The card is
// checked on its own, then against the model's own input metadata, so a mismatch is a clear error at
// load and never a wrong number at run time. Model files must live inside the Node-RED user directory.
import type { RulUnit } from '../contracts';

export interface OnnxModelCard {
  inputName: string;
  /** Feature names in the order the model expects them (the last input dimension). */
  features: string[];
  /** Steps per inference; 1 = a single feature vector (input [batch, features]), else [batch, steps, features]. */
  sequenceLength: number;
  /** Per-feature standardisation applied before the model: (x - mean) / std. */
  normalisation?: { mean: number[]; std: number[] };
  /** Output tensor name; the first output when absent. */
  outputName?: string;
  outputUnit: RulUnit;
}

const UNITS: RulUnit[] = ['cycles', 'hours', 'seconds'];

export function validateModelCard(value: unknown): OnnxModelCard {
  const fail = (msg: string): never => {
    throw new Error(`model card: ${msg}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected a JSON object');
  const o = value as Record<string, unknown>;
  if (typeof o.inputName !== 'string' || !o.inputName) fail('inputName must be a non-empty string');
  if (!Array.isArray(o.features) || o.features.length === 0 || o.features.some((f) => typeof f !== 'string' || !f)) fail('features must be a non-empty array of feature names');
  const features = o.features as string[];
  if (new Set(features).size !== features.length) fail('features must not repeat a name');
  const seq = o.sequenceLength === undefined ? 1 : o.sequenceLength;
  if (typeof seq !== 'number' || !Number.isInteger(seq) || seq < 1) fail(`sequenceLength must be a whole number >= 1, got ${String(seq)}`);
  if (!UNITS.includes(o.outputUnit as RulUnit)) fail(`outputUnit must be one of ${UNITS.join(', ')}, got ${String(o.outputUnit)}`);
  const card: OnnxModelCard = { inputName: o.inputName as string, features: [...features], sequenceLength: seq as number, outputUnit: o.outputUnit as RulUnit };
  if (o.outputName !== undefined) {
    if (typeof o.outputName !== 'string' || !o.outputName) fail('outputName must be a non-empty string when given');
    card.outputName = o.outputName as string;
  }
  if (o.normalisation !== undefined) {
    const n = o.normalisation as Record<string, unknown>;
    const ok = (a: unknown) => Array.isArray(a) && a.length === features.length && a.every((x) => typeof x === 'number' && Number.isFinite(x));
    if (typeof n !== 'object' || n === null || !ok(n.mean) || !ok(n.std)) fail(`normalisation needs mean and std arrays of ${features.length} finite numbers`);
    if ((n.std as number[]).some((s) => s <= 0)) fail('normalisation std values must be > 0');
    card.normalisation = { mean: [...(n.mean as number[])], std: [...(n.std as number[])] };
  }
  return card;
}

export interface InputMetadata {
  name: string;
  isTensor?: boolean;
  type?: string;
  shape?: Array<number | string>;
}

/** Checks the card against the model's declared inputs/outputs; throws naming what does not match. */
export function checkCardAgainstModel(card: OnnxModelCard, inputNames: readonly string[], outputNames: readonly string[], inputs: readonly InputMetadata[]): void {
  if (!inputNames.includes(card.inputName)) throw new Error(`ONNX model has no input "${card.inputName}" (model inputs: ${inputNames.join(', ')})`);
  if (inputNames.length !== 1) throw new Error(`ONNX model has ${inputNames.length} inputs (${inputNames.join(', ')}); the RUL node feeds exactly one`);
  if (card.outputName !== undefined && !outputNames.includes(card.outputName)) throw new Error(`ONNX model has no output "${card.outputName}" (model outputs: ${outputNames.join(', ')})`);
  const meta = inputs.find((m) => m.name === card.inputName);
  if (meta?.type !== undefined && meta.type !== 'float32') throw new Error(`ONNX input "${card.inputName}" is ${meta.type}; the RUL node feeds float32`);
  const shape = meta?.shape;
  if (!shape) return;
  const expected = card.sequenceLength > 1 ? [card.sequenceLength, card.features.length] : [card.features.length];
  const tail = shape.slice(1);
  const describe = (s: Array<number | string>) => `[${s.join(', ')}]`;
  if (tail.length !== expected.length) {
    throw new Error(`ONNX input "${card.inputName}" has shape ${describe(shape)} but the card implies [batch, ${expected.join(', ')}] (sequenceLength ${card.sequenceLength}, ${card.features.length} features)`);
  }
  tail.forEach((d, i) => {
    if (typeof d === 'number' && d > 0 && d !== expected[i]) {
      throw new Error(`ONNX input "${card.inputName}" has shape ${describe(shape)} but the card implies [batch, ${expected.join(', ')}] (sequenceLength ${card.sequenceLength}, ${card.features.length} features)`);
    }
  });
}

export { resolveInside } from '../shared/user-files';
