// Grouping as Alertmanager does it: the first alarm of a group waits `group wait` so its neighbours
// join one notification; later changes go out at most every `group interval`; unacknowledged alarms
// are repeated every `repeat interval`. Areas in flood get one summary instead (see engine).
import type { AlarmOptions } from './options';
import { buildNotification, summaryOf, type AlarmNotification, type AlarmSummary } from './notification';
import type { AlarmRecord } from './record';
import type { TimerSet } from './timers';

export interface NotifierHost {
  now(): number;
  timers: TimerSet;
  options: AlarmOptions;
  alarms(): Iterable<AlarmRecord>;
  get(alarmId: string): AlarmRecord | undefined;
  /** Not shelved, suppressed, out of service or inhibited. */
  notifiable(r: AlarmRecord, inhibitors: AlarmRecord[]): boolean;
  inhibitors(): AlarmRecord[];
  flooding(area: string): boolean;
  emit(n: AlarmNotification): void;
}

interface Group {
  key: string;
  area?: string;
  machine?: string;
  notified: Set<string>;
  resolved: Map<string, AlarmSummary>;
  lastSentAt: number | null;
}

export class Notifier {
  private readonly groups = new Map<string, Group>();

  constructor(private readonly host: NotifierHost) {}

  groupKeyOf(r: AlarmRecord): { key: string; area?: string; machine?: string } {
    switch (this.host.options.groupBy) {
      case 'area':
        return { key: `area:${r.area}`, area: r.area };
      case 'machine':
        return { key: `machine:${r.machine}`, area: r.area, machine: r.machine };
      case 'area+machine':
        return { key: `area:${r.area}|machine:${r.machine}`, area: r.area, machine: r.machine };
      default:
        return { key: `alarm:${r.id}`, area: r.area, machine: r.machine };
    }
  }

  private group(r: AlarmRecord): Group {
    const k = this.groupKeyOf(r);
    let g = this.groups.get(k.key);
    if (!g) {
      g = { key: k.key, area: k.area, machine: k.machine, notified: new Set(), resolved: new Map(), lastSentAt: null };
      this.groups.set(k.key, g);
    }
    return g;
  }

  /** An alarm became active (or notifiable again): have its group tell someone. */
  firing(r: AlarmRecord): void {
    const g = this.group(r);
    if (g.notified.has(r.id)) return;
    this.schedule(g);
  }

  /** An alarm returned to normal. */
  resolved(r: AlarmRecord): void {
    const g = this.group(r);
    if (!g.notified.delete(r.id)) return;
    if (!this.host.options.sendResolved) return;
    g.resolved.set(r.id, summaryOf(r));
    this.schedule(g);
  }

  /** An alarm was shelved, suppressed or taken out of service: forget that it was announced. */
  muted(r: AlarmRecord): void {
    this.groups.get(this.groupKeyOf(r).key)?.notified.delete(r.id);
  }

  forget(r: AlarmRecord): void {
    const g = this.groups.get(this.groupKeyOf(r).key);
    g?.notified.delete(r.id);
    g?.resolved.delete(r.id);
  }

  /** Something that silenced alarms went away: re-examine every group with un-announced alarms. */
  recheck(): void {
    for (const r of this.host.alarms()) if (r.active) this.firing(r);
  }

  /** After a restart: what was active counts as announced, unacknowledged ones get repeats. */
  assumeAnnounced(): void {
    const inhibitors = this.host.inhibitors();
    for (const r of this.host.alarms()) {
      if (r.active && this.host.notifiable(r, inhibitors)) this.group(r).notified.add(r.id);
    }
    for (const g of this.groups.values()) this.scheduleRepeat(g);
  }

  private schedule(g: Group): void {
    const name = `flush:${g.key}`;
    if (this.host.timers.has(name)) return;
    const now = this.host.now();
    const at = g.lastSentAt === null ? now + this.host.options.groupWaitMs : Math.max(now, g.lastSentAt + this.host.options.groupIntervalMs);
    this.host.timers.at(name, at, () => this.flush(g));
  }

  private members(g: Group): AlarmRecord[] {
    if (this.host.options.groupBy === 'alarm') {
      const r = this.host.get(g.key.slice('alarm:'.length));
      return r ? [r] : [];
    }
    const out: AlarmRecord[] = [];
    for (const r of this.host.alarms()) if (this.groupKeyOf(r).key === g.key) out.push(r);
    return out;
  }

  private flush(g: Group): void {
    const now = this.host.now();
    const inhibitors = this.host.inhibitors();
    const firing = this.members(g).filter((r) => r.active && this.host.notifiable(r, inhibitors));
    const fresh = firing.filter((r) => !g.notified.has(r.id));
    const resolved = [...g.resolved.values()];
    g.resolved.clear();
    for (const r of fresh) g.notified.add(r.id);
    const flooding = g.area !== undefined && this.host.flooding(g.area);
    // In a flood the area's summary speaks for these alarms; they still get repeats afterwards.
    if (!flooding && (fresh.length > 0 || resolved.length > 0)) {
      g.lastSentAt = now;
      this.host.emit(buildNotification({ kind: 'alarms', groupKey: g.key, area: g.area, machine: g.machine, timestamp: now, firing: firing.map(summaryOf), resolved }));
    }
    this.scheduleRepeat(g);
  }

  private scheduleRepeat(g: Group): void {
    const name = `repeat:${g.key}`;
    const every = this.host.options.repeatIntervalMs;
    if (every <= 0) return this.dropIfIdle(g);
    if (g.notified.size === 0) {
      this.host.timers.cancel(name);
      return this.dropIfIdle(g);
    }
    this.host.timers.at(name, this.host.now() + every, () => this.repeat(g));
  }

  private repeat(g: Group): void {
    const now = this.host.now();
    const inhibitors = this.host.inhibitors();
    const unacked = this.members(g).filter((r) => r.state === 'unack-active' && g.notified.has(r.id) && this.host.notifiable(r, inhibitors));
    if (unacked.length > 0 && !(g.area !== undefined && this.host.flooding(g.area))) {
      g.lastSentAt = now;
      this.host.emit(buildNotification({ kind: 'repeat', groupKey: g.key, area: g.area, machine: g.machine, timestamp: now, firing: unacked.map(summaryOf), resolved: [] }));
    }
    this.scheduleRepeat(g);
  }

  private dropIfIdle(g: Group): void {
    if (g.notified.size > 0 || g.resolved.size > 0) return;
    if (this.host.timers.has(`flush:${g.key}`) || this.host.timers.has(`repeat:${g.key}`)) return;
    this.groups.delete(g.key);
  }

  groupCount(): number {
    return this.groups.size;
  }
}
