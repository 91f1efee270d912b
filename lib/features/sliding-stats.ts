// Statistics of a sliding window updated in O(1) per sample: samples are added at the newest end and
// removed from the oldest end, and every moment is updated by exact add/remove formulas (Welford for
// mean and M2, Pébay's single-sample update for M3 and M4, inverted for removal), never recomputed.
// Min and max come from monotonic deques (amortised O(1)); the mean of |x| is a running mean too.
import type { Moments } from './time-domain';

const MIN_CAPACITY = 16;

export class SlidingStats implements Moments {
  // Ring of values and their positions (timestamps, or row numbers in aligned count windows).
  private vals: Float64Array;
  private poss: Float64Array;
  private mask: number;
  private head = 0;
  n = 0;

  // The mean as a compensated (Kahan) sum of its updates: mean = mu - muC.
  private mu = 0;
  private muC = 0;
  m2 = 0;
  m3 = 0;
  m4 = 0;
  meanAbs = 0;
  crossings = 0;
  // Regression of x on its sequence number: co-moment with the sequence numbers. They are consecutive,
  // so a new sample sits n/2 above the mean of the others and a removed one n/2 below.
  private seqNext = 0;
  private coMoment = 0;

  // Monotonic deques: values and sequence numbers, oldest at the front.
  private minV: Float64Array;
  private minS: Float64Array;
  private minHead = 0;
  private minLen = 0;
  private maxV: Float64Array;
  private maxS: Float64Array;
  private maxHead = 0;
  private maxLen = 0;

  constructor(capacity = MIN_CAPACITY) {
    let cap = MIN_CAPACITY;
    while (cap < capacity) cap *= 2;
    this.vals = new Float64Array(cap);
    this.poss = new Float64Array(cap);
    this.minV = new Float64Array(cap);
    this.minS = new Float64Array(cap);
    this.maxV = new Float64Array(cap);
    this.maxS = new Float64Array(cap);
    this.mask = cap - 1;
  }

  get mean(): number {
    return this.mu - this.muC;
  }

  get count(): number {
    return this.n;
  }

  get min(): number {
    return this.minLen ? this.minV[this.minHead] : NaN;
  }

  get max(): number {
    return this.maxLen ? this.maxV[this.maxHead] : NaN;
  }

  get last(): number {
    return this.n ? this.vals[(this.head + this.n - 1) & this.mask] : NaN;
  }

  get sumAbs(): number {
    return this.meanAbs * this.n;
  }

  /** Least-squares slope of the values against their sample index (units per sample). */
  get slope(): number {
    const n = this.n;
    if (n < 2) return 0;
    return this.coMoment / ((n * (n * n - 1)) / 12);
  }

  /** Position (timestamp or row) of the i-th oldest sample. */
  positionAt(i: number): number {
    return this.poss[(this.head + i) & this.mask];
  }

  valueAt(i: number): number {
    return this.vals[(this.head + i) & this.mask];
  }

  oldestPosition(): number {
    return this.n ? this.poss[this.head] : NaN;
  }

  newestPosition(): number {
    return this.n ? this.poss[(this.head + this.n - 1) & this.mask] : NaN;
  }

  /** Copies the window, oldest first, into out (grown when too small); returns the filled view. */
  copyValues(out?: Float64Array): Float64Array {
    const target = out && out.length >= this.n ? out : new Float64Array(this.n);
    const first = Math.min(this.n, this.vals.length - this.head);
    target.set(this.vals.subarray(this.head, this.head + first), 0);
    if (first < this.n) target.set(this.vals.subarray(0, this.n - first), first);
    return target.subarray(0, this.n);
  }

  clear(): void {
    this.head = this.n = 0;
    this.mu = this.muC = this.m2 = this.m3 = this.m4 = 0;
    this.meanAbs = 0;
    this.crossings = 0;
    this.seqNext = this.coMoment = 0;
    this.minHead = this.minLen = this.maxHead = this.maxLen = 0;
  }

  private grow(): void {
    const cap = this.vals.length * 2;
    const reorder = (src: Float64Array, start: number, len: number) => {
      const dst = new Float64Array(cap);
      for (let i = 0; i < len; i++) dst[i] = src[(start + i) & this.mask];
      return dst;
    };
    this.vals = reorder(this.vals, this.head, this.n);
    this.poss = reorder(this.poss, this.head, this.n);
    this.minV = reorder(this.minV, this.minHead, this.minLen);
    this.minS = reorder(this.minS, this.minHead, this.minLen);
    this.maxV = reorder(this.maxV, this.maxHead, this.maxLen);
    this.maxS = reorder(this.maxS, this.maxHead, this.maxLen);
    this.head = this.minHead = this.maxHead = 0;
    this.mask = cap - 1;
  }

  private readonly one = new Float64Array(1);

  /** Adds a sample at the newest end. */
  push(x: number, position: number): void {
    this.one[0] = x;
    this.pushMany(this.one, 0, 1, position, 0, Infinity);
  }

  /** Removes the oldest sample; returns its value. */
  shift(): number {
    const n = this.n;
    if (n === 0) return NaN;
    const mask = this.mask;
    const y = this.vals[this.head];
    if (n === 1) {
      this.clear();
      return y;
    }
    const next = this.vals[(this.head + 1) & mask];
    const so = this.seqNext - n;
    this.head = (this.head + 1) & mask;
    const r1 = n - 1;
    const invR = 1 / r1;
    // Inverse of the Pébay update: the moments of the remaining n-1 samples.
    const d0 = y - this.mu + this.muC;
    const delta = d0 * n * invR;
    const dn = delta * (1 / n);
    const dn2 = dn * dn;
    const term1 = delta * dn * r1;
    const m2a = this.m2 - term1 > 0 ? this.m2 - term1 : 0;
    const m3a = this.m3 - term1 * dn * (n - 2) + 3 * dn * m2a;
    const m4a = this.m4 - term1 * dn2 * (n * n - 3 * n + 3) - 6 * dn2 * m2a + 4 * dn * m3a;
    this.coMoment += n * 0.5 * d0;
    this.meanAbs -= ((y < 0 ? -y : y) - this.meanAbs) * invR;
    const step = -d0 * invR - this.muC;
    const t = this.mu + step;
    this.muC = t - this.mu - step;
    this.mu = t;
    this.m2 = m2a;
    this.m3 = m3a;
    this.m4 = m4a > 0 ? m4a : 0;
    if (y < 0 !== next < 0) this.crossings--;
    if (this.minLen && this.minS[this.minHead] === so) {
      this.minHead = (this.minHead + 1) & mask;
      this.minLen--;
    }
    if (this.maxLen && this.maxS[this.maxHead] === so) {
      this.maxHead = (this.maxHead + 1) & mask;
      this.maxLen--;
    }
    this.n = r1;
    return y;
  }

  /**
   * Pushes values[offset .. offset+count) with positions pos0 + i*dt, removing the oldest sample
   * whenever more than capacity are held. Same arithmetic as push() and shift(), with the state in
   * locals for the hot loop (blocks and benchmarks).
   */
  pushMany(values: ArrayLike<number>, offset: number, count: number, pos0: number, dt: number, capacity: number): void {
    while (this.n > capacity) this.shift();
    while (this.vals.length < Math.min(capacity + 1, this.n + count)) this.grow();
    const vals = this.vals;
    const poss = this.poss;
    const minV = this.minV;
    const minS = this.minS;
    const maxV = this.maxV;
    const maxS = this.maxS;
    const mask = this.mask;
    let head = this.head;
    let n = this.n;
    let mu = this.mu;
    let muC = this.muC;
    let m2 = this.m2;
    let m3 = this.m3;
    let m4 = this.m4;
    let meanAbs = this.meanAbs;
    let crossings = this.crossings;
    let seqNext = this.seqNext;
    let coMoment = this.coMoment;
    let minHead = this.minHead;
    let minLen = this.minLen;
    let maxHead = this.maxHead;
    let maxLen = this.maxLen;
    // A full window alternates between capacity and capacity + 1 samples: divide once, up front.
    const invFull = 1 / (capacity + 1);
    const invCap = 1 / capacity;
    let lastNeg = n > 0 && vals[(head + n - 1) & mask] < 0;
    for (let i = 0; i < count; i++) {
      const x = values[offset + i];
      const neg = x < 0;
      // ---- add x (Pébay; the mean is a Kahan sum: true mean = mu - muC)
      if (n > 0 && lastNeg !== neg) crossings++;
      lastNeg = neg;
      const slot = (head + n) & mask;
      vals[slot] = x;
      poss[slot] = pos0 + i * dt;
      const n1 = n;
      n = n1 + 1;
      const inv = n > capacity ? invFull : 1 / n;
      let delta = x - mu + muC;
      let dn = delta * inv;
      let dn2 = dn * dn;
      let term1 = delta * dn * n1;
      m4 += term1 * dn2 * (n * n - 3 * n + 3) + 6 * dn2 * m2 - 4 * dn * m3;
      m3 += term1 * dn * (n - 2) - 3 * dn * m2;
      m2 += term1;
      let step = dn - muC;
      let t = mu + step;
      muC = t - mu - step;
      mu = t;
      const s = seqNext++;
      coMoment += n * 0.5 * (delta - dn);
      meanAbs += ((neg ? -x : x) - meanAbs) * inv;
      while (minLen && minV[(minHead + minLen - 1) & mask] >= x) minLen--;
      let j = (minHead + minLen++) & mask;
      minV[j] = x;
      minS[j] = s;
      while (maxLen && maxV[(maxHead + maxLen - 1) & mask] <= x) maxLen--;
      j = (maxHead + maxLen++) & mask;
      maxV[j] = x;
      maxS[j] = s;
      if (n <= capacity) continue;
      // ---- remove the oldest (n >= 2 here): the inverse of the update above
      const y = vals[head];
      const next = vals[(head + 1) & mask];
      const so = seqNext - n;
      head = (head + 1) & mask;
      const r1 = n - 1;
      const invR = invCap;
      const d0 = y - mu + muC;
      delta = d0 * n * invR;
      dn = delta * inv;
      dn2 = dn * dn;
      term1 = delta * dn * r1;
      const m2a = m2 - term1 > 0 ? m2 - term1 : 0;
      const m3a = m3 - term1 * dn * (n - 2) + 3 * dn * m2a;
      const m4a = m4 - term1 * dn2 * (n * n - 3 * n + 3) - 6 * dn2 * m2a + 4 * dn * m3a;
      coMoment += n * 0.5 * d0;
      meanAbs -= ((y < 0 ? -y : y) - meanAbs) * invR;
      step = -d0 * invR - muC;
      t = mu + step;
      muC = t - mu - step;
      mu = t;
      m2 = m2a;
      m3 = m3a;
      m4 = m4a > 0 ? m4a : 0;
      if (y < 0 !== next < 0) crossings--;
      if (minLen && minS[minHead] === so) {
        minHead = (minHead + 1) & mask;
        minLen--;
      }
      if (maxLen && maxS[maxHead] === so) {
        maxHead = (maxHead + 1) & mask;
        maxLen--;
      }
      n = r1;
    }
    this.head = head;
    this.n = n;
    this.mu = mu;
    this.muC = muC;
    this.m2 = m2;
    this.m3 = m3;
    this.m4 = m4;
    this.meanAbs = meanAbs;
    this.crossings = crossings;
    this.seqNext = seqNext;
    this.coMoment = coMoment;
    this.minHead = minHead;
    this.minLen = minLen;
    this.maxHead = maxHead;
    this.maxLen = maxLen;
  }
}
