// What a write is allowed to do: limits per tag (clamp or reject) and a rate-of-change limit, so a
// control loop or scheduler gone wrong cannot slam a setpoint. Pure logic; the write node applies it.
export type LimitMode = 'clamp' | 'reject';

export interface WriteLimits {
  min?: number;
  max?: number;
  mode: LimitMode;
  /** Largest change per second, in engineering units; undefined = no rate limit. */
  maxRatePerSecond?: number;
}

export interface WriteDecision {
  value: number;
  /** True when the requested value was changed to fit a limit. */
  limited: boolean;
  note?: string;
}

export class WriteRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WriteRejected';
  }
}

function optionalNumber(raw: unknown, field: string): number | undefined {
  if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`${field} must be a number, got "${String(raw)}"`);
  return n;
}

/** Reads the limit columns of a write tag row. */
export function parseWriteLimits(row: { min?: unknown; max?: unknown; limitMode?: unknown; maxRate?: unknown }, tagName: string): WriteLimits {
  const min = optionalNumber(row.min, `tag "${tagName}": min`);
  const max = optionalNumber(row.max, `tag "${tagName}": max`);
  if (min !== undefined && max !== undefined && min > max) throw new Error(`tag "${tagName}": min ${min} is above max ${max}`);
  const modeText = row.limitMode === undefined || row.limitMode === '' ? 'reject' : String(row.limitMode);
  if (modeText !== 'clamp' && modeText !== 'reject') throw new Error(`tag "${tagName}": limit mode must be clamp or reject, got "${modeText}"`);
  const rate = optionalNumber(row.maxRate, `tag "${tagName}": max rate`);
  if (rate !== undefined && rate <= 0) throw new Error(`tag "${tagName}": max rate must be above 0, got ${rate}`);
  const limits: WriteLimits = { mode: modeText };
  if (min !== undefined) limits.min = min;
  if (max !== undefined) limits.max = max;
  if (rate !== undefined) limits.maxRatePerSecond = rate;
  return limits;
}

/**
 * Applies limits to a requested value. `current` is the value the device holds now (undefined when
 * unknown), `sinceMs` the time since the last change this writer made (or since it started).
 */
export function applyWriteLimits(tagName: string, requested: number, limits: WriteLimits, current: number | undefined, sinceMs: number): WriteDecision {
  if (!Number.isFinite(requested)) throw new WriteRejected(`tag "${tagName}": value must be a finite number, got ${requested}`);
  let value = requested;
  const notes: string[] = [];
  if (limits.min !== undefined && value < limits.min) {
    if (limits.mode === 'reject') throw new WriteRejected(`tag "${tagName}": ${requested} is below the minimum ${limits.min}`);
    value = limits.min;
    notes.push(`clamped to min ${limits.min}`);
  }
  if (limits.max !== undefined && value > limits.max) {
    if (limits.mode === 'reject') throw new WriteRejected(`tag "${tagName}": ${requested} is above the maximum ${limits.max}`);
    value = limits.max;
    notes.push(`clamped to max ${limits.max}`);
  }
  if (limits.maxRatePerSecond !== undefined) {
    if (current === undefined) throw new WriteRejected(`tag "${tagName}": the current value could not be read, so the rate-of-change limit cannot be checked`);
    const allowed = (limits.maxRatePerSecond * Math.max(0, sinceMs)) / 1000;
    const step = value - current;
    if (Math.abs(step) > allowed) {
      if (limits.mode === 'reject') {
        throw new WriteRejected(`tag "${tagName}": change ${current} -> ${value} exceeds ${limits.maxRatePerSecond}/s (at most ${round(allowed)} after ${round(sinceMs / 1000)} s)`);
      }
      value = current + Math.sign(step) * allowed;
      notes.push(`rate-limited to ${round(value)}`);
    }
  }
  return notes.length ? { value, limited: true, note: notes.join(', ') } : { value, limited: false };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
