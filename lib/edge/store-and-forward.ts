// A bounded, ordered, on-disk buffer for messages that could not be delivered yet. Entries are kept in
// memory and mirrored to an append-only journal (one JSON line each) so they survive a restart; when
// the bound is reached the oldest entries are dropped and counted.
//
// Crash safety: a crash may resend messages (duplicates) but never loses an undelivered one.
// - The journal's first line names its generation, a fresh random id for every compaction. `.head`
//   records `<generation> <delivered lines>`; a head of another generation counts as 0 delivered, so
//   a crash between compacting the journal and writing the head cannot skip the new journal's lines.
// - Compaction writes the journal atomically and durably (fsync), so a crash leaves old or new.
// - The head is written lazily (at most every `headEvery` deliveries or after `headDelayMs`) and
//   without fsync: a head that lags behind only means resending what was already delivered.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
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

/** The disk writes the buffer makes: a journal line appended, the journal compacted, the head recorded. */
export type JournalWrite = 'append' | 'compact' | 'head';

export interface StoreAndForwardOptions {
  /** Journal file; omit for a memory-only buffer. */
  file?: string;
  maxMessages: number;
  maxBytes: number;
  /** Record the delivered count at least every this many deliveries (default 256). */
  headEvery?: number;
  /** ...and at most this long after a delivery (default 1000 ms). */
  headDelayMs?: number;
  /** Called before every disk write (tests count writes or simulate a failing disk by throwing). */
  beforeWrite?: (kind: JournalWrite) => void;
}

export interface BufferStats {
  buffered: number;
  bytes: number;
  dropped: number;
}

function sizeOf(m: BufferedMessage): number {
  return m.topic.length + m.payload.length + (m.sparkplug ? 48 * m.sparkplug.metrics.length : 0) + 64;
}

const newGeneration = (): string => randomBytes(8).toString('hex');

/** The generation named by a journal's first line, or undefined for a journal written before generations. */
function generationOf(line: string | undefined): string | undefined {
  if (!line) return undefined;
  try {
    const header = JSON.parse(line) as { journal?: unknown };
    return typeof header.journal === 'string' ? header.journal : undefined;
  } catch {
    return undefined;
  }
}

/** Delivered lines recorded by a head file for a journal of `generation` (undefined: a pre-generation journal). */
function deliveredFrom(headText: string, generation: string | undefined): number {
  const parts = headText.trim().split(/\s+/);
  if (generation === undefined) return parts.length === 1 ? Number(parts[0]) || 0 : 0;
  if (parts.length !== 2 || parts[0] !== generation) return 0;
  const n = Number(parts[1]);
  return Number.isInteger(n) && n > 0 ? n : 0;
}

export class StoreAndForward {
  private queue: BufferedMessage[] = [];
  private head = 0;
  private bytes = 0;
  private droppedCount = 0;
  /** Message lines in the journal on disk (the header line not counted). */
  private journalLines = 0;
  private generation = '';
  /** Delivered count last recorded in the head file for this generation. */
  private headRecorded = 0;
  private headTimer: NodeJS.Timeout | undefined;
  /** An append failed: the journal on disk misses a line (or holds a torn one) until it is rewritten. */
  private journalStale = false;
  /** Failures of a delayed head write, which has no caller to throw to. */
  onBackgroundError: ((err: Error) => void) | undefined;

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

  /** Buffers a message. Throws on a disk error; the message is then still buffered in memory. */
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
    if (this.journalStale || this.needsCompaction()) return this.rewrite();
    try {
      this.options.beforeWrite?.('append');
      appendFileSync(this.options.file, JSON.stringify(message) + '\n');
      this.journalLines++;
    } catch (err) {
      this.journalStale = true;
      throw err;
    }
    // Dropped entries are recorded like delivered ones; until then a restart brings them back.
    if (dropped > 0) this.headChanged();
  }

  /** The oldest message, still buffered until acknowledged with shift(). */
  peek(): BufferedMessage | undefined {
    return this.size > 0 ? this.queue[this.head] : undefined;
  }

  /** Removes the oldest message once it has been delivered. Throws on a disk error (the removal stands). */
  shift(): void {
    if (this.size === 0) return;
    this.bytes -= sizeOf(this.queue[this.head]);
    this.head++;
    if (!this.options.file) return this.trim();
    if (this.journalStale || this.needsCompaction()) this.rewrite();
    else this.headChanged();
  }

  /** Writes what is pending (the head, a journal an append failed on) and stops the head timer. */
  flush(): void {
    this.clearHeadTimer();
    if (!this.options.file) return;
    if (this.journalStale) this.rewrite();
    else this.writeHead();
  }

  private needsCompaction(): boolean {
    return this.journalLines > 2 * this.size + 100;
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

  private clearHeadTimer(): void {
    if (this.headTimer) clearTimeout(this.headTimer);
    this.headTimer = undefined;
  }

  private delivered(): number {
    return this.journalLines - this.size;
  }

  private headChanged(): void {
    if (this.delivered() - this.headRecorded >= (this.options.headEvery ?? 256)) return this.writeHead();
    if (this.headTimer) return;
    this.headTimer = setTimeout(() => {
      this.headTimer = undefined;
      try {
        this.writeHead();
      } catch (err) {
        this.onBackgroundError?.(err as Error);
      }
    }, this.options.headDelayMs ?? 1000);
    this.headTimer.unref();
  }

  /** Records how many journal lines are delivered, so a restart does not resend them. */
  private writeHead(): void {
    this.clearHeadTimer();
    const delivered = this.delivered();
    if (this.journalStale || delivered === this.headRecorded) return;
    const file = this.headFile();
    this.options.beforeWrite?.('head');
    // No fsync: losing this write only resends delivered messages. The rename keeps it whole.
    writeFileSync(`${file}.tmp`, `${this.generation} ${delivered}`);
    renameSync(`${file}.tmp`, file);
    this.headRecorded = delivered;
  }

  /** Compacts: the undelivered messages become a new journal generation; its head is implicitly 0. */
  private rewrite(): void {
    const file = this.options.file as string;
    const pending = this.queue.slice(this.head);
    const generation = newGeneration();
    const text = JSON.stringify({ journal: generation }) + '\n' + pending.map((m) => JSON.stringify(m) + '\n').join('');
    this.options.beforeWrite?.('compact');
    writeFileAtomicSync(file, text);
    this.queue = pending;
    this.head = 0;
    this.generation = generation;
    this.journalLines = pending.length;
    this.headRecorded = 0;
    this.journalStale = false;
    this.clearHeadTimer();
  }

  private load(file: string): void {
    mkdirSync(dirname(file), { recursive: true });
    removeStaleTempsSync(file);
    removeStaleTempsSync(this.headFile());
    rmSync(`${this.headFile()}.tmp`, { force: true });
    const lines = existsSync(file) ? readFileSync(file, 'utf8').split('\n') : [];
    const generation = generationOf(lines[0]);
    let delivered = 0;
    if (existsSync(this.headFile())) delivered = deliveredFrom(readFileSync(this.headFile(), 'utf8'), generation);
    const kept: BufferedMessage[] = [];
    for (let i = generation === undefined ? 0 : 1; i < lines.length; i++) {
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
