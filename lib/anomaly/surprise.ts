// The strong univariate detector ("surprise"), after contextual detectors such as CAD OSE:
// - the stream is quantised on a scale fixed after a warm-up (its spread then), by an ensemble of
//   quantisations (coarse and fine, linear and logarithmic);
// - each sample activates a set of contexts, short quantised shapes at several scales (the value
//   with the last one, two and three values; the value with the means over 4 and 16 samples; the
//   local spread; the slow shape, mean and spread over 64 samples, alone and with the short-term
//   mean and spread; with timestamps, the value and the recent means with the hour of day), looked up
//   in a decaying count table: the raw surprise is how new they are;
// - a self-normalising layer compares each member's raw surprise with its own recent peak, so that
//   one threshold fits every stream, and takes the members' geometric mean: only "the most unusual
//   thing seen in a long while", in the eyes of every member, scores above 0.5;
// - a score that does not beat every score of the last few samples is halved: one event (a spike
//   and its echo as it leaves the short windows) gives one detection, not a train of them;
// - after an alarm, re-alarms are damped for a while so that one event gives one detection.
// Memory is fixed (a 32k count table and 64 recent values) whatever the stream length.
import { checkSnapshot, Ring, type DetectorSnapshot, type StreamingDetector } from './detector';

export interface SurpriseOptions {
  /** Samples used to set the quantisation scale, before any score is given. */
  warmup?: number;
  /**
   * The ensemble: each member quantises the stream its own way (levels per warm-up spread, linear
   * or logarithmic beyond one spread, which keeps heavy-tailed spikes to a few levels); their
   * self-normalised surprises are averaged, which steadies the score.
   */
  members?: Member[];
  /** Samples after the warm-up before scores are given (everything is new at first). */
  settle?: number;
  /** Memory of the context counts in samples (counts decay with about this time constant x 4). */
  memory?: number;
  /** Half-life in samples of the recent peak that normalises the raw surprise. */
  peakHalfLife?: number;
  /** Samples during which new alarms are damped after one. */
  suppression?: number;
  /** Score that counts as an alarm for the suppression. */
  alarm?: number;
  /** Add hour-of-day contexts when timestamps are given (daily cycles: shifts, load, weather). */
  daily?: boolean;
  /** Samples over which a score must be the highest to count in full (0 = off). */
  newPeak?: number;
  /**
   * Seed of the context hashing. Any seed gives an equivalent detector; hash collisions differ, so
   * the benchmark runs several to show how much a figure owes to them.
   */
  seed?: number;
}

const DEFAULTS: Required<SurpriseOptions> = {
  warmup: 150,
  members: [
    { resolution: 2, compress: false },
    { resolution: 3, compress: false },
    { resolution: 4, compress: true },
    { resolution: 6, compress: true },
  ],
  settle: 100,
  memory: 1000,
  peakHalfLife: 1500,
  suppression: 100,
  alarm: 0.5,
  daily: true,
  newPeak: 30,
  seed: 0,
};

const TABLE = 1 << 15;
/** Samples in the slow window (the longest time scale of the contexts). */
const SLOW = 64;
/** Seeds shift every context kind's hash salt by this much (an odd prime, far above the 16 kinds). */
const SEED_STRIDE = 7919;

/** One quantisation of the stream: levels per warm-up spread, linear or logarithmic. */
export interface Member {
  resolution: number;
  compress: boolean;
}
/** Damped scores right after an alarm are multiplied by at least this. */
const DAMP = 0.5;

export class SurpriseDetector implements StreamingDetector {
  readonly name = 'surprise';
  private readonly o: Required<SurpriseOptions>;
  private readonly recent = new Ring(SLOW);
  private readonly counts = new Float32Array(TABLE);
  private readonly countDecay: number;
  private readonly peakDecay: number;
  private n = 0;
  private scale = 0;
  private center = 0;
  private warm: number[] = [];
  private readonly members: Member[];
  private peaks: number[];
  private readonly keys = new Int32Array(12);
  private readonly stats = { m4: 0, m16: 0, sd16: 0, mSlow: 0, sdSlow: 0 };
  private sinceAlarm = -1;
  private lastScores: Ring;
  private hour = -1;

  constructor(options: SurpriseOptions = {}) {
    this.o = { ...DEFAULTS, ...options };
    this.members = this.o.members.map((m) => ({ resolution: m.resolution, compress: m.compress === true }));
    if (this.members.length === 0 || this.members.some((m) => !(m.resolution > 0))) throw new Error('members need a positive resolution each');
    this.peaks = this.members.map(() => 0);
    for (const [k, v] of Object.entries(this.o)) {
      if (typeof v === 'boolean' || Array.isArray(v) || k === 'seed' || k === 'newPeak') continue;
      if (!(typeof v === 'number' && Number.isFinite(v) && v > 0)) throw new Error(`${k} must be a positive number, got ${v}`);
    }
    if (!(Number.isInteger(this.o.seed) && this.o.seed >= 0)) throw new Error(`seed must be a whole number >= 0, got ${this.o.seed}`);
    if (!(Number.isInteger(this.o.newPeak) && this.o.newPeak >= 0 && this.o.newPeak <= 1000)) throw new Error(`newPeak must be a whole number in [0, 1000], got ${this.o.newPeak}`);
    this.lastScores = new Ring(Math.max(1, this.o.newPeak));
    if (this.o.warmup < 10) throw new Error(`warmup must be at least 10 samples, got ${this.o.warmup}`);
    this.countDecay = 1 - 1 / (this.o.memory * 4);
    this.peakDecay = Math.pow(0.5, 1 / this.o.peakHalfLife);
  }

  update(value: number, timestamp?: number): number {
    if (!Number.isFinite(value)) throw new Error(`value must be a finite number, got ${value}`);
    this.hour = timestamp !== undefined && Number.isFinite(timestamp) ? Math.floor(timestamp / 3_600_000) % 24 : -1;
    this.n++;
    this.recent.push(value);
    if (this.n <= this.o.warmup) {
      this.warm.push(value);
      if (this.n === this.o.warmup) this.setScale();
      return 0;
    }
    this.windowStats();
    const members = this.members;
    let r = 0;
    for (let m = 0; m < members.length; m++) {
      const raw = this.novelty(m);
      const peak = this.peaks[m];
      this.peaks[m] = Math.max(raw, peak * this.peakDecay);
      r += Math.log(raw / (peak + 1e-9) + 1e-6);
    }
    // Geometric mean: a high score needs the members to agree.
    r = Math.exp(r / members.length);
    if ((this.n & 255) === 0) {
      const decay = this.countDecay ** 256;
      for (let i = 0; i < TABLE; i++) this.counts[i] *= decay;
    }
    if (this.n <= this.o.warmup + this.o.settle) return 0;
    return this.suppress(this.newPeakOnly(r / (1 + r)));
  }

  private setScale(): void {
    const sorted = [...this.warm].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.floor(p * (sorted.length - 1))];
    const range = sorted[sorted.length - 1] - sorted[0];
    this.center = q(0.5);
    // A flat warm-up still needs a scale: fall back to a fraction of the level itself.
    this.scale = Math.max(q(0.75) - q(0.25), range / 4, Math.abs(this.center) * 1e-3, 1e-9);
    this.warm = [];
  }

  /** Quantisation level of x for a member: linear, or logarithmic beyond one warm-up spread. */
  private level(x: number, m: Member): number {
    const u = (x - this.center) / this.scale;
    return Math.floor(m.compress ? m.resolution * Math.sign(u) * Math.log1p(Math.abs(u)) : m.resolution * u);
  }

  /** Means over 4, 16 and 64 samples and the spreads over 16 and 64, shared by the members. */
  private windowStats(): void {
    const r = this.recent;
    const len = r.length;
    const len16 = Math.min(16, len);
    let s4 = 0;
    let s16 = 0;
    let sSlow = 0;
    for (let k = 0; k < len; k++) {
      const v = r.back(k);
      if (k < 4) s4 += v;
      if (k < 16) s16 += v;
      sSlow += v;
    }
    const w = this.stats;
    w.m4 = s4 / Math.min(4, len);
    w.m16 = s16 / len16;
    w.mSlow = sSlow / len;
    // Spreads from deviations (not sums of squares): values up to 1e9 would lose all precision.
    let q16 = 0;
    let qSlow = 0;
    for (let k = 0; k < len; k++) {
      const v = r.back(k);
      if (k < 16) q16 += (v - w.m16) ** 2;
      qSlow += (v - w.mSlow) ** 2;
    }
    w.sd16 = Math.sqrt(q16 / len16);
    w.sdSlow = Math.sqrt(qSlow / len);
  }

  private novelty(index: number): number {
    const member = this.members[index];
    const salt = 16 * index + SEED_STRIDE * this.o.seed;
    const r = this.recent;
    const w = this.stats;
    const spread = Math.round((member.resolution * w.sd16) / this.scale);
    const a = this.level(r.back(0), member);
    const p1 = this.level(r.back(1), member);
    const p2 = this.level(r.back(2), member);
    const p3 = this.level(r.back(3), member);
    const m4 = this.level(w.m4, member);
    const c = this.level(w.m16, member);
    const keys = this.keys;
    keys[0] = hash3(salt + 1, a, p1, 0);
    keys[1] = hash3(salt + 2, a, m4, c);
    keys[2] = hash3(salt + 3, a, c, spread);
    keys[3] = hash3(salt + 4, a, p1, p2);
    keys[4] = hash3(salt + 5, p1, p2, p3);
    keys[5] = hash3(salt + 6, a, p3, 0);
    keys[6] = hash3(salt + 7, a, 0, 0);
    keys[7] = hash3(salt + 8, c, spread, 0);
    // The slow shape: a drift or a change in variability that no short context sees.
    const slowSpread = Math.round((member.resolution * w.sdSlow) / this.scale);
    keys[8] = hash3(salt + 11, this.level(w.mSlow, member), slowSpread, 0);
    keys[9] = hash3(salt + 13, c, spread, slowSpread);
    let used = 10;
    if (this.hour >= 0 && this.o.daily) {
      keys[used++] = hash3(salt + 9, a, this.hour, 0);
      keys[used++] = hash3(salt + 10, m4, c, this.hour);
    }
    let novel = 0;
    for (let k = 0; k < used; k++) {
      const cnt = this.counts[keys[k]];
      // Information-like: large for a context never (or hardly) seen, small once it is familiar.
      novel += Math.log1p(1 / (cnt + 0.2));
      this.counts[keys[k]] = cnt + 1;
    }
    return novel / used;
  }

  private newPeakOnly(score: number): number {
    if (this.o.newPeak === 0) return score;
    const last = this.lastScores;
    let best = 0;
    for (let k = 0; k < last.length; k++) best = Math.max(best, last.back(k));
    last.push(score);
    return score > best ? score : score * DAMP;
  }

  private suppress(score: number): number {
    if (this.sinceAlarm >= 0) {
      this.sinceAlarm++;
      if (this.sinceAlarm < this.o.suppression) return score * (DAMP + ((1 - DAMP) * this.sinceAlarm) / this.o.suppression);
      this.sinceAlarm = -1;
    }
    if (score >= this.o.alarm) this.sinceAlarm = 0;
    return score;
  }

  snapshot(): DetectorSnapshot {
    return {
      detector: this.name,
      version: 1,
      state: {
        n: this.n,
        scale: this.scale,
        center: this.center,
        warm: [...this.warm],
        peaks: [...this.peaks],
        sinceAlarm: this.sinceAlarm,
        lastScores: this.lastScores.toJSON(),
        recent: this.recent.toJSON(),
        counts: sparse(this.counts),
      },
    };
  }

  restore(snapshot: DetectorSnapshot): void {
    const s = checkSnapshot(snapshot, this.name, 1) as Record<string, never>;
    this.n = s.n;
    this.scale = s.scale;
    this.center = s.center;
    this.warm = [...(s.warm as number[])];
    this.peaks = [...(s.peaks as number[])];
    this.sinceAlarm = s.sinceAlarm;
    // Snapshots from before the new-peak rule have no recent scores: start with none.
    this.lastScores.load(Array.isArray(s.lastScores) ? (s.lastScores as number[]) : []);
    this.recent.load(s.recent);
    this.counts.fill(0);
    for (const [i, v] of s.counts as Array<[number, number]>) this.counts[i] = v;
  }
}

function hash3(kind: number, a: number, b: number, c: number): number {
  let h = Math.imul(kind, 0x9e3779b1) ^ Math.imul(a | 0, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) ^ Math.imul(b | 0, 0x27d4eb2f);
  h = Math.imul(h ^ (h >>> 15), 0x165667b1) ^ Math.imul(c | 0, 0x9e3779b1);
  h ^= h >>> 16;
  return (h >>> 0) & (TABLE - 1);
}

/** Counts that still matter as [index, count] pairs: far smaller than 32k numbers. */
function sparse(a: Float32Array): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (let i = 0; i < a.length; i++) if (a[i] > 1e-4) out.push([i, a[i]]);
  return out;
}
