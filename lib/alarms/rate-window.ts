// Counts events in a trailing time window with bounded memory: only the newest `cap` timestamps are
// kept, which keeps the count exact whenever it is below the cap (the dropped ones are the oldest).

export class RateWindow {
  private times: number[] = [];
  private head = 0;

  constructor(readonly windowMs: number, private readonly cap = 10_000) {}

  add(t: number): void {
    this.times.push(t);
    if (this.times.length - this.head > this.cap) this.head++;
    this.compact();
  }

  /** Events in (now - window, now]. */
  count(now: number): number {
    this.prune(now);
    return this.times.length - this.head;
  }

  /** When the count will have fallen to `n` if nothing new arrives, or undefined when it already has. */
  fallsToAt(n: number, now: number): number | undefined {
    const c = this.count(now);
    if (c <= n) return undefined;
    return this.times[this.head + (c - n) - 1] + this.windowMs;
  }

  toJSON(): number[] {
    return this.times.slice(this.head);
  }

  load(times: unknown): void {
    this.times = Array.isArray(times) ? times.filter((t): t is number => typeof t === 'number' && Number.isFinite(t)).slice(-this.cap) : [];
    this.head = 0;
  }

  private prune(now: number): void {
    while (this.head < this.times.length && this.times[this.head] <= now - this.windowMs) this.head++;
    this.compact();
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
  }
}
