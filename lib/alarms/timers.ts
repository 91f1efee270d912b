// Named timers over a clock: at most one per name, all released at once on dispose.
import type { Clock, TimerHandle } from './clock';

export class TimerSet {
  private readonly handles = new Map<string, TimerHandle>();

  constructor(private readonly clock: Clock) {}

  /** (Re)schedules `name` to run at epoch ms `at`. */
  at(name: string, at: number, fn: () => void): void {
    this.cancel(name);
    const handle = this.clock.setTimer(() => {
      this.handles.delete(name);
      fn();
    }, at - this.clock.now());
    this.handles.set(name, handle);
  }

  has(name: string): boolean {
    return this.handles.has(name);
  }

  cancel(name: string): void {
    const handle = this.handles.get(name);
    if (handle === undefined) return;
    this.clock.clearTimer(handle);
    this.handles.delete(name);
  }

  /** Timers whose name starts with `prefix` (all when omitted). */
  size(prefix = ''): number {
    if (!prefix) return this.handles.size;
    let n = 0;
    for (const name of this.handles.keys()) if (name.startsWith(prefix)) n++;
    return n;
  }

  dispose(): void {
    for (const handle of this.handles.values()) this.clock.clearTimer(handle);
    this.handles.clear();
  }
}
