// Worker thread that owns one onnxruntime-node session, so inference never blocks the flow.
// onnxruntime-node is optional: it is required here, lazily, and its absence is a clear error.
// In:  {type:'load', id, file, card, runtime?}  {type:'run', id, input:number[]}
// Out: {type:'ok', id, value?} | {type:'error', id, message}
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { checkCardAgainstModel, type InputMetadata, type OnnxModelCard } from './onnx-card';

interface OrtTensor {
  data: ArrayLike<number>;
}
interface OrtSession {
  inputNames: readonly string[];
  outputNames: readonly string[];
  inputMetadata?: readonly InputMetadata[];
  run(feeds: Record<string, unknown>): Promise<Record<string, OrtTensor>>;
  release?(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(bytes: Uint8Array): Promise<OrtSession> };
  Tensor: new (type: string, data: Float32Array, dims: number[]) => unknown;
}

let ort: Ort | null = null;
let session: OrtSession | null = null;
let card: OnnxModelCard | null = null;

function loadRuntime(name: string): Ort {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as Ort;
  } catch (err) {
    throw new Error(`ONNX models need the optional package ${name}, which could not be loaded (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); install it in the Node-RED user directory`);
  }
}

async function handle(msg: { type: string; id: number; file?: string; card?: OnnxModelCard; runtime?: string; input?: number[] }): Promise<unknown> {
  if (msg.type === 'load') {
    ort = loadRuntime(msg.runtime ?? 'onnxruntime-node');
    const bytes = readFileSync(msg.file as string);
    let s: OrtSession;
    try {
      s = await ort.InferenceSession.create(new Uint8Array(bytes));
    } catch (err) {
      throw new Error(`ONNX model could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
    }
    checkCardAgainstModel(msg.card as OnnxModelCard, s.inputNames, s.outputNames, s.inputMetadata ?? []);
    session = s;
    card = msg.card as OnnxModelCard;
    return { inputs: s.inputNames, outputs: s.outputNames };
  }
  if (msg.type === 'run') {
    if (!ort || !session || !card) throw new Error('ONNX model not loaded');
    const F = card.features.length;
    const dims = card.sequenceLength > 1 ? [1, card.sequenceLength, F] : [1, F];
    const input = Float32Array.from(msg.input as number[]);
    if (input.length !== card.sequenceLength * F) throw new Error(`ONNX input needs ${card.sequenceLength * F} values, got ${input.length}`);
    const out = await session.run({ [card.inputName]: new ort.Tensor('float32', input, dims) });
    const name = card.outputName ?? session.outputNames[0];
    const value = Number(out[name]?.data[0]);
    if (!Number.isFinite(value)) throw new Error(`ONNX output "${name}" is not a finite number`);
    return value;
  }
  throw new Error(`unknown request ${msg.type}`);
}

if (parentPort) {
  const port = parentPort;
  port.on('message', (msg) => {
    handle(msg).then(
      (value) => port.postMessage({ type: 'ok', id: msg.id, value }),
      (err) => port.postMessage({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) }),
    );
  });
}
