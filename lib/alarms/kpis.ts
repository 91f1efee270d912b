// ISA-18.2's own performance figures: alarms per 10 minutes (now, average, peak), share of time in
// flood, standing and stale alarms, and the alarms that chatter most.
import { RateWindow } from './rate-window';
import type { AlarmRecord } from './record';

const TEN_MINUTES = 600_000;

export interface ChatterEntry {
  alarmId: string;
  chatterEpisodes: number;
  raises: number;
}

export interface AlarmKpis {
  since: number;
  alarmsLast10Min: number;
  averagePer10Min: number;
  peakPer10Min: number;
  peakAt: number | null;
  percentTimeInFlood: number;
  floodedAreas: string[];
  /** Active alarms now (not shelved, suppressed or out of service). */
  standing: number;
  /** Standing alarms active for longer than the stale limit. */
  stale: number;
  unacknowledged: number;
  shelved: number;
  suppressed: number;
  outOfService: number;
  totalRaises: number;
  topChattering: ChatterEntry[];
}

export class KpiTracker {
  private readonly rate = new RateWindow(TEN_MINUTES, 100_000);
  private since: number;
  private totalRaises = 0;
  private peak = 0;
  private peakAt: number | null = null;
  private floodMs = 0;
  private floodSince: number | null = null;

  constructor(now: number) {
    this.since = now;
  }

  recordRaise(now: number): void {
    this.totalRaises++;
    this.rate.add(now);
    const c = this.rate.count(now);
    if (c > this.peak) {
      this.peak = c;
      this.peakAt = now;
    }
  }

  setFlooding(flooding: boolean, now: number): void {
    if (flooding && this.floodSince === null) this.floodSince = now;
    if (!flooding && this.floodSince !== null) {
      this.floodMs += now - this.floodSince;
      this.floodSince = null;
    }
  }

  report(now: number, alarms: Iterable<AlarmRecord>, staleAfterMs: number, floodedAreas: string[]): AlarmKpis {
    let standing = 0;
    let stale = 0;
    let unacknowledged = 0;
    let shelved = 0;
    let suppressed = 0;
    let outOfService = 0;
    const chatter: ChatterEntry[] = [];
    for (const a of alarms) {
      const muted = a.shelvedUntil !== null || a.suppressed || a.outOfService;
      if (a.shelvedUntil !== null) shelved++;
      if (a.suppressed) suppressed++;
      if (a.outOfService) outOfService++;
      if (a.active && !muted) {
        standing++;
        if (a.activeSince !== null && now - a.activeSince > staleAfterMs) stale++;
      }
      if (!a.acked && !muted) unacknowledged++;
      if (a.chatterEpisodes > 0) chatter.push({ alarmId: a.id, chatterEpisodes: a.chatterEpisodes, raises: a.raises });
    }
    chatter.sort((x, y) => y.chatterEpisodes - x.chatterEpisodes || y.raises - x.raises || (x.alarmId < y.alarmId ? -1 : 1));
    const elapsed = Math.max(0, now - this.since);
    const inFlood = this.floodMs + (this.floodSince !== null ? now - this.floodSince : 0);
    const round = (x: number) => Math.round(x * 100) / 100;
    return {
      since: this.since,
      alarmsLast10Min: this.rate.count(now),
      averagePer10Min: elapsed > 0 ? round((this.totalRaises * TEN_MINUTES) / Math.max(elapsed, TEN_MINUTES)) : this.totalRaises,
      peakPer10Min: this.peak,
      peakAt: this.peakAt,
      percentTimeInFlood: elapsed > 0 ? round((100 * inFlood) / elapsed) : 0,
      floodedAreas,
      standing,
      stale,
      unacknowledged,
      shelved,
      suppressed,
      outOfService,
      totalRaises: this.totalRaises,
      topChattering: chatter.slice(0, 5),
    };
  }

  toJSON(): Record<string, unknown> {
    return { since: this.since, totalRaises: this.totalRaises, peak: this.peak, peakAt: this.peakAt, floodMs: this.floodMs, floodSince: this.floodSince, rate: this.rate.toJSON() };
  }

  load(value: unknown): void {
    if (typeof value !== 'object' || value === null) return;
    const v = value as Record<string, unknown>;
    const num = (x: unknown, d: number) => (typeof x === 'number' && Number.isFinite(x) ? x : d);
    this.since = num(v.since, this.since);
    this.totalRaises = num(v.totalRaises, 0);
    this.peak = num(v.peak, 0);
    this.peakAt = typeof v.peakAt === 'number' ? v.peakAt : null;
    this.floodMs = num(v.floodMs, 0);
    this.floodSince = typeof v.floodSince === 'number' ? v.floodSince : null;
    this.rate.load(v.rate);
  }
}
