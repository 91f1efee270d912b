// Centrifugal pump on a variable-speed drive, working against a pipe system. Its operating point is
// where the pump curve (head falls with flow, scales with speed squared) meets the system curve
// (static head plus friction); clogging multiplies the system friction, so flow falls and
// discharge pressure rises. Wear lowers efficiency and raises vibration.
import { approach, Rng, Wander } from '../rng';
import { WearPath } from '../wear';

const SHUTOFF_BAR = 6;
const STATIC_BAR = 1;
const PUMP_K = 0.0004; // bar per (m³/h)²
const SYSTEM_R = 0.0008; // bar per (m³/h)²
const CLOG_TIME_S = 600; // an injected clog closes up over about ten minutes
const VOLTAGE = 400;
const POWER_FACTOR = 0.86;

export class Pump {
  readonly wear: WearPath;
  run = true;
  speedSetpoint = 100;
  running = true;
  clogging = 0;
  clogTarget = 0;
  pressure = 0;
  flow = 0;
  power = 0;
  current = 0;
  vibrationRms = 0;
  private speed = 0;
  private readonly noise: Wander;
  private readonly vibrationNoise: Wander;

  constructor(rng: Rng, lifeHours: number) {
    this.wear = new WearPath(rng.fork('pump-wear'), { lifeHours });
    this.noise = new Wander(rng.fork('pump-noise'), 0.01, 5);
    this.vibrationNoise = new Wander(rng.fork('pump-vibration'), 0.01, 2);
  }

  get defectSeverity(): number {
    return Math.min(1, Math.max(0, (this.wear.level - 0.12) / 0.88));
  }

  step(dt: number): void {
    this.running = this.run && !this.wear.failed;
    if (this.running) this.wear.advance(dt);
    if (this.wear.failed) this.running = false;
    this.speed = approach(this.speed, this.running ? this.speedSetpoint / 100 : 0, dt, 1.5);
    if (this.clogTarget > this.clogging) this.clogging = Math.min(this.clogTarget, this.clogging + dt / CLOG_TIME_S);
    else this.clogging = this.clogTarget;

    const n = this.speed;
    const resistance = SYSTEM_R * (1 + 8 * this.clogging);
    const head = SHUTOFF_BAR * n * n * (1 - 0.15 * this.wear.level);
    const flow = head > STATIC_BAR ? Math.sqrt((head - STATIC_BAR) / (PUMP_K + resistance)) : 0;
    const noise = 1 + this.noise.step(dt);
    this.flow = flow * noise;
    this.pressure = n > 0.01 ? (STATIC_BAR + resistance * flow * flow) * noise : 0;
    const efficiency = 0.7 * (1 - 0.2 * this.wear.level);
    const hydraulicKw = (flow / 3600) * this.pressure * 1e5 / 1000;
    this.power = n > 0.01 ? hydraulicKw / efficiency + 0.3 * n : 0;
    this.current = (this.power * 1000) / (Math.sqrt(3) * VOLTAGE * POWER_FACTOR);
    const cavitation = 0.15 * this.clogging;
    const v = (0.12 + 0.9 * this.defectSeverity + cavitation) * n * n;
    this.vibrationRms = Math.max(0, v + (n > 0.01 ? 0.02 + this.vibrationNoise.step(dt) : 0));
  }

  repair(): void {
    this.wear.replace();
    this.clogging = 0;
    this.clogTarget = 0;
  }
}
