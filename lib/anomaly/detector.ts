// The streaming detector contract: one sample in, one score in [0,1] out, from the data up to that
// sample only; memory bounded whatever the stream length; state that survives JSON.

export interface StreamingDetector {
  readonly name: string;
  /** Scores one sample; timestamp in ms (optional, for detectors that use time). */
  update(value: number, timestamp?: number): number;
  /** Plain JSON state; restore() on a detector with the same options continues where this one was. */
  snapshot(): DetectorSnapshot;
  restore(state: DetectorSnapshot): void;
}

export interface DetectorSnapshot {
  detector: string;
  version: number;
  state: Record<string, unknown>;
}

export function checkSnapshot(s: DetectorSnapshot, name: string, version: number): Record<string, unknown> {
  if (!s || typeof s !== 'object' || s.detector !== name) {
    throw new Error(`snapshot is for detector "${(s as DetectorSnapshot | undefined)?.detector}", not "${name}"`);
  }
  if (s.version !== version) throw new Error(`snapshot version ${s.version} of "${name}" is not supported (expected ${version})`);
  return s.state;
}

/** Standard normal upper tail Q(z) = P(Z > z), Abramowitz-Stegun 7.1.26 accuracy (1.5e-7). */
export function normalTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

export function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : Number.isFinite(x) ? x : 0;
}

/** A ring buffer of numbers with O(1) push. */
export class Ring {
  readonly data: Float64Array;
  length = 0;
  head = 0;
  constructor(readonly capacity: number) {
    this.data = new Float64Array(capacity);
  }
  push(x: number): number | undefined {
    let dropped: number | undefined;
    if (this.length === this.capacity) dropped = this.data[this.head];
    else this.length++;
    this.data[this.head] = x;
    this.head = (this.head + 1) % this.capacity;
    return dropped;
  }
  /** k-th most recent value (0 = newest). */
  back(k: number): number {
    return this.data[(this.head - 1 - k + this.capacity * 2) % this.capacity];
  }
  toJSON(): number[] {
    const out: number[] = [];
    for (let k = this.length - 1; k >= 0; k--) out.push(this.back(k));
    return out;
  }
  load(values: number[]): void {
    this.length = 0;
    this.head = 0;
    for (const v of values.slice(-this.capacity)) this.push(v);
  }
}
