// Induction motor behind a contactor (the run coil): a direct-on-line start draws about six times the
// rated current, decaying within a second or two.
import { Rng, Wander } from '../rng';

const VOLTAGE = 400;
const POWER_FACTOR = 0.85;
const EFFICIENCY = 0.92;
const INRUSH_FACTOR = 6;
const INRUSH_TAU_S = 0.5;

export class Motor {
  run = false;
  current = 0;
  power = 0;
  runSeconds = 0;
  starts = 0;
  private wasRunning = false;
  private sinceStart = Infinity;
  private readonly load: Wander;

  constructor(rng: Rng, readonly ratedKw: number) {
    this.load = new Wander(rng, 0.05, 30);
  }

  get ratedCurrent(): number {
    return (this.ratedKw * 1000) / (Math.sqrt(3) * VOLTAGE * POWER_FACTOR * EFFICIENCY);
  }

  step(dt: number): void {
    if (this.run && !this.wasRunning) {
      this.starts++;
      this.sinceStart = 0;
    }
    this.wasRunning = this.run;
    const load = Math.min(1.1, Math.max(0.3, 0.72 + this.load.step(dt)));
    if (!this.run) {
      this.current = 0;
      this.power = 0;
      return;
    }
    this.sinceStart += dt;
    this.runSeconds += dt;
    const inrush = Math.exp(-this.sinceStart / INRUSH_TAU_S);
    const steadyCurrent = this.ratedCurrent * (0.35 + 0.65 * load);
    this.current = steadyCurrent + (INRUSH_FACTOR * this.ratedCurrent - steadyCurrent) * inrush;
    this.power = ((this.ratedKw * load) / EFFICIENCY) * (1 + 1.5 * inrush);
  }
}
