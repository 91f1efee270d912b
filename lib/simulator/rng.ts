// The plant's random source: the pack's seeded generator plus normals and forked streams, so a plant
// run can be replayed exactly from its seed.
import { SeededRandom, seedFromText } from '../shared/seeded-random';

export class Rng extends SeededRandom {
  private spare: number | null = null;

  constructor(seed: number | string) {
    super(typeof seed === 'number' ? seed : seedFromText(seed));
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Standard normal (Box-Muller, the second value kept for the next call). */
  gaussian(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** An independent stream derived from this one, so adding a machine does not shift the others' noise. */
  fork(label: string): Rng {
    return new Rng((seedFromText(label) ^ this.state) >>> 0);
  }
}

/** First-order lag towards a target, exact for any step length (stable when the clock runs fast). */
export function approach(current: number, target: number, dtSeconds: number, tauSeconds: number): number {
  return target + (current - target) * Math.exp(-dtSeconds / tauSeconds);
}

/** A slowly wandering noise (AR(1) / Ornstein-Uhlenbeck) with the given standard deviation. */
export class Wander {
  value = 0;
  constructor(private readonly rng: Rng, private readonly sigma: number, private readonly tauSeconds: number) {}

  step(dtSeconds: number): number {
    const a = Math.exp(-dtSeconds / this.tauSeconds);
    this.value = a * this.value + this.sigma * Math.sqrt(1 - a * a) * this.rng.gaussian();
    return this.value;
  }
}
