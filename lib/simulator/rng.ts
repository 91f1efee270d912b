// A small seeded random source (mulberry32) so a plant run can be replayed exactly from its seed.

export class Rng {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number | string) {
    this.state = typeof seed === 'number' ? seed >>> 0 : hashString(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
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
    return new Rng((hashString(label) ^ this.state) >>> 0);
  }
}

function hashString(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
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
