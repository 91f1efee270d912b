// Count-based tumbling or sliding windows, one per key, turning samples into feature vectors.
import type { FeatureVector } from '../contracts';
import { isTimeDomainFeature, timeDomainFeatures, type TimeDomainFeature } from './time-domain';

export interface FeatureWindowOptions {
  /** Samples per window. */
  size: number;
  /** Samples between two emitted windows; equal to size for tumbling windows. */
  hop: number;
  features: readonly string[];
}

interface KeyState {
  values: number[];
  timestamps: number[];
  tags: Set<string>;
  sinceEmit: number;
}

export interface FeatureWindowSnapshot {
  version: 1;
  keys: Record<string, { values: number[]; timestamps: number[]; tags: string[]; sinceEmit: number }>;
}

export class FeatureWindow {
  private readonly keys = new Map<string, KeyState>();
  private readonly features: TimeDomainFeature[];

  constructor(private readonly options: FeatureWindowOptions) {
    if (!Number.isInteger(options.size) || options.size < 1) throw new Error(`window size must be a whole number >= 1, got ${options.size}`);
    if (!Number.isInteger(options.hop) || options.hop < 1 || options.hop > options.size) {
      throw new Error(`hop must be a whole number from 1 to the window size (${options.size}), got ${options.hop}`);
    }
    if (options.features.length === 0) throw new Error('choose at least one feature');
    const unknown = options.features.filter((f) => !isTimeDomainFeature(f));
    if (unknown.length) throw new Error(`unknown feature(s): ${unknown.join(', ')}`);
    this.features = options.features as TimeDomainFeature[];
  }

  /** Adds samples for one key; returns the feature vectors of every window that closed. */
  push(key: string, tag: string, timestamp: number, values: readonly number[]): FeatureVector[] {
    let state = this.keys.get(key);
    if (!state) {
      state = { values: [], timestamps: [], tags: new Set(), sinceEmit: 0 };
      this.keys.set(key, state);
    }
    state.tags.add(tag);
    const out: FeatureVector[] = [];
    for (const v of values) {
      state.values.push(v);
      state.timestamps.push(timestamp);
      state.sinceEmit++;
      if (state.values.length > this.options.size) {
        state.values.shift();
        state.timestamps.shift();
      }
      if (state.values.length === this.options.size && state.sinceEmit >= this.options.hop) {
        state.sinceEmit = 0;
        out.push({
          key,
          features: timeDomainFeatures(state.values, this.features),
          windowStart: state.timestamps[0],
          windowEnd: state.timestamps[state.timestamps.length - 1],
          sampleCount: state.values.length,
          sourceTags: [...state.tags].sort(),
        });
      }
    }
    return out;
  }

  /** Number of samples held in open windows, over all keys. */
  pendingSamples(): number {
    let n = 0;
    for (const s of this.keys.values()) n += s.values.length;
    return n;
  }

  snapshot(): FeatureWindowSnapshot {
    const keys: FeatureWindowSnapshot['keys'] = {};
    for (const [k, s] of this.keys) keys[k] = { values: [...s.values], timestamps: [...s.timestamps], tags: [...s.tags], sinceEmit: s.sinceEmit };
    return { version: 1, keys };
  }

  restore(snapshot: FeatureWindowSnapshot): void {
    if (!snapshot || snapshot.version !== 1 || typeof snapshot.keys !== 'object') return;
    this.keys.clear();
    for (const [k, s] of Object.entries(snapshot.keys)) {
      const keep = Math.min(s.values.length, this.options.size);
      this.keys.set(k, {
        values: s.values.slice(-keep),
        timestamps: s.timestamps.slice(-keep),
        tags: new Set(s.tags),
        sinceEmit: Math.min(s.sinceEmit, this.options.hop),
      });
    }
  }
}
