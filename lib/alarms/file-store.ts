// A JSON file written safely: the new content goes to a temporary file beside the target, is flushed
// to disk, then renamed over it, so a crash mid-write leaves the previous file intact. Saves are
// serialised; a save requested while one runs replaces any queued one (only the newest matters).
import { promises as fs } from 'node:fs';
import { dirname, join, basename } from 'node:path';

export class JsonFileStore<T> {
  private running: Promise<void> | undefined;
  private queued: { value: T; waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> } | undefined;
  private counter = 0;

  constructor(readonly path: string) {}

  async load(): Promise<T | undefined> {
    let text: string;
    try {
      text = await fs.readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      return JSON.parse(text) as T;
    } catch (err) {
      throw new Error(`${basename(this.path)} is not valid JSON (${(err as Error).message}); starting empty`);
    }
  }

  save(value: T): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queued) this.queued.value = value;
      else this.queued = { value, waiters: [] };
      this.queued.waiters.push({ resolve, reject });
      if (!this.running) this.running = this.drain();
    });
  }

  async remove(): Promise<void> {
    await this.running;
    await fs.rm(this.path, { force: true });
  }

  private async drain(): Promise<void> {
    while (this.queued) {
      const job = this.queued;
      this.queued = undefined;
      try {
        await this.write(JSON.stringify(job.value));
        for (const w of job.waiters) w.resolve();
      } catch (err) {
        for (const w of job.waiters) w.reject(err as Error);
      }
    }
    this.running = undefined;
  }

  private async write(text: string): Promise<void> {
    await fs.mkdir(dirname(this.path), { recursive: true });
    const tmp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.${++this.counter}.tmp`);
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.rename(tmp, this.path);
    } catch (err) {
      await fs.rm(tmp, { force: true });
      throw err;
    }
  }
}
