// A run-to-failure path: wear rises exponentially from a small start value to 1, the failure
// threshold, with a slowly wandering rate (so two parts never fail at quite the same time). The
// ground-truth remaining life is the time to reach 1 at the current mean rate: exact apart from the
// rate noise still to come.
import { Wander, type Rng } from './rng';

export interface WearOptions {
  /** Hours from a new part (wear = initial) to failure at the nominal rate. */
  lifeHours: number;
  /** Wear of a new part, 0 < initial < 1. */
  initial?: number;
  /** Relative standard deviation of the wandering wear rate (0 = a smooth exponential). */
  rateNoise?: number;
}

export interface WearSnapshot {
  level: number;
  acceleration: number;
}

export class WearPath {
  readonly initial: number;
  /** Nominal growth rate of ln(wear), per second. */
  readonly rate: number;
  private readonly rateNoise: Wander;
  level: number;
  /** Multiplies the rate: a bearing defect makes a part wear out several times faster. */
  acceleration = 1;

  constructor(rng: Rng, options: WearOptions) {
    if (!(options.lifeHours > 0)) throw new Error(`lifeHours must be > 0, got ${options.lifeHours}`);
    this.initial = options.initial ?? 0.05;
    this.rate = Math.log(1 / this.initial) / (options.lifeHours * 3600);
    // The rate wanders on a twentieth of the part's life, whatever the step length.
    this.rateNoise = new Wander(rng, options.rateNoise ?? 0.25, (options.lifeHours * 3600) / 20);
    this.level = this.initial;
  }

  get failed(): boolean {
    return this.level >= 1;
  }

  /** Puts the part at the given fraction of its life used (0 = new, 1 = failed). */
  setLifeUsed(fraction: number): void {
    const f = Math.min(1, Math.max(0, fraction));
    this.level = this.initial * Math.exp(f * Math.log(1 / this.initial));
  }

  /** Advances wear; the increment is never negative, so wear is monotonic. */
  advance(dtSeconds: number): void {
    if (this.failed || dtSeconds <= 0) return;
    const mean = this.rate * this.acceleration * dtSeconds;
    const factor = Math.max(0, 1 + this.rateNoise.step(dtSeconds));
    this.level = Math.min(1, this.level * Math.exp(mean * factor));
  }

  /** Seconds until wear reaches 1 at the current mean rate. */
  remainingSeconds(): number {
    if (this.failed) return 0;
    return Math.log(1 / this.level) / (this.rate * this.acceleration);
  }

  /** A defect jumps wear up to at least `level` and speeds up the rest of the path. */
  defect(level: number, acceleration: number): void {
    this.level = Math.max(this.level, Math.min(level, 0.999));
    this.acceleration = Math.max(this.acceleration, acceleration);
  }

  /** A new part. */
  replace(): void {
    this.level = this.initial;
    this.acceleration = 1;
  }

  snapshot(): WearSnapshot {
    return { level: this.level, acceleration: this.acceleration };
  }
}
