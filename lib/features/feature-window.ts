// Keyed windows over sample streams, turning samples into feature vectors.
//   count windows: the last `size` samples (or, when tags are aligned, the last `size` messages),
//     emitted every `hop` samples (messages);
//   time windows: [start, start + size) ms with starts every `hop` ms (epoch aligned), closed when the
//     watermark (newest timestamp - lateness) passes their end; samples behind the watermark are late.
// Within a key the time-domain statistics slide incrementally (SlidingStats); spectral features are
// computed from the window's samples when it is emitted. With alignment, one key holds one series per
// tag and emits one vector with <tag>.<feature> names, with a policy for tags missing from a window.
import type { FeatureVector } from '../contracts';
import { featureSet, type FeatureSet } from './feature-set';
import { SlidingStats } from './sliding-stats';
import { spectralFeatures, type SpectralOptions } from './spectral';
import { momentFeatures } from './time-domain';

export type WindowMode = 'count' | 'time';
export type EmitMode = 'close' | 'hop';
export type MissingPolicy = 'carry' | 'drop' | 'mark';

export interface FeatureWindowOptions {
  /** 'count' (default): size and hop in samples; 'time': size, hop and lateness in milliseconds. */
  mode?: WindowMode;
  size: number;
  /** Default: size (tumbling windows). */
  hop?: number;
  features: readonly string[];
  /** Time windows: how far behind the newest timestamp a sample may still arrive (ms). */
  lateness?: number;
  /** 'close' (default): only complete windows; 'hop': also the partial windows while the first fills. */
  emit?: EmitMode;
  /** Join all tags of a key into one vector per window. */
  align?: boolean;
  /** Aligned tags expected in every window (default: every tag the key has seen). */
  tags?: readonly string[];
  /** Aligned tag with no sample in a window: carry its last features, drop the vector, or mark it. */
  missing?: MissingPolicy;
  /** Sample rate (Hz) of streams that do not state one, for spectral features. */
  sampleRate?: number;
  spectral?: SpectralOptions;
  /** Most keys held at once; a new key beyond it is refused. Default 1000. */
  maxKeys?: number;
}

/** Samples of one tag: a scalar (one value) or a block whose i-th value is at timestamp + i/sampleRate. */
export interface WindowEntry {
  tag: string;
  timestamp: number;
  values: ArrayLike<number>;
  sampleRate?: number;
}

export type RejectReason = 'invalid' | 'out-of-order' | 'late' | 'sample-rate' | 'too-many-keys';

export class WindowInputError extends Error {
  constructor(readonly reason: RejectReason, readonly tag: string, readonly samples: number, message: string) {
    super(message);
    this.name = 'WindowInputError';
  }
}

export interface IngestResult {
  vectors: FeatureVector[];
  /** Entries refused (nothing of them entered a window). */
  errors: WindowInputError[];
  /** Samples accepted. */
  accepted: number;
}

export interface WindowCounters {
  accepted: number;
  invalid: number;
  outOfOrder: number;
  late: number;
  sampleRate: number;
  tooManyKeys: number;
  /** Aligned vectors dropped because a tag was missing (policy drop). */
  dropped: number;
  /** Entries whose tag is not among the configured aligned tags. */
  ignored: number;
  /** Windows whose spectral features were left out: no sample rate known or too few samples. */
  spectralSkipped: number;
  /** Feature values left out of a vector because they overflowed. */
  nonFinite: number;
}

interface Series {
  stats: SlidingStats;
  tags: Set<string>;
  sampleRate?: number;
  lastTs: number;
  // Time windows: samples not yet behind the watermark, in timestamp order.
  pendT: number[];
  pendV: number[];
  pendHead: number;
  lastFeatures?: Record<string, number>;
}

interface KeyState {
  series: Map<string, Series>;
  sinceEmit: number;
  rows: number;
  rowTimes: number[];
  maxTs: number;
  firstTs: number;
  nextEnd: number;
  shaftHz?: number;
}

interface SeriesSnapshot {
  name: string;
  tags: string[];
  values: number[];
  positions: number[];
  sampleRate: number | null;
  lastTs: number | null;
  pendingT: number[];
  pendingV: number[];
  lastFeatures: Record<string, number> | null;
}

export interface FeatureWindowSnapshot {
  version: 2;
  layout: string;
  keys: Record<
    string,
    {
      series: SeriesSnapshot[];
      sinceEmit: number;
      rows: number;
      rowTimes: number[];
      maxTs: number | null;
      firstTs: number | null;
      nextEnd: number | null;
      shaftHz: number | null;
    }
  >;
}

/** The snapshot the first version of this node saved (count windows, one series per key). */
interface SnapshotV1 {
  version: 1;
  keys: Record<string, { values: number[]; timestamps: number[]; tags: string[]; sinceEmit: number }>;
}

const SINGLE = '';
const MAX_ABS = 1e60;
const MAX_COUNT_WINDOW = 1_000_000;
const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);
const num = (x: unknown, fallback: number): number => (typeof x === 'number' && Number.isFinite(x) ? x : fallback);

function positive(value: number | undefined, what: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`${what} must be ${integer ? 'a whole number >= 1' : 'a positive number'}, got ${value}`);
  }
  return value;
}

export class FeatureWindow {
  readonly mode: WindowMode;
  readonly size: number;
  readonly hop: number;
  readonly lateness: number;
  readonly emitMode: EmitMode;
  readonly align: boolean;
  readonly missing: MissingPolicy;
  readonly features: FeatureSet;
  readonly counters: WindowCounters = {
    accepted: 0, invalid: 0, outOfOrder: 0, late: 0, sampleRate: 0, tooManyKeys: 0, dropped: 0, ignored: 0, spectralSkipped: 0, nonFinite: 0,
  };
  private readonly keys = new Map<string, KeyState>();
  private readonly expectedTags?: string[];
  private readonly sampleRate?: number;
  private readonly maxKeys: number;
  private scratch = new Float64Array(0);

  constructor(options: FeatureWindowOptions) {
    this.mode = options.mode ?? 'count';
    if (this.mode !== 'count' && this.mode !== 'time') throw new Error(`window mode must be count or time, got ${String(options.mode)}`);
    const count = this.mode === 'count';
    const unit = count ? '' : ' (ms)';
    this.size = positive(options.size, `window size${unit}`, count) as number;
    if (this.size === undefined) throw new Error('window size is required');
    this.hop = positive(options.hop ?? this.size, `hop${unit}`, count) as number;
    if (this.hop > this.size) throw new Error(`hop must be from 1 to the window size (${this.size}), got ${this.hop}`);
    if (count && this.size > MAX_COUNT_WINDOW) throw new Error(`window size must be at most ${MAX_COUNT_WINDOW} samples, got ${this.size}`);
    this.lateness = options.lateness ?? 0;
    if (!Number.isFinite(this.lateness) || this.lateness < 0) throw new Error(`lateness must be >= 0 ms, got ${options.lateness}`);
    this.emitMode = options.emit ?? 'close';
    if (this.emitMode !== 'close' && this.emitMode !== 'hop') throw new Error(`emit must be close or hop, got ${String(options.emit)}`);
    this.align = options.align ?? false;
    this.missing = options.missing ?? 'carry';
    if (!['carry', 'drop', 'mark'].includes(this.missing)) throw new Error(`missing-tag policy must be carry, drop or mark, got ${String(options.missing)}`);
    const tags = (options.tags ?? []).map((t) => t.trim()).filter(Boolean);
    this.expectedTags = tags.length ? [...new Set(tags)] : undefined;
    this.sampleRate = positive(options.sampleRate, 'sample rate (Hz)', false);
    this.maxKeys = positive(options.maxKeys ?? 1000, 'max keys', true) as number;
    this.features = featureSet(options.features, options.spectral);
  }

  /** Adds one reading (a scalar or a block) of one tag; throws WindowInputError when refused. */
  push(key: string, tag: string, timestamp: number, values: ArrayLike<number>, sampleRate?: number): FeatureVector[] {
    const result = this.ingest(key, [{ tag, timestamp, values, sampleRate }]);
    if (result.errors.length) throw result.errors[0];
    return result.vectors;
  }

  /**
   * Adds the entries of one message to a key. Entries that are refused are reported in errors and
   * leave no trace; the others are processed.
   */
  ingest(key: string, entries: readonly WindowEntry[], context: { shaftHz?: number } = {}): IngestResult {
    const result: IngestResult = { vectors: [], errors: [], accepted: 0 };
    let state = this.keys.get(key);
    if (!state) {
      if (this.keys.size >= this.maxKeys) {
        const samples = entries.reduce((n, e) => n + (e.values?.length ?? 0), 0);
        this.counters.tooManyKeys += samples;
        result.errors.push(new WindowInputError('too-many-keys', key, samples, `key "${key}" refused: already ${this.maxKeys} keys open`));
        return result;
      }
      state = { series: new Map(), sinceEmit: 0, rows: 0, rowTimes: [], maxTs: -Infinity, firstTs: NaN, nextEnd: NaN };
      this.keys.set(key, state);
    }
    if (context.shaftHz !== undefined && context.shaftHz > 0 && Number.isFinite(context.shaftHz)) state.shaftHz = context.shaftHz;
    if (this.mode === 'time') this.ingestTime(key, state, entries, result);
    else if (this.align) this.ingestCountRow(key, state, entries, result);
    else for (const e of entries) this.ingestCount(key, state, e, result);
    if (state.series.size === 0 && state.rows === 0) this.keys.delete(key);
    return result;
  }

  /** Emits what every open window holds (partial windows included) and starts over. */
  flush(): FeatureVector[] {
    const out: FeatureVector[] = [];
    for (const [key, state] of this.keys) {
      for (const s of state.series.values()) this.release(s, Infinity);
      let start = Infinity;
      let end = -Infinity;
      for (const s of state.series.values()) {
        if (s.stats.n === 0) continue;
        start = Math.min(start, this.mode === 'count' && this.align ? state.rowTimes[0] : s.stats.oldestPosition());
        end = Math.max(end, this.mode === 'count' && this.align ? state.rowTimes[state.rowTimes.length - 1] : s.stats.newestPosition());
      }
      if (Number.isFinite(start)) {
        const v = this.vector(key, state, Math.max(0, start), Math.max(0, start, end));
        if (v) out.push(v);
      }
    }
    this.keys.clear();
    return out;
  }

  reset(): void {
    this.keys.clear();
  }

  keyCount(): number {
    return this.keys.size;
  }

  /** Samples held in open windows (and waiting for the watermark), over all keys. */
  pendingSamples(): number {
    let n = 0;
    for (const st of this.keys.values()) for (const s of st.series.values()) n += s.stats.n + s.pendT.length - s.pendHead;
    return n;
  }

  // ---- input checks -------------------------------------------------------------------------

  private seriesFor(state: KeyState, tag: string): Series {
    const name = this.align ? tag : SINGLE;
    let s = state.series.get(name);
    if (!s) {
      s = { stats: new SlidingStats(), tags: new Set(), lastTs: -Infinity, pendT: [], pendV: [], pendHead: 0 };
      state.series.set(name, s);
    }
    return s;
  }

  /** Checks values and sample rate; returns the rate to use (undefined for scalars without one). */
  private check(entry: WindowEntry, series: Series | undefined): number | undefined {
    const { tag, values } = entry;
    const n = values?.length;
    if (typeof n !== 'number' || n === 0) throw new WindowInputError('invalid', tag, 0, `${tag}: no values`);
    if (!(typeof entry.timestamp === 'number' && Number.isFinite(entry.timestamp) && entry.timestamp >= 0)) {
      throw new WindowInputError('invalid', tag, n, `${tag}: timestamp must be epoch milliseconds, got ${String(entry.timestamp)}`);
    }
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new WindowInputError('invalid', tag, n, `${tag}: value${n > 1 ? `[${i}]` : ''} must be a finite number, got ${String(v)}`);
      }
      // Fourth powers of larger values overflow the moments (and would poison the window for good).
      if (v > MAX_ABS || v < -MAX_ABS) {
        throw new WindowInputError('invalid', tag, n, `${tag}: value${n > 1 ? `[${i}]` : ''} ${v} is outside +-${MAX_ABS}`);
      }
    }
    let rate = entry.sampleRate;
    if (rate !== undefined) {
      if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
        throw new WindowInputError('sample-rate', tag, n, `${tag}: sample rate must be a positive number of Hz, got ${String(rate)}`);
      }
      const expected = series?.sampleRate ?? this.sampleRate;
      if (expected !== undefined && Math.abs(rate - expected) > 1e-9 * expected) {
        throw new WindowInputError('sample-rate', tag, n, `${tag}: block at ${rate} Hz, but this window runs at ${expected} Hz`);
      }
    } else rate = series?.sampleRate ?? this.sampleRate;
    return rate;
  }

  private refuse(result: IngestResult, err: unknown, entry: WindowEntry): void {
    const e = err instanceof WindowInputError ? err : new WindowInputError('invalid', entry.tag, entry.values?.length ?? 0, String(err));
    const c = this.counters;
    const n = Math.max(1, e.samples);
    if (e.reason === 'invalid') c.invalid += n;
    else if (e.reason === 'out-of-order') c.outOfOrder += n;
    else if (e.reason === 'late') c.late += n;
    else if (e.reason === 'sample-rate') c.sampleRate += n;
    result.errors.push(e);
  }

  private wanted(tag: string): boolean {
    if (!this.align || !this.expectedTags || this.expectedTags.includes(tag)) return true;
    this.counters.ignored++;
    return false;
  }

  // ---- count windows ------------------------------------------------------------------------

  private ingestCount(key: string, state: KeyState, entry: WindowEntry, result: IngestResult): void {
    const existing = state.series.get(SINGLE);
    let rate: number | undefined;
    try {
      rate = this.check(entry, existing);
      // Compared with the previous reading's start: blocks stamped on arrival may overlap a little.
      if (existing && entry.timestamp < existing.lastTs) {
        throw new WindowInputError('out-of-order', entry.tag, entry.values.length, `${entry.tag}: timestamp ${new Date(entry.timestamp).toISOString()} is before the previous one (${new Date(existing.lastTs).toISOString()})`);
      }
    } catch (err) {
      this.refuse(result, err, entry);
      return;
    }
    const s = existing ?? this.seriesFor(state, entry.tag);
    s.tags.add(entry.tag);
    if (entry.sampleRate !== undefined) s.sampleRate = entry.sampleRate;
    const values = entry.values;
    const n = values.length;
    const dt = rate ? 1000 / rate : 0;
    const stats = s.stats;
    const size = this.size;
    const hop = this.hop;
    const early = this.emitMode === 'hop';
    let since = state.sinceEmit;
    let i = 0;
    while (i < n) {
      // Push in runs up to the next sample that can close a window.
      const run = Math.min(n - i, Math.max(1, hop - since, early ? 0 : size - stats.n));
      stats.pushMany(values, i, run, entry.timestamp + i * dt, dt, size);
      i += run;
      since += run;
      if (since >= hop && (early || stats.n === size)) {
        since = 0;
        const v = this.vector(key, state, stats.oldestPosition(), Math.max(stats.oldestPosition(), stats.newestPosition()));
        if (v) result.vectors.push(v);
      }
    }
    state.sinceEmit = since;
    s.lastTs = entry.timestamp;
    this.counters.accepted += n;
    result.accepted += n;
  }

  /** Aligned count windows: one message is one row; a window is the last `size` rows. */
  private ingestCountRow(key: string, state: KeyState, entries: readonly WindowEntry[], result: IngestResult): void {
    const row = state.rows + 1;
    let rowTime = Infinity;
    for (const entry of entries) {
      if (!this.wanted(entry.tag)) continue;
      const existing = state.series.get(entry.tag);
      try {
        this.check(entry, existing);
        if (existing && entry.timestamp < existing.lastTs) {
          throw new WindowInputError('out-of-order', entry.tag, entry.values.length, `${entry.tag}: timestamp ${new Date(entry.timestamp).toISOString()} is before the previous one (${new Date(existing.lastTs).toISOString()})`);
        }
      } catch (err) {
        this.refuse(result, err, entry);
        continue;
      }
      const s = existing ?? this.seriesFor(state, entry.tag);
      s.tags.add(entry.tag);
      if (entry.sampleRate !== undefined) s.sampleRate = entry.sampleRate;
      for (let i = 0; i < entry.values.length; i++) s.stats.push(entry.values[i], row);
      s.lastTs = entry.timestamp;
      rowTime = Math.min(rowTime, entry.timestamp);
      this.counters.accepted += entry.values.length;
      result.accepted += entry.values.length;
    }
    if (!Number.isFinite(rowTime)) return; // nothing accepted: not a row
    state.rows = row;
    state.rowTimes.push(rowTime);
    if (state.rowTimes.length > this.size) state.rowTimes.shift();
    for (const s of state.series.values()) while (s.stats.n && s.stats.oldestPosition() <= row - this.size) s.stats.shift();
    if (++state.sinceEmit >= this.hop && (this.emitMode === 'hop' || state.rows >= this.size)) {
      state.sinceEmit = 0;
      const v = this.vector(key, state, state.rowTimes[0], Math.max(state.rowTimes[0], state.rowTimes[state.rowTimes.length - 1]));
      if (v) result.vectors.push(v);
    }
  }

  // ---- time windows -------------------------------------------------------------------------

  private ingestTime(key: string, state: KeyState, entries: readonly WindowEntry[], result: IngestResult): void {
    for (const entry of entries) {
      if (!this.wanted(entry.tag)) continue;
      const existing = state.series.get(this.align ? entry.tag : SINGLE);
      let rate: number | undefined;
      const n = entry.values?.length ?? 0;
      try {
        rate = this.check(entry, existing);
        if (n > 1 && rate === undefined) {
          throw new WindowInputError('sample-rate', entry.tag, n, `${entry.tag}: a block of ${n} samples needs a sample rate in time windows (msg.sampleRate or the node's sample rate)`);
        }
        const watermark = state.maxTs - this.lateness;
        if (entry.timestamp < watermark) {
          throw new WindowInputError('late', entry.tag, n, `${entry.tag}: sample at ${new Date(entry.timestamp).toISOString()} arrived more than ${this.lateness} ms after ${new Date(state.maxTs).toISOString()}`);
        }
      } catch (err) {
        this.refuse(result, err, entry);
        continue;
      }
      const s = existing ?? this.seriesFor(state, entry.tag);
      s.tags.add(entry.tag);
      if (entry.sampleRate !== undefined) s.sampleRate = entry.sampleRate;
      const dt = rate ? 1000 / rate : 0;
      const t0 = entry.timestamp;
      const values = entry.values;
      const pendT = s.pendT;
      const pendV = s.pendV;
      if (pendT.length === s.pendHead || pendT[pendT.length - 1] <= t0) {
        for (let i = 0; i < n; i++) {
          pendT.push(t0 + i * dt);
          pendV.push(values[i]);
        }
      } else {
        for (let i = 0; i < n; i++) insertSorted(s, t0 + i * dt, values[i]);
      }
      state.maxTs = Math.max(state.maxTs, t0 + (n - 1) * dt);
      this.counters.accepted += n;
      result.accepted += n;
    }
    this.advance(key, state, result);
  }

  /** First window end strictly after t: ends are k * hop + size. */
  private endAfter(t: number): number {
    return (Math.floor((t - this.size) / this.hop) + 1) * this.hop + this.size;
  }

  private advance(key: string, state: KeyState, result: IngestResult): void {
    const watermark = state.maxTs - this.lateness;
    if (Number.isNaN(state.nextEnd)) {
      const first = minPending(state);
      if (!(first <= watermark)) return;
      state.firstTs = first;
      state.nextEnd = this.endAfter(first);
    }
    const firstStart = Math.floor(state.firstTs / this.hop) * this.hop;
    while (state.nextEnd <= watermark) {
      const end = state.nextEnd;
      const start = end - this.size;
      let held = 0;
      for (const s of state.series.values()) {
        this.release(s, end);
        while (s.stats.n && s.stats.oldestPosition() < start) s.stats.shift();
        held += s.stats.n;
      }
      if (held > 0 && (this.emitMode === 'hop' || start >= firstStart)) {
        const v = this.vector(key, state, Math.max(0, start), end);
        if (v) result.vectors.push(v);
      }
      state.nextEnd += this.hop;
      if (held === 0) {
        // A gap in the stream: jump to the first window that can hold data instead of stepping.
        const next = minPending(state);
        state.nextEnd = Math.max(state.nextEnd, this.endAfter(Math.min(next, watermark)));
      }
    }
    for (const s of state.series.values()) this.release(s, watermark, true);
  }

  /** Moves pending samples with t < until (or <= when inclusive) into the sliding statistics. */
  private release(s: Series, until: number, inclusive = false): void {
    const pendT = s.pendT;
    const pendV = s.pendV;
    let h = s.pendHead;
    const n = pendT.length;
    const stats = s.stats;
    while (h < n && (pendT[h] < until || (inclusive && pendT[h] === until))) {
      stats.push(pendV[h], pendT[h]);
      h++;
    }
    if (h === n) {
      pendT.length = 0;
      pendV.length = 0;
      h = 0;
    } else if (h > 4096 && h > n / 2) {
      pendT.splice(0, h);
      pendV.splice(0, h);
      h = 0;
    }
    s.pendHead = h;
  }

  // ---- output -------------------------------------------------------------------------------

  private seriesFeatures(s: Series, prefix: string, out: Record<string, number>, shaftHz: number | undefined): void {
    const { time, spectral, spectralOptions } = this.features;
    if (time.length) momentFeatures(s.stats, time, out, prefix);
    if (spectral.length) {
      const rate = s.sampleRate ?? this.sampleRate;
      if (rate === undefined || s.stats.n < 8) {
        this.counters.spectralSkipped++;
        return;
      }
      if (this.scratch.length < s.stats.n) this.scratch = new Float64Array(s.stats.n);
      const values = s.stats.copyValues(this.scratch);
      spectralFeatures(values, rate, spectral, spectralOptions, out, prefix, { shaftHz });
    }
  }

  private vector(key: string, state: KeyState, windowStart: number, windowEnd: number): FeatureVector | undefined {
    const features: Record<string, number> = {};
    let sampleCount = 0;
    if (!this.align) {
      const s = state.series.get(SINGLE);
      if (!s || s.stats.n === 0) return undefined;
      this.seriesFeatures(s, '', features, state.shaftHz);
      return { key, features: this.finite(features), windowStart, windowEnd, sampleCount: s.stats.n, sourceTags: [...s.tags].sort() };
    }
    const tags = this.expectedTags ?? [...state.series.keys()].sort();
    const present: string[] = [];
    const missing: string[] = [];
    for (const tag of tags) {
      const s = state.series.get(tag);
      if (!s || s.stats.n === 0) {
        missing.push(tag);
        continue;
      }
      const own: Record<string, number> = {};
      this.seriesFeatures(s, `${tag}.`, own, state.shaftHz);
      s.lastFeatures = own;
      Object.assign(features, own);
      if (this.missing === 'mark') features[`${tag}.missing`] = 0;
      present.push(tag);
      sampleCount += s.stats.n;
    }
    if (present.length === 0) return undefined;
    if (missing.length) {
      if (this.missing === 'drop') {
        this.counters.dropped++;
        return undefined;
      }
      for (const tag of missing) {
        const last = state.series.get(tag)?.lastFeatures;
        if (this.missing === 'carry') {
          if (last) Object.assign(features, last);
        } else {
          const names = last ? Object.keys(last) : this.features.time.map((f) => `${tag}.${f}`);
          for (const name of names) features[name] = 0;
          features[`${tag}.missing`] = 1;
        }
      }
    }
    return { key, features: this.finite(features), windowStart, windowEnd, sampleCount, sourceTags: present };
  }

  /** Leaves out features that overflowed (values near the float range): a vector holds finite numbers. */
  private finite(features: Record<string, number>): Record<string, number> {
    for (const name in features) {
      if (!Number.isFinite(features[name])) {
        delete features[name];
        this.counters.nonFinite++;
      }
    }
    return features;
  }

  // ---- persistence --------------------------------------------------------------------------

  private layout(): string {
    return `${this.mode}:${this.align ? 'aligned' : 'single'}`;
  }

  snapshot(): FeatureWindowSnapshot {
    // No prototype: a key named __proto__ must stay a key.
    const keys: FeatureWindowSnapshot['keys'] = Object.create(null);
    for (const [k, st] of this.keys) {
      const series: SeriesSnapshot[] = [];
      for (const [name, s] of st.series) {
        const values: number[] = [];
        const positions: number[] = [];
        for (let i = 0; i < s.stats.n; i++) {
          values.push(s.stats.valueAt(i));
          positions.push(s.stats.positionAt(i));
        }
        series.push({
          name,
          tags: [...s.tags],
          values,
          positions,
          sampleRate: s.sampleRate ?? null,
          lastTs: fin(s.lastTs),
          pendingT: s.pendT.slice(s.pendHead),
          pendingV: s.pendV.slice(s.pendHead),
          lastFeatures: s.lastFeatures ?? null,
        });
      }
      keys[k] = {
        series,
        sinceEmit: st.sinceEmit,
        rows: st.rows,
        rowTimes: [...st.rowTimes],
        maxTs: fin(st.maxTs),
        firstTs: fin(st.firstTs),
        nextEnd: fin(st.nextEnd),
        shaftHz: st.shaftHz ?? null,
      };
    }
    return { version: 2, layout: this.layout(), keys };
  }

  /** Restores a snapshot of the same window layout (mode and alignment); returns false when skipped. */
  restore(snapshot: FeatureWindowSnapshot | SnapshotV1 | undefined): boolean {
    if (!snapshot || typeof snapshot !== 'object' || typeof snapshot.keys !== 'object' || snapshot.keys === null) return false;
    if (snapshot.version === 1) return this.restoreV1(snapshot);
    if (snapshot.version !== 2 || snapshot.layout !== this.layout()) return false;
    this.keys.clear();
    for (const [k, ks] of Object.entries(snapshot.keys)) {
      const state: KeyState = {
        series: new Map(),
        sinceEmit: Math.min(num(ks.sinceEmit, 0), this.hop),
        rows: num(ks.rows, 0),
        rowTimes: Array.isArray(ks.rowTimes) ? ks.rowTimes.slice(-this.size) : [],
        maxTs: num(ks.maxTs, -Infinity),
        firstTs: num(ks.firstTs, NaN),
        nextEnd: num(ks.nextEnd, NaN),
        shaftHz: ks.shaftHz ?? undefined,
      };
      for (const ss of ks.series ?? []) {
        const s = this.seriesFor(state, ss.name);
        for (const t of ss.tags ?? []) s.tags.add(t);
        if (ss.sampleRate) s.sampleRate = ss.sampleRate;
        s.lastTs = num(ss.lastTs, -Infinity);
        const keep = this.mode === 'count' && !this.align ? Math.min(ss.values.length, this.size) : ss.values.length;
        for (let i = ss.values.length - keep; i < ss.values.length; i++) s.stats.push(ss.values[i], ss.positions[i]);
        s.pendT = [...(ss.pendingT ?? [])];
        s.pendV = [...(ss.pendingV ?? [])];
        if (ss.lastFeatures) s.lastFeatures = ss.lastFeatures;
      }
      this.keys.set(k, state);
    }
    return true;
  }

  private restoreV1(snapshot: SnapshotV1): boolean {
    if (this.layout() !== 'count:single') return false;
    this.keys.clear();
    for (const [k, ks] of Object.entries(snapshot.keys)) {
      const state: KeyState = { series: new Map(), sinceEmit: Math.min(ks.sinceEmit, this.hop), rows: 0, rowTimes: [], maxTs: -Infinity, firstTs: NaN, nextEnd: NaN };
      const s = this.seriesFor(state, SINGLE);
      for (const t of ks.tags) s.tags.add(t);
      const keep = Math.min(ks.values.length, this.size);
      for (let i = ks.values.length - keep; i < ks.values.length; i++) s.stats.push(ks.values[i], ks.timestamps[i]);
      s.lastTs = ks.timestamps.length ? ks.timestamps[ks.timestamps.length - 1] : -Infinity;
      this.keys.set(k, state);
    }
    return true;
  }
}

function minPending(state: KeyState): number {
  let t = Infinity;
  for (const s of state.series.values()) if (s.pendHead < s.pendT.length) t = Math.min(t, s.pendT[s.pendHead]);
  return t;
}

function insertSorted(s: Series, t: number, v: number): void {
  let lo = s.pendHead;
  let hi = s.pendT.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (s.pendT[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  s.pendT.splice(lo, 0, t);
  s.pendV.splice(lo, 0, v);
}
