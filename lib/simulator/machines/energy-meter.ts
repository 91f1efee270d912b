// The plant's main meter: active power, energy and the sliding 15-minute average demand the
// utility bills on. Energy is kept in 10-second buckets so the average is exact at any step length.
const DEMAND_WINDOW_S = 900;
const BUCKET_S = 10;
const BUCKETS = DEMAND_WINDOW_S / BUCKET_S;

export class EnergyMeter {
  power = 0;
  energyKwh = 0;
  demand = 0;
  peakDemand = 0;
  private readonly buckets = new Float64Array(BUCKETS);
  private bucketIndex = 0;
  private elapsed = 0;

  /** Adds `powerKw` drawn for `dt` seconds ending at plant time `time` (seconds since start). */
  step(dt: number, time: number, powerKw: number): void {
    this.power = powerKw;
    this.energyKwh += (powerKw * dt) / 3600;
    this.elapsed += dt;
    const index = Math.floor(time / BUCKET_S);
    for (let i = this.bucketIndex + 1; i <= Math.min(index, this.bucketIndex + BUCKETS); i++) this.buckets[i % BUCKETS] = 0;
    this.bucketIndex = Math.max(this.bucketIndex, index);
    this.buckets[index % BUCKETS] += powerKw * dt;
    let energyKws = 0;
    for (const b of this.buckets) energyKws += b;
    // The window holds the current, partly filled bucket and the full ones before it.
    const covered = Math.min(this.elapsed, (BUCKETS - 1) * BUCKET_S + (time - index * BUCKET_S));
    this.demand = covered > 0 ? energyKws / covered : powerKw;
    this.peakDemand = Math.max(this.peakDemand, this.demand);
  }
}
