// The audit trail of alarm events, bounded by count and age (the retention setting).
import { validateAlarmEvent, type AlarmEvent } from '../contracts';

export class EventLog {
  private events: AlarmEvent[] = [];

  constructor(private readonly maxEvents: number, private readonly retentionMs: number) {}

  add(event: AlarmEvent): void {
    if (this.maxEvents === 0) return;
    this.events.push(event);
    // Trim in batches so a burst does not shift the array on every event.
    if (this.events.length > this.maxEvents + Math.max(16, this.maxEvents >> 3)) this.events.splice(0, this.events.length - this.maxEvents);
  }

  /** Events within retention, oldest first, at most maxEvents. */
  list(now: number): AlarmEvent[] {
    this.prune(now);
    return this.events.slice();
  }

  size(): number {
    return Math.min(this.events.length, this.maxEvents);
  }

  prune(now: number): void {
    const oldest = now - this.retentionMs;
    let drop = Math.max(0, this.events.length - this.maxEvents);
    while (drop < this.events.length && this.events[drop].timestamp < oldest) drop++;
    if (drop > 0) this.events.splice(0, drop);
  }

  load(value: unknown, now: number): void {
    this.events = [];
    if (!Array.isArray(value)) return;
    for (const item of value.slice(-this.maxEvents)) {
      try {
        this.events.push(validateAlarmEvent(item));
      } catch {
        // A damaged entry in a saved log is skipped; the rest of the trail is kept.
      }
    }
    this.prune(now);
  }
}
