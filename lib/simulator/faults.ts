// Fault bookkeeping: which faults are active and how a sensor fault bends a reading. Process faults
// (bearing, clogging) act on the machine itself; sensor faults only on what is reported.
import type { Quality } from '../contracts';
import type { Rng } from './rng';
import {
  DEFAULT_SENSOR,
  FAULT_ACTIONS,
  FAULTS,
  MACHINE_NAMES,
  PROCESS_FAULT_MACHINES,
  TAG_BY_NAME,
  tagName,
  type FaultAction,
  type FaultKind,
  type MachineName,
} from './tags';

export interface FaultTarget {
  machine: MachineName;
  fault: FaultKind;
  /** The signal a sensor fault hits. */
  signal?: string;
}

export type TagValue = number | boolean | string | number[];

export interface Reading {
  value: TagValue;
  quality: Quality;
}

/** Case-insensitive machine lookup; "Spindle/Temperature" names a machine and a signal. */
export function resolveTarget(machineArg: unknown, faultArg: unknown): { machine: MachineName; signal?: string; action: FaultKind | FaultAction } {
  if (typeof machineArg !== 'string' || !machineArg.trim()) throw new Error(`machine must be one of ${MACHINE_NAMES.join(', ')}, got ${JSON.stringify(machineArg)}`);
  if (typeof faultArg !== 'string' || !faultArg.trim()) throw new Error(`fault must be one of ${[...FAULTS, ...FAULT_ACTIONS].join(', ')}, got ${JSON.stringify(faultArg)}`);
  const [machinePart, signalPart] = machineArg.trim().split(/[/.]/, 2);
  const machine = MACHINE_NAMES.find((m) => m.toLowerCase() === machinePart.toLowerCase());
  if (!machine) throw new Error(`unknown machine "${machinePart}": use one of ${MACHINE_NAMES.join(', ')}`);
  const wanted = faultArg.trim().toLowerCase();
  const action = [...FAULTS, ...FAULT_ACTIONS].find((f) => f === wanted);
  if (!action) throw new Error(`unknown fault "${faultArg}": use one of ${[...FAULTS, ...FAULT_ACTIONS].join(', ')}`);
  let signal: string | undefined;
  if (signalPart) {
    const def = [...TAG_BY_NAME.values()].find((t) => t.machine === machine && t.signal.toLowerCase() === signalPart.toLowerCase());
    if (!def) throw new Error(`${machine} has no signal "${signalPart}"`);
    if (!def.sensor) throw new Error(`${machine}/${def.signal} is not a measured signal; sensor faults apply to measurements only`);
    signal = def.signal;
  }
  if (action === 'bearing' || action === 'clogging') {
    const allowed = PROCESS_FAULT_MACHINES[action];
    if (!allowed.includes(machine)) throw new Error(`fault "${action}" does not apply to ${machine} (it applies to ${allowed.join(', ')})`);
  }
  return { machine, signal, action };
}

interface SensorFault {
  kind: 'stuck' | 'spike' | 'dropout';
  frozen?: Reading;
}

export class SensorFaults {
  private readonly byTag = new Map<string, SensorFault>();

  constructor(private readonly rng: Rng) {}

  add(machine: MachineName, kind: SensorFault['kind'], signal?: string): string {
    const tag = tagName({ machine, signal: signal ?? DEFAULT_SENSOR[machine] });
    this.byTag.set(tag, { kind });
    return tag;
  }

  clear(machine?: MachineName, kind?: SensorFault['kind']): void {
    for (const [tag, fault] of [...this.byTag]) {
      if (machine && !tag.startsWith(`${machine}/`)) continue;
      if (kind && fault.kind !== kind) continue;
      this.byTag.delete(tag);
    }
  }

  active(): Array<{ tag: string; kind: SensorFault['kind'] }> {
    return [...this.byTag].map(([tag, f]) => ({ tag, kind: f.kind }));
  }

  has(tag: string, kind: SensorFault['kind']): boolean {
    return this.byTag.get(tag)?.kind === kind;
  }

  /** What the sensor reports, given the true reading. Called once per tag per plant step. */
  apply(tag: string, truth: Reading): Reading {
    const fault = this.byTag.get(tag);
    if (!fault) return truth;
    switch (fault.kind) {
      case 'stuck':
        fault.frozen ??= truth;
        return fault.frozen;
      case 'dropout':
        return { value: Array.isArray(truth.value) ? [] : Number.NaN, quality: 'bad' };
      case 'spike':
        if (this.rng.next() >= 0.1) return truth;
        return { value: spiked(truth.value, this.rng), quality: truth.quality };
    }
  }
}

function spiked(value: TagValue, rng: Rng): TagValue {
  const jump = (v: number) => v + (rng.next() < 0.5 ? -1 : 1) * Math.max(Math.abs(v), 1) * rng.uniform(4, 8);
  if (typeof value === 'number') return jump(value);
  if (Array.isArray(value)) {
    const out = value.slice();
    if (out.length) {
      const i = Math.floor(rng.next() * out.length);
      out[i] = jump(out[i]);
    }
    return out;
  }
  return value;
}
