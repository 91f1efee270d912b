// The fast baseline: a robust z-score of each sample against a sliding window of recent samples
// (exponentially weighted mean and deviation), squashed into [0,1).
// NAB's "windowed Gaussian" in spirit; cheap, no pattern memory.
import { checkSnapshot, clamp01, type DetectorSnapshot, type StreamingDetector } from './detector';

export interface WindowedGaussianOptions {
  /** Effective window length in samples (the weight half-life is about 0.7 of it). */
  window?: number;
}

export class WindowedGaussian implements StreamingDetector {
  readonly name = 'windowed-gaussian';
  private readonly alpha: number;
  private n = 0;
  private mean = 0;
  private variance = 0;

  constructor(options: WindowedGaussianOptions = {}) {
    const window = options.window ?? 1000;
    if (!(window >= 2)) throw new Error(`window must be >= 2 samples, got ${window}`);
    this.alpha = 2 / (window + 1);
  }

  update(value: number): number {
    if (!Number.isFinite(value)) throw new Error(`value must be a finite number, got ${value}`);
    this.n++;
    if (this.n === 1) {
      this.mean = value;
      return 0;
    }
    const sd = Math.sqrt(this.variance);
    const z = sd > 0 ? (value - this.mean) / sd : value === this.mean ? 0 : 10;
    // Learn with a weight that never lets a single sample dominate during warm-up.
    const a = Math.max(this.alpha, 1 / this.n);
    const d = value - this.mean;
    this.mean += a * d;
    this.variance = (1 - a) * (this.variance + a * d * d);
    // z / (z + 4) rather than a tail probability: keeps ranks apart where the tail saturates at 1.
    const az = Math.abs(z);
    return this.n < 10 ? 0 : clamp01(az / (az + 4));
  }

  snapshot(): DetectorSnapshot {
    return { detector: this.name, version: 1, state: { n: this.n, mean: this.mean, variance: this.variance } };
  }

  restore(snapshot: DetectorSnapshot): void {
    const s = checkSnapshot(snapshot, this.name, 1);
    this.n = Number(s.n);
    this.mean = Number(s.mean);
    this.variance = Number(s.variance);
  }
}
