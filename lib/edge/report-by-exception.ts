// Report by exception: a metric is published when it moved past its deadband since the last value
// published, changed type or text, or was silent for longer than the heartbeat.
import type { Metric } from './sparkplug';

export interface DeadbandOptions {
  /** Absolute change needed, in the metric's unit (0 = any change). */
  absolute: number;
  /** Relative change needed, percent of the last published value (0 = off). */
  percent: number;
  /** Publish anyway after this many ms without a publish (0 = never). */
  heartbeatMs: number;
}

export class ReportByException {
  private readonly last = new Map<string, { value: Metric['value']; at: number }>();

  constructor(private readonly options: DeadbandOptions) {
    if (!(options.absolute >= 0) || !(options.percent >= 0) || !(options.heartbeatMs >= 0)) {
      throw new Error('deadband and heartbeat must be zero or positive numbers');
    }
  }

  /** Metrics worth publishing now; remembers them as published. */
  filter(scope: string, metrics: Metric[], now: number): Metric[] {
    return metrics.filter((m) => {
      const key = `${scope}\u0000${m.name}`;
      const prev = this.last.get(key);
      let publish = !prev || typeof prev.value !== typeof m.value || (this.options.heartbeatMs > 0 && now - prev.at >= this.options.heartbeatMs);
      if (!publish && prev) {
        if (typeof m.value === 'number' && typeof prev.value === 'number') {
          const delta = Math.abs(m.value - prev.value);
          const band = Math.max(this.options.absolute, (this.options.percent / 100) * Math.abs(prev.value));
          publish = band === 0 ? delta > 0 : delta > band;
        } else publish = m.value !== prev.value;
      }
      if (publish) this.last.set(key, { value: m.value, at: now });
      return publish;
    });
  }

  /** Forget what was published, e.g. after a Sparkplug rebirth, so everything goes out again. */
  reset(): void {
    this.last.clear();
  }
}
