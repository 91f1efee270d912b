// Safety rails between a flow and a plant: per-tag limits, clamped or refused, and an optional
// rate-of-change limit so a bad setpoint cannot jump a drive from 0 to full in one write.

export interface WriteLimit {
  nodeId: string;
  min?: number;
  max?: number;
  /** clamp: write the nearest allowed value; reject: refuse the write. */
  mode: 'clamp' | 'reject';
  /** Largest change per second since the last write through this guard (first write: one second's worth). */
  maxRatePerSecond?: number;
}

export interface GuardedValue {
  value: unknown;
  /** What the guard changed, for the write log; empty when the value passed untouched. */
  adjustments: string[];
}

export function checkWriteLimit(limit: WriteLimit): WriteLimit {
  const { min, max, maxRatePerSecond } = limit;
  for (const [name, v] of [['min', min], ['max', max], ['rate limit', maxRatePerSecond]] as const) {
    if (v !== undefined && !Number.isFinite(v)) throw new Error(`${limit.nodeId}: ${name} must be a number, got ${v}`);
  }
  if (min !== undefined && max !== undefined && min > max) throw new Error(`${limit.nodeId}: min ${min} is above max ${max}`);
  if (maxRatePerSecond !== undefined && maxRatePerSecond <= 0) throw new Error(`${limit.nodeId}: rate limit must be > 0, got ${maxRatePerSecond}`);
  if (limit.mode !== 'clamp' && limit.mode !== 'reject') throw new Error(`${limit.nodeId}: limit mode must be clamp or reject, got ${String(limit.mode)}`);
  return limit;
}

export class WriteGuard {
  private readonly limits = new Map<string, WriteLimit>();
  private readonly lastWrite = new Map<string, { value: number; at: number }>();

  constructor(limits: WriteLimit[]) {
    for (const l of limits) this.limits.set(l.nodeId.trim(), checkWriteLimit(l));
  }

  /** Applies the node's limits to a value about to be written; throws when the limit rejects it. */
  apply(nodeId: string, value: unknown, currentValue: unknown, now = Date.now()): GuardedValue {
    const limit = this.limits.get(nodeId.trim());
    if (!limit) return { value, adjustments: [] };
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!Number.isFinite(n)) throw new Error(`${nodeId}: has limits, so the value must be a number, got ${JSON.stringify(value)}`);
    const adjustments: string[] = [];
    let v = n;
    const bound = (ok: boolean, to: number, why: string) => {
      if (ok) return;
      if (limit.mode === 'reject') throw new Error(`${nodeId}: ${v} rejected, ${why}`);
      adjustments.push(`${v} clamped to ${to} (${why})`);
      v = to;
    };
    if (limit.min !== undefined) bound(v >= limit.min, limit.min, `below min ${limit.min}`);
    if (limit.max !== undefined) bound(v <= limit.max, limit.max, `above max ${limit.max}`);
    if (limit.maxRatePerSecond !== undefined) {
      const previous = this.lastWrite.get(nodeId.trim());
      const from = previous?.value ?? (typeof currentValue === 'number' && Number.isFinite(currentValue) ? currentValue : undefined);
      if (from !== undefined) {
        const seconds = previous ? Math.max(0, (now - previous.at) / 1000) : 1;
        const step = limit.maxRatePerSecond * seconds;
        const why = `change ${round(v - from)} exceeds ${limit.maxRatePerSecond}/s over ${round(seconds)} s`;
        if (v > from + step) bound(false, round(from + step), why);
        else if (v < from - step) bound(false, round(from - step), why);
      }
    }
    return { value: v, adjustments };
  }

  /** Records a write that reached the server (the base of the next rate-of-change check). */
  committed(nodeId: string, value: unknown, now = Date.now()): void {
    if (typeof value === 'number' && Number.isFinite(value)) this.lastWrite.set(nodeId.trim(), { value, at: now });
  }
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
