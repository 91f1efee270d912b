// A bounded, ordered, on-disk buffer for messages that could not be delivered yet. Entries are kept in
// memory and mirrored to an append-only journal (one JSON line each) so they survive a restart; when
// the bound is reached the oldest entries are dropped and counted. The journal is compacted by writing
// a new file and renaming it over the old one, so a crash leaves either the old or the new journal.
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { removeStaleTempsSync, writeFileAtomicSync } from '../shared/atomic-file';

/**
 * What waits for delivery. Sparkplug data is kept as metrics, not encoded bytes, because its sequence
 * numbers belong to the session that sends it: it is encoded (as historical) when it finally goes out.
 */
export interface BufferedMessage {
  topic: string;
  /** JSON text for plain messages; empty for Sparkplug entries. */
  payload: string;
  qos: 0 | 1;
  retain: boolean;
  /** When the message was first produced, ms epoch. */
  producedAt: number;
  sparkplug?: { deviceId: string; metrics: Array<{ name: string; value: number | boolean | string; unit?: string; timestamp?: number }> };
}

export interface StoreAndForwardOptions {
  /** Journal file; omit for a memory-only buffer. */
  file?: string;
  maxMessages: number;
  maxBytes: number;
}

export interface BufferStats {
  buffered: number;
  bytes: number;
  dropped: number;
}

function sizeOf(m: BufferedMessage): number {
  return m.topic.length + m.payload.length + (m.sparkplug ? 48 * m.sparkplug.metrics.length : 0) + 64;
}

export class StoreAndForward {
  private queue: BufferedMessage[] = [];
  private head = 0;
  private bytes = 0;
  private droppedCount = 0;
  private journalLines = 0;

  constructor(private readonly options: StoreAndForwardOptions) {
    if (!(options.maxMessages >= 1)) throw new Error(`buffer size must be at least 1 message, got ${options.maxMessages}`);
    if (!(options.maxBytes >= 1024)) throw new Error(`buffer bytes must be at least 1024, got ${options.maxBytes}`);
    if (options.file) this.load(options.file);
  }

  get size(): number {
    return this.queue.length - this.head;
  }

  stats(): BufferStats {
    return { buffered: this.size, bytes: this.bytes, dropped: this.droppedCount };
  }

  push(message: BufferedMessage): void {
    this.queue.push(message);
    this.bytes += sizeOf(message);
    let dropped = 0;
    while (this.size > this.options.maxMessages || (this.bytes > this.options.maxBytes && this.size > 1)) {
      this.bytes -= sizeOf(this.queue[this.head]);
      this.head++;
      dropped++;
    }
    this.droppedCount += dropped;
    if (!this.options.file) return this.trim();
    if (dropped > 0) this.rewrite();
    else {
      appendFileSync(this.options.file, JSON.stringify(message) + '\n');
      this.journalLines++;
    }
  }

  /** The oldest message, still buffered until acknowledged with shift(). */
  peek(): BufferedMessage | undefined {
    return this.size > 0 ? this.queue[this.head] : undefined;
  }

  /** Removes the oldest message once it has been delivered. */
  shift(): void {
    if (this.size === 0) return;
    this.bytes -= sizeOf(this.queue[this.head]);
    this.head++;
    if (!this.options.file) return this.trim();
    // Rewrite the journal when it holds mostly delivered lines, or when it is empty.
    if (this.size === 0 || this.journalLines > 2 * this.size + 100) this.rewrite();
    else this.persistHead();
  }

  private trim(): void {
    if (this.head > 1024 && this.head > this.queue.length / 2) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private headFile(): string {
    return `${this.options.file}.head`;
  }

  /** Records how many journal lines are delivered, so a restart does not resend them. */
  private persistHead(): void {
    const delivered = this.journalLines - this.size;
    writeFileAtomicSync(this.headFile(), String(delivered));
  }

  private rewrite(): void {
    const file = this.options.file as string;
    this.queue = this.queue.slice(this.head);
    this.head = 0;
    const text = this.queue.map((m) => JSON.stringify(m) + '\n').join('');
    writeFileAtomicSync(file, text);
    this.journalLines = this.queue.length;
    this.persistHead();
  }

  private load(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    removeStaleTempsSync(file);
    removeStaleTempsSync(this.headFile());
    if (!existsSync(file)) {
      writeFileSync(file, '');
      return;
    }
    const lines = readFileSync(file, 'utf8').split('\n');
    let delivered = 0;
    if (existsSync(this.headFile())) delivered = Number(readFileSync(this.headFile(), 'utf8')) || 0;
    const kept: BufferedMessage[] = [];
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i]) continue;
      try {
        const m = JSON.parse(lines[i]) as BufferedMessage;
        if (typeof m.topic === 'string' && typeof m.payload === 'string') kept.push(m);
      } catch {
        // a line cut short by a crash mid-append: everything before it is intact
      }
    }
    this.queue = kept.slice(Math.min(delivered, kept.length));
    this.bytes = this.queue.reduce((n, m) => n + sizeOf(m), 0);
    while (this.size > this.options.maxMessages) {
      this.bytes -= sizeOf(this.queue[this.head]);
      this.head++;
      this.droppedCount++;
    }
    this.rewrite();
  }
}
