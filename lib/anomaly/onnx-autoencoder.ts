// An ONNX autoencoder scored in a worker thread: rows in, each feature's squared reconstruction
// error out. onnxruntime-node is an optional dependency, loaded only when this is used.
import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ONNX_WORKER_SOURCE } from './onnx-worker';

function runtimePath(): string | undefined {
  try {
    return require.resolve('onnxruntime-node');
  } catch {
    return undefined;
  }
}

export function onnxRuntimeAvailable(): boolean {
  return runtimePath() !== undefined;
}

interface Reply {
  id: number;
  ok: boolean;
  error?: string;
  data?: Float32Array;
  dims?: number[];
}

export class OnnxAutoencoder {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private closed = false;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r);
      else p.reject(new Error(`ONNX model: ${r.error}`));
    });
    const failAll = (err: Error) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', (err) => failAll(err));
    worker.on('exit', (code) => {
      this.closed = true;
      failAll(new Error(`ONNX worker stopped (exit code ${code})`));
    });
  }

  /** Starts a worker and loads the model; a clear error when the runtime or the file is missing. */
  static async open(modelPath: string): Promise<OnnxAutoencoder> {
    const runtime = runtimePath();
    if (!runtime) {
      throw new Error('the ONNX autoencoder needs onnxruntime-node, which is not installed: run "npm install onnxruntime-node" in the Node-RED user directory');
    }
    if (!modelPath || !existsSync(modelPath)) throw new Error(`ONNX model file not found: "${modelPath}"`);
    const worker = new Worker(ONNX_WORKER_SOURCE, { eval: true });
    const ae = new OnnxAutoencoder(worker);
    try {
      await ae.call({ type: 'load', path: modelPath, runtime });
    } catch (err) {
      await ae.close();
      throw err;
    }
    return ae;
  }

  private call(req: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<Reply> {
    if (this.closed) return Promise.reject(new Error('ONNX worker is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...req, id }, transfer);
    });
  }

  /** Squared reconstruction error of each feature of each row. */
  async errors(rows: number[][]): Promise<number[][]> {
    if (rows.length === 0) return [];
    const cols = rows[0].length;
    const data = new Float32Array(rows.length * cols);
    rows.forEach((r, i) => data.set(r, i * cols));
    const reply = await this.call({ type: 'run', data, rows: rows.length, cols }, [data.buffer]);
    const out = reply.data as Float32Array;
    if (out.length !== rows.length * cols) throw new Error(`ONNX model output has ${out.length} values, expected ${rows.length} x ${cols} (an autoencoder returns its input's shape)`);
    return rows.map((r, i) => r.map((v, j) => (v - out[i * cols + j]) ** 2));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.worker.terminate();
  }
}
