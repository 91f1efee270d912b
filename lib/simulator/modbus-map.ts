// The Modbus register map: float32 values in input registers (mirrored read-only as holding
// registers), writable setpoints as holding-register pairs, run commands and fault injection as
// coils, and the latest vibration block as int16 samples. docs/simulator.md prints this map.
import type { Plant } from './plant';
import { FAULTS, MACHINE_NAMES, TAGS, tagName, type TagDef } from './tags';

/** IEEE-754 float32, big-endian bytes, high word first ("ABCD"): register n = bits 31..16. */
export const WORD_ORDER = 'ABCD';
export const FLOAT_AREA_END = 999;
export const WAVEFORM = { base: 1000, sequence: 1000, sampleRate: 1001, count: 1002, scale: 1003, samples: 1004, countsPerG: 1000, maxSamples: 1024 };
export const REGISTER_END = WAVEFORM.samples + WAVEFORM.maxSamples - 1;
export const FAULT_COIL_BASE = 100;
/** Offset of the "repair" coil within a machine's block of ten fault coils. */
export const REPAIR_COIL_OFFSET = 9;
export const COIL_END = FAULT_COIL_BASE + 10 * MACHINE_NAMES.length - 1;

export class ModbusError extends Error {
  constructor(readonly modbusErrorCode: number, message: string) {
    super(message);
  }
}
const ILLEGAL_ADDRESS = 2;
const ILLEGAL_VALUE = 3;

export function encodeFloat32(value: number): [number, number] {
  const buf = Buffer.alloc(4);
  buf.writeFloatBE(value);
  return [buf.readUInt16BE(0), buf.readUInt16BE(2)];
}

export function decodeFloat32(high: number, low: number): number {
  const buf = Buffer.alloc(4);
  buf.writeUInt16BE(high & 0xffff, 0);
  buf.writeUInt16BE(low & 0xffff, 2);
  return buf.readFloatBE(0);
}

const BY_REGISTER = new Map<number, TagDef>(TAGS.filter((t) => t.register !== undefined).map((t) => [t.register as number, t]));
const BY_COIL = new Map<number, TagDef>(TAGS.filter((t) => t.coil !== undefined).map((t) => [t.coil as number, t]));

/** Where a fault's coil is: 100 + 10 x machine index + fault index (repair at +9). */
export function faultCoil(machine: string, fault: string): number {
  const m = MACHINE_NAMES.indexOf(machine as (typeof MACHINE_NAMES)[number]);
  const f = fault === 'repair' ? REPAIR_COIL_OFFSET : FAULTS.indexOf(fault as (typeof FAULTS)[number]);
  if (m < 0 || f < 0) throw new Error(`no fault coil for ${machine}/${fault}`);
  return FAULT_COIL_BASE + 10 * m + f;
}

export class RegisterMap {
  /** High words written by FC6 before their low word arrives. */
  private readonly pendingHigh = new Map<number, number>();

  constructor(private readonly plant: Plant) {}

  readInputRegisters(address: number, length: number): number[] {
    checkRange(address, length, REGISTER_END, 'register');
    const words = new Map<number, number>();
    for (let a = address - 1; a < Math.min(address + length, WAVEFORM.base); a++) this.fill(a, words);
    if (address + length > WAVEFORM.base) this.fillWaveform(words);
    return Array.from({ length }, (_, i) => words.get(address + i) ?? 0);
  }

  readHoldingRegisters(address: number, length: number): number[] {
    return this.readInputRegisters(address, length);
  }

  /** Writes a run of holding registers; only setpoint pairs are writable. */
  writeRegisters(address: number, values: readonly number[]): void {
    checkRange(address, values.length, FLOAT_AREA_END, 'register');
    const apply: Array<[TagDef, number]> = [];
    for (let i = 0; i < values.length; i++) {
      const a = address + i;
      const high = writableAt(a);
      const low = writableAt(a - 1);
      if (high) this.pendingHigh.set(a, values[i]);
      else if (low) apply.push([low, decodeFloat32(this.pendingHigh.get(a - 1) ?? this.highWordOf(low), values[i])]);
      else throw new ModbusError(ILLEGAL_ADDRESS, `holding register ${a} is not writable`);
    }
    for (const [def, value] of apply) {
      this.pendingHigh.delete(def.register as number);
      try {
        this.plant.write(tagName(def), value);
      } catch (err) {
        throw new ModbusError(ILLEGAL_VALUE, (err as Error).message);
      }
    }
  }

  readCoil(address: number): boolean {
    checkRange(address, 1, COIL_END, 'coil');
    const def = BY_COIL.get(address);
    if (def) return this.plant.read(tagName(def)).value === true;
    const fault = coilFault(address);
    if (!fault || fault.fault === 'repair') return false;
    return this.plant.faults().some((f) => f.machine === fault.machine && f.fault === fault.fault);
  }

  writeCoil(address: number, value: boolean): void {
    checkRange(address, 1, COIL_END, 'coil');
    const def = BY_COIL.get(address);
    try {
      if (def) return this.plant.write(tagName(def), value);
      const fault = coilFault(address);
      if (!fault) throw new ModbusError(ILLEGAL_ADDRESS, `coil ${address} is not mapped`);
      if (fault.fault === 'repair') {
        if (value) this.plant.injectFault(fault.machine, 'repair');
      } else if (value) {
        this.plant.injectFault(fault.machine, fault.fault);
      } else {
        this.plant.clearFault(fault.machine, fault.fault);
      }
    } catch (err) {
      if (err instanceof ModbusError) throw err;
      // e.g. "clogging" on a machine it does not apply to
      throw new ModbusError(ILLEGAL_ADDRESS, (err as Error).message);
    }
  }

  private highWordOf(def: TagDef): number {
    return encodeFloat32(Number(this.plant.read(tagName(def)).value))[0];
  }

  /** Puts the words of whatever starts at `address` into `words`. */
  private fill(address: number, words: Map<number, number>): void {
    if (address < 0) return;
    const def = BY_REGISTER.get(address);
    if (def) {
      const reading = this.plant.read(tagName(def));
      let pair: [number, number];
      if (def.type === 'datetime') {
        const seconds = Math.floor(Number(reading.value) / 1000) >>> 0;
        pair = [seconds >>> 16, seconds & 0xffff];
      } else {
        const v = reading.value;
        pair = encodeFloat32(typeof v === 'boolean' ? (v ? 1 : 0) : Number(v));
      }
      words.set(address, pair[0]);
      words.set(address + 1, pair[1]);
    }
  }

  private fillWaveform(words: Map<number, number>): void {
    const reading = this.plant.read('Spindle/Vibration');
    const block = Array.isArray(reading.value) ? reading.value.slice(0, WAVEFORM.maxSamples) : [];
    words.set(WAVEFORM.sequence, this.plant.sequence & 0xffff);
    words.set(WAVEFORM.sampleRate, Number(this.plant.read('Spindle/VibrationSampleRate').value) & 0xffff);
    words.set(WAVEFORM.count, block.length);
    words.set(WAVEFORM.scale, WAVEFORM.countsPerG);
    block.forEach((g, i) => {
      const counts = Math.max(-32767, Math.min(32767, Math.round(g * WAVEFORM.countsPerG)));
      words.set(WAVEFORM.samples + i, counts & 0xffff);
    });
  }
}

function writableAt(address: number): TagDef | undefined {
  const def = BY_REGISTER.get(address);
  return def && def.writable && def.type === 'float' ? def : undefined;
}

function coilFault(address: number): { machine: string; fault: string } | undefined {
  if (address < FAULT_COIL_BASE) return undefined;
  const m = Math.floor((address - FAULT_COIL_BASE) / 10);
  const f = (address - FAULT_COIL_BASE) % 10;
  const machine = MACHINE_NAMES[m];
  if (!machine) return undefined;
  if (f === REPAIR_COIL_OFFSET) return { machine, fault: 'repair' };
  const fault = FAULTS[f];
  return fault ? { machine, fault } : undefined;
}

function checkRange(address: number, length: number, end: number, what: string): void {
  if (!Number.isInteger(address) || !Number.isInteger(length) || address < 0 || length < 1 || address + length - 1 > end) {
    throw new ModbusError(ILLEGAL_ADDRESS, `${what}s ${address}..${address + length - 1} are outside the map (0..${end})`);
  }
}
