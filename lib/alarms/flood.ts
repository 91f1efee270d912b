// Flood detection per area (ISA-18.2: more than 10 new alarms in 10 minutes). A flood ends when the
// rate has fallen to half the threshold, so an area hovering at the limit does not flap.
import { RateWindow } from './rate-window';

export interface FloodChange {
  area: string;
  flooding: boolean;
  count: number;
  at: number;
}

export class FloodDetector {
  private readonly windows = new Map<string, RateWindow>();
  private readonly flooded = new Map<string, number>();

  constructor(private readonly threshold: number, private readonly windowMs: number) {}

  get enabled(): boolean {
    return this.threshold > 0;
  }

  /** Records a new alarm; returns the change when the area has just entered flood. */
  record(area: string, now: number): FloodChange | undefined {
    if (!this.enabled) return undefined;
    let w = this.windows.get(area);
    if (!w) {
      w = new RateWindow(this.windowMs, Math.max(1000, this.threshold * 10));
      this.windows.set(area, w);
    }
    w.add(now);
    const count = w.count(now);
    if (!this.flooded.has(area) && count > this.threshold) {
      this.flooded.set(area, now);
      return { area, flooding: true, count, at: now };
    }
    return undefined;
  }

  isFlooding(area: string): boolean {
    return this.flooded.has(area);
  }

  floodedAreas(): string[] {
    return [...this.flooded.keys()];
  }

  count(area: string, now: number): number {
    return this.windows.get(area)?.count(now) ?? 0;
  }

  private endLevel(): number {
    return Math.floor(this.threshold / 2);
  }

  /** When the earliest flooded area could end its flood, for the caller's timer. */
  nextCheckAt(now: number): number | undefined {
    let next: number | undefined;
    for (const area of this.flooded.keys()) {
      const at = this.windows.get(area)?.fallsToAt(this.endLevel(), now) ?? now;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** Ends the floods whose rate has fallen; returns those changes. Forgets quiet areas. */
  check(now: number): FloodChange[] {
    const ended: FloodChange[] = [];
    for (const area of [...this.flooded.keys()]) {
      const count = this.count(area, now);
      if (count <= this.endLevel()) {
        this.flooded.delete(area);
        ended.push({ area, flooding: false, count, at: now });
      }
    }
    for (const [area, w] of this.windows) if (!this.flooded.has(area) && w.count(now) === 0) this.windows.delete(area);
    return ended;
  }

  toJSON(): { windows: Record<string, number[]>; flooded: Record<string, number> } {
    const windows: Record<string, number[]> = {};
    for (const [area, w] of this.windows) windows[area] = w.toJSON();
    return { windows, flooded: Object.fromEntries(this.flooded) };
  }

  load(value: unknown): void {
    this.windows.clear();
    this.flooded.clear();
    if (typeof value !== 'object' || value === null) return;
    const v = value as { windows?: Record<string, unknown>; flooded?: Record<string, unknown> };
    for (const [area, times] of Object.entries(v.windows ?? {})) {
      const w = new RateWindow(this.windowMs, Math.max(1000, this.threshold * 10));
      w.load(times);
      this.windows.set(area, w);
    }
    for (const [area, since] of Object.entries(v.flooded ?? {})) if (typeof since === 'number') this.flooded.set(area, since);
  }
}
