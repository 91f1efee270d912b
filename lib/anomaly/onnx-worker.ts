// Worker thread that owns the ONNX Runtime session, so inference never blocks the event loop.
import { parentPort } from 'node:worker_threads';

interface Session {
  inputNames: readonly string[];
  outputNames: readonly string[];
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>>;
  release?(): Promise<void>;
}
interface Ort {
  InferenceSession: { create(path: string): Promise<Session> };
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => unknown;
}

let ort: Ort | undefined;
let session: Session | undefined;

type Request = { id: number; type: 'load'; path: string } | { id: number; type: 'run'; data: Float32Array; rows: number; cols: number };

parentPort?.on('message', (req: Request) => {
  handle(req).then(
    (result) => parentPort?.postMessage({ id: req.id, ok: true, ...result }),
    (err: unknown) => parentPort?.postMessage({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) }),
  );
});

async function handle(req: Request): Promise<Record<string, unknown>> {
  if (req.type === 'load') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ort ??= require('onnxruntime-node') as Ort;
    session = await ort.InferenceSession.create(req.path);
    return { inputs: session.inputNames, outputs: session.outputNames };
  }
  if (!ort || !session) throw new Error('no ONNX model loaded');
  const input = new ort.Tensor('float32', req.data, [req.rows, req.cols]);
  const out = await session.run({ [session.inputNames[0]]: input });
  const first = out[session.outputNames[0]];
  return { data: Float32Array.from(first.data), dims: [...first.dims] };
}
