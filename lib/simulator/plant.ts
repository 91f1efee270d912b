// The plant: a spindle, a pump, four motors and the energy meter on one simulated clock. step()
// advances the physics in short sub-steps (so a fast clock does not skip dynamics), then latches one
// reading per tag, with sensor faults applied, which every server and snapshot reads.
import type { Sample } from '../contracts';
import { resolveTarget, SensorFaults, type FaultTarget, type Reading, type TagValue } from './faults';
import { EnergyMeter } from './machines/energy-meter';
import { Motor } from './machines/motor';
import { Pump } from './machines/pump';
import { MODE_CODE, Spindle } from './machines/spindle';
import { Rng, Wander } from './rng';
import { MOTOR_NAMES, PLANT, TAG_BY_NAME, TAGS, tagName, type FaultKind, type MachineName, type TagDef } from './tags';

export interface PlantOptions {
  /** Same seed, same start time and same steps give the same readings. */
  seed?: number | string;
  /** Simulated clock at start, ms since the Unix epoch (default: now). */
  startTime?: number;
  /** Spindle bearing life from new, hours of simulated time (default 720, a month). */
  spindleLifeHours?: number;
  /** Pump life from new, running hours (default 1080). */
  pumpLifeHours?: number;
  /** Fraction of life already used at start (default: drawn from the seed between 0.1 and 0.4). */
  lifeUsed?: number;
  /** Simulated seconds per real second in run mode; also converts remaining life to real seconds. */
  speedFactor?: number;
  /** Longest physics sub-step, simulated seconds (default 0.5). */
  maxSubstep?: number;
}

export const MOTOR_RATINGS_KW: Record<(typeof MOTOR_NAMES)[number], number> = { Motor1: 7.5, Motor2: 11, Motor3: 15, Motor4: 22 };
const MAX_SUBSTEPS = 2000;
export const MIN_SPEED = 0.001;
export const MAX_SPEED = 1e6;

export interface FaultStatus {
  machine: MachineName;
  fault: FaultKind;
  tag?: string;
}

export class Plant {
  readonly startTime: number;
  readonly spindle: Spindle;
  readonly pump: Pump;
  readonly motors: Record<(typeof MOTOR_NAMES)[number], Motor>;
  readonly meter = new EnergyMeter();
  speedFactor: number;
  /** Simulated seconds since start. */
  elapsed = 0;
  /** Increments with every step, so readers can tell a new waveform block from the last one. */
  sequence = 0;
  private readonly maxSubstep: number;
  private readonly baseLoad: Wander;
  private readonly sensorFaults: SensorFaults;
  private readonly processFaults = new Set<string>();
  private readings = new Map<string, Reading>();

  constructor(options: PlantOptions = {}) {
    const rng = new Rng(options.seed ?? 1);
    this.startTime = options.startTime ?? Date.now();
    this.speedFactor = checkSpeed(options.speedFactor ?? 1);
    this.maxSubstep = options.maxSubstep ?? 0.5;
    this.spindle = new Spindle(rng.fork('spindle'), options.spindleLifeHours ?? 720);
    this.pump = new Pump(rng.fork('pump'), options.pumpLifeHours ?? 1080);
    this.motors = Object.fromEntries(MOTOR_NAMES.map((name) => [name, new Motor(rng.fork(name), MOTOR_RATINGS_KW[name])])) as Plant['motors'];
    this.motors.Motor1.run = true;
    this.motors.Motor2.run = true;
    this.baseLoad = new Wander(rng.fork('base-load'), 0.4, 60);
    this.sensorFaults = new SensorFaults(rng.fork('sensor-faults'));
    const setup = rng.fork('setup');
    this.spindle.wear.setLifeUsed(options.lifeUsed ?? setup.uniform(0.1, 0.4));
    this.pump.wear.setLifeUsed(options.lifeUsed ?? setup.uniform(0.1, 0.4));
    // A zero-length step computes every reading (meter power, pump operating point) before time moves.
    this.substep(0);
    this.spindle.sample(0);
    this.latch();
  }

  /** Simulated clock, ms since the Unix epoch. */
  get time(): number {
    return this.startTime + Math.round(this.elapsed * 1000);
  }

  /** Advances the plant by dtSeconds of simulated time. */
  step(dtSeconds: number): void {
    if (!Number.isFinite(dtSeconds) || dtSeconds < 0) throw new Error(`step needs a finite dt >= 0 seconds, got ${dtSeconds}`);
    if (dtSeconds === 0) return;
    const n = Math.min(MAX_SUBSTEPS, Math.ceil(dtSeconds / this.maxSubstep));
    const dt = dtSeconds / n;
    for (let i = 0; i < n; i++) this.substep(dt);
    this.spindle.sample(this.elapsed);
    this.sequence++;
    this.latch();
  }

  private substep(dt: number): void {
    this.elapsed += dt;
    this.spindle.step(dt);
    this.pump.step(dt);
    let motorsKw = 0;
    for (const name of MOTOR_NAMES) {
      this.motors[name].step(dt);
      motorsKw += this.motors[name].power;
    }
    const daily = 1.5 * Math.sin((2 * Math.PI * (this.time / 1000)) / 86400);
    const base = 6 + daily + this.baseLoad.step(dt);
    this.meter.step(dt, this.elapsed, base + this.spindle.power + this.pump.power + motorsKw);
  }

  /** The true value of a tag right now (no sensor faults). */
  private truth(def: TagDef): TagValue {
    const s = this.spindle;
    const p = this.pump;
    switch (def.machine) {
      case 'Spindle':
        return ({
          Speed: s.speed,
          SpeedSetpoint: s.speedSetpoint,
          Power: s.power,
          VibrationRms: s.vibrationRms,
          Temperature: s.measuredTemperature(),
          ModeCode: MODE_CODE[s.mode],
          Mode: s.mode,
          Vibration: s.vibration,
          VibrationSampleRate: s.sampleRate,
          Wear: s.wear.level,
          RemainingLife: s.wear.remainingSeconds() / 3600,
          RemainingLifeWallClock: s.wear.remainingSeconds() / this.speedFactor,
        } as Record<string, TagValue>)[def.signal];
      case 'Pump':
        return ({
          Run: p.run,
          Running: p.running,
          Pressure: p.pressure,
          Flow: p.flow,
          Current: p.current,
          VibrationRms: p.vibrationRms,
          SpeedSetpoint: p.speedSetpoint,
          Wear: p.wear.level,
          RemainingLife: p.wear.remainingSeconds() / 3600,
          RemainingLifeWallClock: p.wear.remainingSeconds() / this.speedFactor,
          Clogging: p.clogging,
        } as Record<string, TagValue>)[def.signal];
      case 'EnergyMeter':
        return ({ Power: this.meter.power, Energy: this.meter.energyKwh, Demand: this.meter.demand, PeakDemand: this.meter.peakDemand } as Record<string, TagValue>)[def.signal];
      case PLANT:
        return ({ SpeedFactor: this.speedFactor, ElapsedHours: this.elapsed / 3600, SimulatedTime: this.time } as Record<string, TagValue>)[def.signal];
      default: {
        const m = this.motors[def.machine];
        return ({ Run: m.run, Current: m.current, Power: m.power, RatedPower: m.ratedKw, RunHours: m.runSeconds / 3600, Starts: m.starts } as Record<string, TagValue>)[def.signal];
      }
    }
  }


  private latch(): void {
    const next = new Map<string, Reading>();
    for (const def of TAGS) {
      const name = tagName(def);
      const truth: Reading = { value: this.truth(def), quality: 'good' };
      next.set(name, def.sensor ? this.sensorFaults.apply(name, truth) : truth);
    }
    this.readings = next;
  }

  /** The latest reading of a tag such as "Spindle/Temperature". */
  read(tag: string): Reading {
    const reading = this.readings.get(tag);
    if (!reading) throw new Error(`unknown tag "${tag}"`);
    return reading;
  }

  /** Writes a setpoint or run command; the new value is visible at once and acts from the next step. */
  write(tag: string, value: unknown): void {
    const def = TAG_BY_NAME.get(tag);
    if (!def) throw new Error(`unknown tag "${tag}"`);
    if (!def.writable) throw new Error(`${tag} is read-only`);
    if (def.type === 'bool') {
      if (typeof value !== 'boolean') throw new Error(`${tag} needs true or false, got ${JSON.stringify(value)}`);
      if (def.machine === 'Pump') this.pump.run = value;
      else this.motors[def.machine as (typeof MOTOR_NAMES)[number]].run = value;
    } else {
      const n = typeof value === 'number' ? value : Number.NaN;
      if (!Number.isFinite(n) || (def.min !== undefined && n < def.min) || (def.max !== undefined && n > def.max)) {
        throw new Error(`${tag} needs a number from ${def.min} to ${def.max}, got ${JSON.stringify(value)}`);
      }
      if (tag === 'Spindle/SpeedSetpoint') this.spindle.speedSetpoint = n;
      else if (tag === 'Pump/SpeedSetpoint') this.pump.speedSetpoint = n;
      else if (tag === 'Plant/SpeedFactor') this.speedFactor = checkSpeed(n);
    }
    this.latch();
  }

  /**
   * Injects a fault, or clears ("clear") or repairs ("repair": new parts too) a machine. `machine`
   * may name a signal for sensor faults: "Spindle/VibrationRms". Returns what happened, for logs.
   */
  injectFault(machine: string, fault: string): string {
    const target = resolveTarget(machine, fault);
    const m = target.machine;
    let text: string;
    switch (target.action) {
      case 'clear':
        this.clearFaults(m);
        text = `cleared faults on ${m}`;
        break;
      case 'repair':
        this.clearFaults(m);
        if (m === 'Spindle') this.spindle.repair();
        if (m === 'Pump') this.pump.repair();
        text = `repaired ${m}`;
        break;
      case 'bearing':
        (m === 'Spindle' ? this.spindle.wear : this.pump.wear).defect(0.35, 8);
        this.processFaults.add(`${m}:bearing`);
        text = `bearing defect on ${m}`;
        break;
      case 'clogging':
        this.pump.clogTarget = 0.9;
        this.processFaults.add(`${m}:clogging`);
        text = 'clogging in the pump discharge line';
        break;
      default:
        text = `${target.action} fault on ${this.sensorFaults.add(m, target.action, target.signal)}`;
    }
    this.latch();
    return text;
  }

  /** Removes faults from one machine or all; wear already done stays (use "repair" for new parts). */
  clearFaults(machine?: MachineName): void {
    this.sensorFaults.clear(machine);
    for (const key of [...this.processFaults]) {
      const [m, f] = key.split(':') as [MachineName, FaultKind];
      if (machine && m !== machine) continue;
      this.processFaults.delete(key);
      if (f === 'clogging') this.pump.clogTarget = 0;
    }
  }

  /** Clears one kind of fault from a machine. */
  clearFault(machine: string, fault: string): void {
    const target = resolveTarget(machine, fault);
    const m = target.machine;
    if (target.action === 'clear' || target.action === 'repair') return;
    if (target.action === 'bearing' || target.action === 'clogging') {
      this.processFaults.delete(`${m}:${target.action}`);
      if (target.action === 'clogging') this.pump.clogTarget = 0;
    } else {
      this.sensorFaults.clear(m, target.action);
    }
    this.latch();
  }

  faults(): FaultStatus[] {
    const process = [...this.processFaults].map((key) => {
      const [machine, fault] = key.split(':') as [MachineName, FaultKind];
      return { machine, fault };
    });
    const sensor = this.sensorFaults.active().map(({ tag, kind }) => ({ machine: tag.split('/')[0] as MachineName, fault: kind, tag }));
    return [...process, ...sensor];
  }

  hasFault(target: FaultTarget): boolean {
    return this.faults().some((f) => f.machine === target.machine && f.fault === target.fault);
  }

  /** Every tag as a Millwright sample, stamped with simulated time. */
  samples(options: { waveform?: boolean; truth?: boolean } = {}): Sample[] {
    const out: Sample[] = [];
    const timestamp = this.time;
    for (const def of TAGS) {
      if (def.type === 'waveform' && options.waveform === false) continue;
      if (def.truth && options.truth === false) continue;
      const r = this.read(tagName(def));
      const sample: Sample = { tag: tagName(def), value: r.value, timestamp, quality: r.quality, source: 'millwright-sim' };
      // A sample's value must be finite: a dropped-out sensor reads 0 with bad quality and says why.
      if (typeof r.value === 'number' && !Number.isFinite(r.value)) {
        sample.value = 0;
        sample.error = 'sensor dropout (simulated)';
      }
      if (def.unit) sample.unit = def.unit.symbol;
      if (def.type === 'waveform') sample.sampleRate = this.spindle.sampleRate;
      out.push(sample);
    }
    return out;
  }
}

function checkSpeed(n: number): number {
  if (!Number.isFinite(n) || n < MIN_SPEED || n > MAX_SPEED) throw new Error(`speed factor must be a number from ${MIN_SPEED} to ${MAX_SPEED}, got ${n}`);
  return n;
}
