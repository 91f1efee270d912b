// The plant simulator: a Plant on a clock, served over Modbus TCP and (when node-opcua is installed)
// OPC UA. Tests drive the clock with step(); run mode advances it from a timer, speedFactor
// simulated seconds per real second.
import { EventEmitter } from 'node:events';
import type { Sample } from '../contracts';
import { RegisterMap } from './modbus-map';
import { startModbusServer, type ModbusServerHandle } from './modbus-server';
import { OPCUA_INSTALL_HINT } from './opcua-address';
import { loadNodeOpcua, startOpcuaServer, type OpcuaServerHandle } from './opcua-server';
import { Plant, type FaultStatus, type PlantOptions } from './plant';

/** Real time and timers, injectable so tests can run the timer-driven mode on their own clock. */
export interface WallClock {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export const systemClock: WallClock = {
  now: () => Date.now(),
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (handle) => clearInterval(handle as NodeJS.Timeout),
};

export interface SimulatorOptions extends PlantOptions {
  /** Address both servers listen on (default 127.0.0.1). */
  host?: string;
  /** 0 picks a free port; null disables that server. Defaults 4840 and 5020. */
  opcuaPort?: number | null;
  modbusPort?: number | null;
  /** Run mode: advance the clock from a timer (default true). With false, only step() moves time. */
  run?: boolean;
  /** Timer period in run mode, real milliseconds (default 200). */
  tickMs?: number;
  clock?: WallClock;
  /** OPC UA certificate store (default: a folder in the system temp directory). */
  pkiDir?: string;
  /** Progress and warnings, one line each. */
  onLog?: (text: string) => void;
  /** How node-opcua is loaded (tests replace it to check the Modbus-only fallback). */
  opcuaLoader?: () => object | null;
}

export interface SimulatorStatus {
  running: boolean;
  host: string;
  modbus: { port: number } | null;
  opcua: { port: number; endpointUrl: string } | null;
  /** Why OPC UA is off, when it is. */
  opcuaNote?: string;
  simulatedTime: number;
  elapsedSeconds: number;
  speedFactor: number;
  faults: FaultStatus[];
}

export class PlantSimulator extends EventEmitter {
  readonly plant: Plant;
  private readonly options: SimulatorOptions;
  private readonly clock: WallClock;
  private modbus: ModbusServerHandle | null = null;
  private opcua: OpcuaServerHandle | null = null;
  private opcuaNote: string | undefined;
  private timer: unknown = null;
  private lastTick = 0;
  private started = false;

  constructor(options: SimulatorOptions = {}) {
    super();
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.plant = new Plant({ ...options, startTime: options.startTime ?? this.clock.now() });
    checkPort(options.opcuaPort, 'OPC UA port');
    checkPort(options.modbusPort, 'Modbus port');
    if (options.tickMs !== undefined && !(Number.isFinite(options.tickMs) && options.tickMs >= 10)) throw new Error(`tickMs must be >= 10, got ${options.tickMs}`);
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** Binds the servers and, in run mode, starts the clock. Rejects with a clear error (port in use...). */
  async start(): Promise<SimulatorStatus> {
    if (this.started) throw new Error('simulator already started');
    this.started = true;
    const log = this.options.onLog ?? (() => undefined);
    try {
      if (this.options.modbusPort !== null) {
        this.modbus = await startModbusServer(new RegisterMap(this.plant), this.host, this.options.modbusPort ?? 5020, (err) => log(`Modbus: ${err.message}`));
        log(`Modbus TCP on ${this.host}:${this.modbus.port}`);
      }
      if (this.options.opcuaPort !== null) {
        const opcua = (this.options.opcuaLoader ?? loadNodeOpcua)();
        if (opcua) {
          this.opcua = await startOpcuaServer(opcua as Parameters<typeof startOpcuaServer>[0], this.plant, { host: this.host, port: this.options.opcuaPort ?? 4840, pkiDir: this.options.pkiDir, onLog: log });
          log(`OPC UA on ${this.opcua.endpointUrl}`);
        } else {
          this.opcuaNote = `OPC UA off: node-opcua is not installed; ${OPCUA_INSTALL_HINT}`;
          log(this.opcuaNote);
        }
      }
    } catch (err) {
      await this.stop();
      throw err;
    }
    if (this.options.run !== false) this.resume();
    return this.status();
  }

  /** Releases both servers and the timer; safe to call twice. */
  async stop(): Promise<void> {
    this.pause();
    const modbus = this.modbus;
    const opcua = this.opcua;
    this.modbus = null;
    this.opcua = null;
    this.started = false;
    await Promise.all([modbus?.close(), opcua?.close()]);
  }

  /** Starts (or restarts) the timer-driven clock. */
  resume(): void {
    if (this.timer !== null) return;
    this.lastTick = this.clock.now();
    this.timer = this.clock.setInterval(() => this.tick(), this.options.tickMs ?? 200);
  }

  pause(): void {
    if (this.timer === null) return;
    this.clock.clearInterval(this.timer);
    this.timer = null;
  }

  get running(): boolean {
    return this.timer !== null;
  }

  private tick(): void {
    const now = this.clock.now();
    const realSeconds = Math.max(0, (now - this.lastTick) / 1000);
    this.lastTick = now;
    try {
      this.step(realSeconds * this.plant.speedFactor);
    } catch (err) {
      this.options.onLog?.(`simulation step failed: ${(err as Error).message}`);
    }
  }

  /** Advances the plant by dtSeconds of simulated time (the speed factor does not apply). */
  step(dtSeconds: number): void {
    this.plant.step(dtSeconds);
    this.emit('step', this.plant.time);
  }

  setSpeed(factor: number): void {
    this.plant.write('Plant/SpeedFactor', factor);
  }

  injectFault(machine: string, fault: string): string {
    const text = this.plant.injectFault(machine, fault);
    this.options.onLog?.(text);
    return text;
  }

  samples(options?: { waveform?: boolean; truth?: boolean }): Sample[] {
    return this.plant.samples(options);
  }

  status(): SimulatorStatus {
    return {
      running: this.running,
      host: this.host,
      modbus: this.modbus ? { port: this.modbus.port } : null,
      opcua: this.opcua ? { port: this.opcua.port, endpointUrl: this.opcua.endpointUrl } : null,
      ...(this.opcuaNote ? { opcuaNote: this.opcuaNote } : {}),
      simulatedTime: this.plant.time,
      elapsedSeconds: this.plant.elapsed,
      speedFactor: this.plant.speedFactor,
      faults: this.plant.faults(),
    };
  }
}

function checkPort(port: number | null | undefined, what: string): void {
  if (port === null || port === undefined) return;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${what} must be a whole number from 0 to 65535 (0 = any free port), got ${JSON.stringify(port)}`);
}
