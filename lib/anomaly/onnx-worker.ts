// The worker thread that owns the ONNX Runtime session, so inference never blocks the event loop.
// Plain JavaScript run with { eval: true }: it then works the same from the built package and
// under a TypeScript test runner, whose loaders workers do not inherit.
export const ONNX_WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
let ort;
let session;
async function handle(req) {
  if (req.type === 'load') {
    ort = ort || require(req.runtime);
    session = await ort.InferenceSession.create(req.path);
    return { inputs: session.inputNames, outputs: session.outputNames };
  }
  if (!session) throw new Error('no ONNX model loaded');
  const input = new ort.Tensor('float32', req.data, [req.rows, req.cols]);
  const out = await session.run({ [session.inputNames[0]]: input });
  const first = out[session.outputNames[0]];
  return { data: Float32Array.from(first.data), dims: Array.from(first.dims) };
}
parentPort.on('message', (req) => {
  handle(req).then(
    (result) => parentPort.postMessage(Object.assign({ id: req.id, ok: true }, result)),
    (err) => parentPort.postMessage({ id: req.id, ok: false, error: err && err.message ? err.message : String(err) }),
  );
});
`;
