// Start sequencer and demand guard. The guard integrates the plant's kW over the running demand
// interval, projects the interval's average to its end assuming today's power holds, and when that
// projection exceeds the target it sheds running loads (lowest priority first) and defers starts;
// it releases shed loads (highest priority first) once the projection with them back stays under the
// target. The sequencer lets no two starts (starts, deferred starts, releases) come within the gap.
import type { Command } from '../contracts';

export interface GuardLoad {
  id: string;
  powerKw: number;
  /** Higher is more important: shed last, released first. */
  priority: number;
  /** False: never shed (it may still be deferred). Default true. */
  sheddable?: boolean;
}

export interface GuardOptions {
  /** The peak not to exceed: interval-average kW. */
  targetKw: number;
  intervalMinutes?: number;
  /** Minimum time between two motor starts, seconds. */
  startGapSeconds?: number;
  /** Keep a shed load off at least this long, seconds (no short-cycling). */
  minShedSeconds?: number;
  /** Release only when the projection with the load back is this far under the target, kW. */
  releaseMarginKw?: number;
  loads?: GuardLoad[];
}

type LoadState = 'off' | 'running' | 'waiting' | 'shed';

interface Tracked extends GuardLoad {
  state: LoadState;
  since: number;
}

export interface GuardSnapshot {
  loads: Tracked[];
  windowStart: number | null;
  energyKwh: number;
  lastKw: number | null;
  lastAt: number | null;
  pendingKw: number;
  lastStartAt: number | null;
}

export interface GuardStatus {
  projectedKw: number;
  targetKw: number;
  running: number;
  shed: string[];
  waiting: string[];
}

export class DemandGuard {
  private loads = new Map<string, Tracked>();
  private windowStart: number | null = null;
  private energyKwh = 0;
  private lastKw: number | null = null;
  private lastAt: number | null = null;
  /** kW switched by our own commands since the last meter reading (the meter has not seen them yet). */
  private pendingKw = 0;
  private lastStartAt: number | null = null;
  private readonly windowMs: number;
  /** Average kW of the intervals that have ended (the most recent 96). */
  readonly completed: Array<{ start: number; averageKw: number }> = [];

  constructor(readonly options: GuardOptions) {
    if (!(options.targetKw > 0)) throw new Error(`target peak must be > 0 kW, got ${options.targetKw}`);
    this.windowMs = (options.intervalMinutes ?? 15) * 60_000;
    for (const l of options.loads ?? []) this.define(l);
  }

  define(l: GuardLoad): void {
    if (typeof l.id !== 'string' || !l.id) throw new Error('guard load: id must be a non-empty string');
    if (!Number.isFinite(l.powerKw) || l.powerKw < 0) throw new Error(`guard load "${l.id}": powerKw must be >= 0, got ${l.powerKw}`);
    const old = this.loads.get(l.id);
    this.loads.set(l.id, { id: l.id, powerKw: l.powerKw, priority: Number.isFinite(l.priority) ? l.priority : 0, sheddable: l.sheddable !== false, state: old?.state ?? 'off', since: old?.since ?? 0 });
  }

  private get gapMs(): number {
    return (this.options.startGapSeconds ?? 10) * 1000;
  }

  /** Records the plant's power (kW) at time t and acts on the new projection. */
  meter(kw: number, t: number): Command[] {
    if (!Number.isFinite(kw)) throw new Error(`meter reading must be a finite kW value, got ${kw}`);
    this.advance(t);
    this.lastKw = kw;
    this.lastAt = t;
    this.pendingKw = 0;
    return this.tick(t);
  }

  /** Integrates the held power up to t, rolling the demand interval over when it ends. */
  private advance(t: number): void {
    if (this.windowStart === null) this.windowStart = Math.floor(t / this.windowMs) * this.windowMs;
    if (this.lastAt !== null && t < this.lastAt) return; // out-of-order reading: ignore for integration
    let from = this.lastAt ?? t;
    const kw = (this.lastKw ?? 0) + this.pendingKw;
    let ws = this.windowStart;
    while (t >= ws + this.windowMs) {
      const end: number = ws + this.windowMs;
      if (from < end) this.energyKwh += (kw * (end - from)) / 3_600_000;
      if (this.lastAt !== null) {
        const avg = this.energyKwh / (this.windowMs / 3_600_000);
        this.completed.push({ start: ws, averageKw: avg });
        if (this.completed.length > 96) this.completed.shift();
      }
      ws = end;
      this.energyKwh = 0;
      from = Math.max(from, end);
    }
    this.windowStart = ws;
    if (t > from) this.energyKwh += (kw * (t - from)) / 3_600_000;
    if (this.lastAt !== null) this.lastAt = t;
  }

  private nowKw(): number {
    return (this.lastKw ?? 0) + this.pendingKw;
  }

  /** Projected average kW of the current interval if `extraKw` were added now and held. */
  projection(t: number, extraKw = 0): number {
    if (this.windowStart === null) return this.nowKw() + extraKw;
    const hours = this.windowMs / 3_600_000;
    const left = Math.max(0, this.windowStart + this.windowMs - t) / 3_600_000;
    return (this.energyKwh + (this.nowKw() + extraKw) * left) / hours;
  }

  /** A command from outside (e.g. the scheduler): start and release wait for the sequencer, stop and shed act at once. Returns the commands to send now. */
  request(cmd: Command, t: number): Command[] {
    let l = this.loads.get(cmd.loadId);
    if (!l) {
      this.define({ id: cmd.loadId, powerKw: cmd.powerKw ?? 0, priority: cmd.priority ?? 0 });
      l = this.loads.get(cmd.loadId) as Tracked;
    } else if (cmd.powerKw !== undefined && l.powerKw === 0) l.powerKw = cmd.powerKw;
    this.advance(t);
    const out: Command[] = [];
    if (cmd.action === 'start' || cmd.action === 'release') {
      if (l.state === 'running') return out;
      l.state = 'waiting';
      l.since = t;
      return [...out, ...this.tick(t)];
    }
    // stop or shed requested from outside: obey at once.
    if (l.state === 'running') {
      this.pendingKw -= l.powerKw;
      out.push({ loadId: l.id, action: 'stop', at: t, reason: cmd.reason || 'stop requested', powerKw: l.powerKw, priority: l.priority });
    }
    l.state = 'off';
    l.since = t;
    return out;
  }

  /** Periodic check: shed when the projection is over target, otherwise start or release one load. */
  tick(t: number): Command[] {
    this.advance(t);
    const out: Command[] = [];
    const target = this.options.targetKw;
    let projected = this.projection(t);
    if (projected > target + 1e-9) {
      const hours = this.windowMs / 3_600_000;
      const left = Math.max(1e-6, (this.windowStart as number) + this.windowMs - t) / 3_600_000;
      let needKw = ((projected - target) * hours) / left;
      const candidates = [...this.loads.values()].filter((l) => l.state === 'running' && l.sheddable !== false).sort((a, b) => a.priority - b.priority || b.powerKw - a.powerKw);
      for (const l of candidates) {
        if (needKw <= 1e-9) break;
        l.state = 'shed';
        l.since = t;
        this.pendingKw -= l.powerKw;
        needKw -= l.powerKw;
        out.push({ loadId: l.id, action: 'shed', at: t, reason: `projected ${projected.toFixed(1)} kW > target ${target} kW`, powerKw: l.powerKw, priority: l.priority });
      }
      return out;
    }
    // One start per gap: the most important waiting or shed load that fits under the target.
    if (this.lastStartAt !== null && t - this.lastStartAt < this.gapMs) return out;
    const margin = this.options.releaseMarginKw ?? 0;
    const minShed = (this.options.minShedSeconds ?? 60) * 1000;
    const ready = [...this.loads.values()]
      .filter((l) => l.state === 'waiting' || (l.state === 'shed' && t - l.since >= minShed))
      .sort((a, b) => b.priority - a.priority || a.since - b.since);
    for (const l of ready) {
      projected = this.projection(t, l.powerKw);
      const room = l.state === 'shed' ? target - margin : target;
      if (projected > room + 1e-9) continue;
      const action = l.state === 'shed' ? 'release' : 'start';
      l.state = 'running';
      l.since = t;
      this.pendingKw += l.powerKw;
      this.lastStartAt = t;
      out.push({ loadId: l.id, action, at: t, reason: `${action === 'release' ? 'released' : 'started'}: projected ${projected.toFixed(1)} kW <= ${room.toFixed(1)} kW`, powerKw: l.powerKw, priority: l.priority });
      break;
    }
    return out;
  }

  /** Marks a load as already running (e.g. found running at start-up). */
  setRunning(id: string, running: boolean, t: number): void {
    const l = this.loads.get(id);
    if (!l) throw new Error(`unknown load "${id}"`);
    l.state = running ? 'running' : 'off';
    l.since = t;
  }

  status(t: number): GuardStatus {
    const all = [...this.loads.values()];
    return {
      projectedKw: this.projection(t),
      targetKw: this.options.targetKw,
      running: all.filter((l) => l.state === 'running').length,
      shed: all.filter((l) => l.state === 'shed').map((l) => l.id),
      waiting: all.filter((l) => l.state === 'waiting').map((l) => l.id),
    };
  }

  stateOf(id: string): LoadState | undefined {
    return this.loads.get(id)?.state;
  }

  snapshot(): GuardSnapshot {
    return {
      loads: [...this.loads.values()].map((l) => ({ ...l })),
      windowStart: this.windowStart,
      energyKwh: this.energyKwh,
      lastKw: this.lastKw,
      lastAt: this.lastAt,
      pendingKw: this.pendingKw,
      lastStartAt: this.lastStartAt,
    };
  }

  restore(s: GuardSnapshot): void {
    for (const l of s.loads ?? []) {
      const known = this.loads.get(l.id);
      this.loads.set(l.id, { ...l, ...(known ? { powerKw: known.powerKw, priority: known.priority, sheddable: known.sheddable } : {}) });
    }
    this.windowStart = s.windowStart;
    this.energyKwh = s.energyKwh;
    this.lastKw = s.lastKw;
    this.lastAt = s.lastAt;
    this.pendingKw = s.pendingKw;
    this.lastStartAt = s.lastStartAt;
  }
}
