// The event-loop side of the ONNX worker: load a model + card once, then run inferences.
import { Worker } from 'node:worker_threads';
import type { OnnxModelCard } from './onnx-card';
import { siblingWorker } from './worker-file';

export class OnnxRunner {
  private worker: Worker | null = null;
  private nextId = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(private readonly runtimeModule = 'onnxruntime-node') {}

  private request(msg: Record<string, unknown>): Promise<unknown> {
    if (!this.worker) {
      const entry = siblingWorker(__dirname, 'onnx-worker');
      const w = new Worker(entry.file, entry.options);
      w.on('message', (m: { id: number; type: string; value?: unknown; message?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.type === 'ok') p.resolve(m.value);
        else p.reject(new Error(m.message ?? 'ONNX worker error'));
      });
      const failAll = (err: Error) => {
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
        this.worker = null;
      };
      w.on('error', failAll);
      w.on('exit', () => failAll(new Error('ONNX worker stopped')));
      this.worker = w;
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker?.postMessage({ ...msg, id });
    });
  }

  async load(file: string, card: OnnxModelCard): Promise<void> {
    await this.request({ type: 'load', file, card, runtime: this.runtimeModule });
  }

  async run(input: number[]): Promise<number> {
    return (await this.request({ type: 'run', input })) as number;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
