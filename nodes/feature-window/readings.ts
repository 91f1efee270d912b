// Turns an incoming msg into window entries grouped by window key. Accepted payloads: a number, an
// array block, a Millwright sample, an array of samples (a protocol node's per-poll msg), or an
// object of several tags read at one timestamp. What cannot be used is reported per tag, and the
// rest of the msg still counts.
import type { NodeMessageInFlow } from 'node-red';
import { toEpochMs, validateSample } from '../../lib/contracts';
import type { WindowEntry } from '../../lib/features/feature-window';

export type KeyBy = 'topic' | 'tag';

export interface ParsedMsg {
  /** Entries per window key, in arrival order. */
  groups: Map<string, WindowEntry[]>;
  /** Values received, usable or not. */
  samples: number;
  /** Problems with parts of the msg (those parts are not in groups). */
  problems: string[];
  /** Samples skipped because their quality was bad. */
  badQuality: number;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `"${v.length > 20 ? v.slice(0, 20) + '...' : v}"`;
  return Array.isArray(v) ? 'an array' : typeof v;
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return undefined;
}

/** A numeric block: every element a finite number (booleans count as 0/1). Throws naming the path. */
function block(values: ArrayLike<unknown>, path: string): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const n = asNumber(values[i]);
    if (n === undefined) throw new Error(`${path}[${i}] must be a finite number, got ${describe(values[i])}`);
    out[i] = n;
  }
  if (out.length === 0) throw new Error(`${path} is an empty array`);
  return out;
}

function isSampleLike(o: Record<string, unknown>): boolean {
  return typeof o.tag === 'string' && 'value' in o;
}

export function parseMsg(msg: NodeMessageInFlow, keyBy: KeyBy, align: boolean, now: number): ParsedMsg {
  const parsed: ParsedMsg = { groups: new Map(), samples: 0, problems: [], badQuality: 0 };
  const m = msg as unknown as Record<string, unknown>;
  const topic = typeof m.topic === 'string' && m.topic ? m.topic : undefined;
  const msgTime = m.timestamp === undefined || m.timestamp === null ? now : toEpochMs(m.timestamp);
  const msgRate = m.sampleRate;
  const payload = m.payload;

  const keyOf = (tag: string, multi: boolean): string => {
    if (align) return topic ?? 'default';
    if (keyBy === 'tag') return tag;
    if (multi) return topic ? `${topic}/${tag}` : tag;
    return topic ?? tag;
  };
  const add = (key: string, entry: WindowEntry) => {
    const list = parsed.groups.get(key);
    if (list) list.push(entry);
    else parsed.groups.set(key, [entry]);
  };
  const rateFrom = (value: unknown, path: string): number | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new Error(`${path} must be a positive number of Hz, got ${describe(value)}`);
    return value;
  };
  const needTime = (): number => {
    if (msgTime === undefined) throw new Error(`msg.timestamp must be epoch ms, a Date or an ISO string, got ${describe(m.timestamp)}`);
    return msgTime;
  };

  if (Buffer.isBuffer(payload)) throw new Error('payload is a Buffer of raw bytes: decode it into numbers first');
  // A scalar or a block for the msg's own topic (a typed array such as Float64Array is a block too).
  const typed = ArrayBuffer.isView(payload) && !(payload instanceof DataView);
  const single = typeof payload === 'number' || typeof payload === 'boolean' || typed || (Array.isArray(payload) && !payload.some((p) => typeof p === 'object' && p !== null));
  if (single) {
    const tag = topic ?? 'value';
    if (typed || Array.isArray(payload)) {
      const values = payload as ArrayLike<unknown>;
      parsed.samples += values.length;
      add(keyOf(tag, false), { tag, timestamp: needTime(), values: block(values, 'payload'), sampleRate: rateFrom(msgRate, 'msg.sampleRate') });
    } else {
      parsed.samples += 1;
      const n = asNumber(payload);
      if (n === undefined) throw new Error(`payload must be a finite number, got ${describe(payload)}`);
      add(keyOf(tag, false), { tag, timestamp: needTime(), values: [n] });
    }
    return parsed;
  }

  const fromSample = (raw: unknown, path: string, multi: boolean) => {
    const sample = validateSample(raw, path);
    const count = Array.isArray(sample.value) ? sample.value.length : 1;
    parsed.samples += count;
    if (sample.quality === 'bad') {
      parsed.badQuality += count;
      return;
    }
    const values = Array.isArray(sample.value) ? sample.value : [asNumber(sample.value)];
    if (values[0] === undefined) throw new Error(`${path}.value of tag "${sample.tag}" must be numeric, got ${describe(sample.value)}`);
    const rate = sample.sampleRate ?? rateFrom(msgRate, 'msg.sampleRate');
    add(keyOf(sample.tag, multi), { tag: sample.tag, timestamp: sample.timestamp, values: values as number[], sampleRate: rate });
  };

  if (Array.isArray(payload)) {
    // An array of samples, each checked on its own.
    payload.forEach((raw, i) => {
      try {
        fromSample(raw, `payload[${i}]`, true);
      } catch (err) {
        if (!(typeof raw === 'object' && raw !== null)) parsed.samples += 1;
        parsed.problems.push(err instanceof Error ? err.message : String(err));
      }
    });
    return parsed;
  }

  if (typeof payload === 'object' && payload !== null) {
    const o = payload as Record<string, unknown>;
    if (isSampleLike(o)) {
      fromSample(o, 'payload', false);
      return parsed;
    }
    const names = Object.keys(o);
    if (names.length === 0) throw new Error('payload is an empty object: expected {tag: value, ...} or a sample {tag, value, timestamp, quality}');
    const timestamp = needTime();
    for (const tag of names) {
      const v = o[tag];
      try {
        if (Array.isArray(v)) {
          parsed.samples += v.length;
          add(keyOf(tag, true), { tag, timestamp, values: block(v, `payload.${tag}`), sampleRate: rateFrom(msgRate, 'msg.sampleRate') });
        } else {
          parsed.samples += 1;
          const n = asNumber(v);
          if (n === undefined) throw new Error(`payload.${tag} must be a finite number, got ${describe(v)}`);
          add(keyOf(tag, true), { tag, timestamp, values: [n] });
        }
      } catch (err) {
        parsed.problems.push(err instanceof Error ? err.message : String(err));
      }
    }
    return parsed;
  }

  parsed.samples += 1;
  throw new Error(`payload must be a number, an array of numbers, a sample {tag, value, timestamp, quality}, an array of samples or an object of tags; got ${describe(payload)}`);
}
