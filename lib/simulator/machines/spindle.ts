// CNC spindle: cycles idle -> ramp-up -> cutting -> tool change on a schedule. Bearing wear adds
// defect impulses to the vibration, heat in steady cutting, and friction that raises power draw.
import { approach, Rng, Wander } from '../rng';
import type { SpindleMode } from '../tags';
import { rms, vibrationBlock, WAVEFORM_SAMPLE_RATE } from '../waveform';
import { WearPath } from '../wear';

const NOMINAL_RPM = 12000;
/** Schedule, seconds of simulated time (cutting varies +-25 % per cycle). */
const SCHEDULE = { idle: 30, rampUp: 12, cutting: 180, toolChange: 20, cyclesBetweenIdle: 5 };
/** Temperatures each mode settles to, °C; ramp-up runs hot (preload, grease not yet spread). */
const MODE_TEMPERATURE: Record<SpindleMode, number> = { idle: 26, 'ramp-up': 58, cutting: 38, 'tool-change': 32, failed: 24 };
const THERMAL_TAU_S = 6;

export const MODE_CODE: Record<SpindleMode, number> = { idle: 0, 'ramp-up': 1, cutting: 2, 'tool-change': 3, failed: 4 };

export class Spindle {
  readonly wear: WearPath;
  speedSetpoint = NOMINAL_RPM;
  mode: SpindleMode = 'idle';
  speed = 0;
  power = 0;
  temperature = MODE_TEMPERATURE.idle;
  vibration: number[] = [];
  vibrationRms = 0;
  private modeLeft = SCHEDULE.idle;
  private cycles = 0;
  private readonly load: Wander;
  private readonly thermalNoise: Wander;

  constructor(private readonly rng: Rng, lifeHours: number) {
    this.wear = new WearPath(rng.fork('spindle-wear'), { lifeHours });
    this.load = new Wander(rng.fork('spindle-load'), 0.1, 20);
    this.thermalNoise = new Wander(rng.fork('spindle-thermal'), 0.4, 30);
  }

  /** 0 (healthy) .. 1: how hard a defect hits the outer race. */
  get defectSeverity(): number {
    return Math.min(1, Math.max(0, (this.wear.level - 0.12) / 0.88));
  }

  step(dt: number): void {
    this.wear.advance(dt);
    if (this.wear.failed) this.mode = 'failed';
    else this.advanceSchedule(dt);

    const ratio = this.speedSetpoint / NOMINAL_RPM;
    const target = this.mode === 'cutting' ? this.speedSetpoint : 0;
    if (this.mode === 'ramp-up') {
      const progress = 1 - this.modeLeft / SCHEDULE.rampUp;
      this.speed = this.speedSetpoint * Math.min(1, Math.max(0, progress));
    } else {
      this.speed = approach(this.speed, target, dt, 0.5);
    }
    const speedRatio = this.speed / NOMINAL_RPM;
    const friction = 0.8 * speedRatio * (1 + 2 * this.wear.level);
    const load = this.load.step(dt);
    let power = 0.4 + friction;
    if (this.mode === 'cutting') power += 4.5 * ratio * (1 + load);
    if (this.mode === 'ramp-up') power += 7;
    this.power = this.mode === 'failed' ? 0.2 : power;

    let settle = MODE_TEMPERATURE[this.mode];
    if (this.mode === 'cutting') settle += 22 * this.wear.level + 4 * (ratio - 1);
    this.temperature = approach(this.temperature, settle, dt, THERMAL_TAU_S);
    this.thermalNoise.step(dt);
  }

  /** Called once per plant step, after the physics: the vibration block ending at `time`. */
  sample(time: number): void {
    const shaftHz = this.speed / 60;
    const scale = (this.speed / NOMINAL_RPM) ** 2;
    const imbalance = 0.25 + 0.4 * this.wear.level;
    this.vibration = vibrationBlock(this.rng, {
      endTime: time,
      shaftHz,
      harmonics: [imbalance * scale, 0.1 * scale, 0.05 * scale],
      noise: this.mode === 'cutting' ? 0.08 : 0.03,
      impulse: shaftHz > 1 ? 4 * this.defectSeverity * Math.min(1, scale) : 0,
    });
    this.vibrationRms = rms(this.vibration);
  }

  measuredTemperature(): number {
    return this.temperature + this.thermalNoise.value;
  }

  get sampleRate(): number {
    return WAVEFORM_SAMPLE_RATE;
  }

  private advanceSchedule(dt: number): void {
    this.modeLeft -= dt;
    while (this.modeLeft <= 0) {
      const next = this.nextMode();
      this.mode = next.mode;
      this.modeLeft += next.seconds;
    }
  }

  private nextMode(): { mode: SpindleMode; seconds: number } {
    switch (this.mode) {
      case 'idle':
      case 'failed':
        return { mode: 'ramp-up', seconds: SCHEDULE.rampUp };
      case 'ramp-up':
        return { mode: 'cutting', seconds: SCHEDULE.cutting * this.rng.uniform(0.75, 1.25) };
      case 'cutting':
        return { mode: 'tool-change', seconds: SCHEDULE.toolChange };
      case 'tool-change':
        this.cycles++;
        return this.cycles % SCHEDULE.cyclesBetweenIdle === 0 ? { mode: 'idle', seconds: SCHEDULE.idle } : { mode: 'ramp-up', seconds: SCHEDULE.rampUp };
    }
  }

  /** A new bearing; the spindle restarts its cycle from idle. */
  repair(): void {
    this.wear.replace();
    if (this.mode === 'failed') {
      this.mode = 'idle';
      this.modeLeft = SCHEDULE.idle;
    }
  }
}
