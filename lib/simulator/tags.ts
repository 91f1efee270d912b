// The plant's tag catalogue: every signal once, with its unit, OPC UA data type and Modbus address.
// Both servers and docs/simulator.md are derived from this list, so they cannot drift apart.

export const MOTOR_NAMES = ['Motor1', 'Motor2', 'Motor3', 'Motor4'] as const;
export const MACHINE_NAMES = ['Spindle', 'Pump', ...MOTOR_NAMES, 'EnergyMeter'] as const;
export type MachineName = (typeof MACHINE_NAMES)[number];
/** Plant-wide tags (clock, speed) live on the Plant object itself, not under Line1. */
export const PLANT = 'Plant';

export type TagType = 'float' | 'bool' | 'string' | 'waveform' | 'datetime';

export interface Unit {
  /** UNECE Rec. 20 common code, as OPC UA EUInformation expects. */
  code: string;
  symbol: string;
  name: string;
}

export const UNITS = {
  rpm: { code: 'RPM', symbol: 'rpm', name: 'revolutions per minute' },
  kW: { code: 'KWT', symbol: 'kW', name: 'kilowatt' },
  kWh: { code: 'KWH', symbol: 'kWh', name: 'kilowatt hour' },
  degC: { code: 'CEL', symbol: '°C', name: 'degree Celsius' },
  g: { code: 'K40', symbol: 'g', name: 'standard acceleration of free fall' },
  bar: { code: 'BAR', symbol: 'bar', name: 'bar' },
  m3h: { code: 'MQH', symbol: 'm³/h', name: 'cubic metre per hour' },
  A: { code: 'AMP', symbol: 'A', name: 'ampere' },
  percent: { code: 'P1', symbol: '%', name: 'percent' },
  h: { code: 'HUR', symbol: 'h', name: 'hour' },
  s: { code: 'SEC', symbol: 's', name: 'second' },
  Hz: { code: 'HTZ', symbol: 'Hz', name: 'hertz' },
  ratio: { code: 'C62', symbol: '1', name: 'one (dimensionless)' },
} satisfies Record<string, Unit>;

export interface TagDef {
  machine: MachineName | typeof PLANT;
  signal: string;
  type: TagType;
  unit?: Unit;
  description: string;
  /** Writable from OPC UA (and from Modbus when it has a holding register or coil). */
  writable?: boolean;
  min?: number;
  max?: number;
  /** A measured signal, subject to the sensor faults (stuck, spike, dropout). */
  sensor?: boolean;
  /** Ground truth a real plant would not publish (wear, remaining life), for checking predictions. */
  truth?: boolean;
  /** First of the two input registers (and read-only holding-register mirror) holding it as float32. */
  register?: number;
  /** Coil that reads and writes it (booleans). */
  coil?: number;
}

export function tagName(def: Pick<TagDef, 'machine' | 'signal'>): string {
  return `${def.machine}/${def.signal}`;
}

function motorTags(name: (typeof MOTOR_NAMES)[number], index: number): TagDef[] {
  const base = 200 + 20 * index;
  return [
    { machine: name, signal: 'Run', type: 'bool', writable: true, coil: 1 + index, register: base + 6, description: 'run command (coil); the motor starts with inrush current' },
    { machine: name, signal: 'Current', type: 'float', unit: UNITS.A, sensor: true, register: base, description: 'phase current, about 6x rated for a moment at start' },
    { machine: name, signal: 'Power', type: 'float', unit: UNITS.kW, sensor: true, register: base + 2, description: 'electrical power' },
    { machine: name, signal: 'RatedPower', type: 'float', unit: UNITS.kW, register: base + 4, description: 'nameplate rated power' },
    { machine: name, signal: 'RunHours', type: 'float', unit: UNITS.h, register: base + 8, description: 'operating hours (simulated time)' },
    { machine: name, signal: 'Starts', type: 'float', unit: UNITS.ratio, register: base + 10, description: 'number of starts' },
  ];
}

export const TAGS: readonly TagDef[] = [
  { machine: 'Spindle', signal: 'Speed', type: 'float', unit: UNITS.rpm, sensor: true, register: 0, description: 'measured spindle speed' },
  { machine: 'Spindle', signal: 'SpeedSetpoint', type: 'float', unit: UNITS.rpm, writable: true, min: 0, max: 24000, register: 2, description: 'cutting speed setpoint (writable)' },
  { machine: 'Spindle', signal: 'Power', type: 'float', unit: UNITS.kW, sensor: true, register: 4, description: 'spindle drive power; friction from wear raises it' },
  { machine: 'Spindle', signal: 'VibrationRms', type: 'float', unit: UNITS.g, sensor: true, register: 6, description: 'RMS of the latest vibration block' },
  { machine: 'Spindle', signal: 'Temperature', type: 'float', unit: UNITS.degC, sensor: true, register: 8, description: 'bearing housing temperature; high during ramp-up is normal' },
  { machine: 'Spindle', signal: 'ModeCode', type: 'float', unit: UNITS.ratio, register: 10, description: 'operating mode: 0 idle, 1 ramp-up, 2 cutting, 3 tool change, 4 failed' },
  { machine: 'Spindle', signal: 'Mode', type: 'string', description: 'operating mode as text: idle, ramp-up, cutting, tool-change, failed' },
  { machine: 'Spindle', signal: 'Vibration', type: 'waveform', unit: UNITS.g, sensor: true, description: 'vibration acceleration block (array), see VibrationSampleRate' },
  { machine: 'Spindle', signal: 'VibrationSampleRate', type: 'float', unit: UNITS.Hz, register: 18, description: 'sample rate of the Vibration block' },
  { machine: 'Spindle', signal: 'Wear', type: 'float', unit: UNITS.ratio, truth: true, register: 12, description: 'bearing wear, 0 new .. 1 failed (ground truth)' },
  { machine: 'Spindle', signal: 'RemainingLife', type: 'float', unit: UNITS.h, truth: true, register: 14, description: 'true remaining life, hours of simulated time' },
  { machine: 'Spindle', signal: 'RemainingLifeWallClock', type: 'float', unit: UNITS.s, truth: true, register: 16, description: 'true remaining life in real seconds at the current speed factor' },

  { machine: 'Pump', signal: 'Run', type: 'bool', writable: true, coil: 0, register: 110, description: 'run command (coil)' },
  { machine: 'Pump', signal: 'Running', type: 'bool', register: 118, description: 'actually running (false after a failure)' },
  { machine: 'Pump', signal: 'Pressure', type: 'float', unit: UNITS.bar, sensor: true, register: 100, description: 'discharge pressure; rises when clogged' },
  { machine: 'Pump', signal: 'Flow', type: 'float', unit: UNITS.m3h, sensor: true, register: 102, description: 'flow; falls when clogged' },
  { machine: 'Pump', signal: 'Current', type: 'float', unit: UNITS.A, sensor: true, register: 104, description: 'motor current' },
  { machine: 'Pump', signal: 'VibrationRms', type: 'float', unit: UNITS.g, sensor: true, register: 106, description: 'vibration RMS' },
  { machine: 'Pump', signal: 'SpeedSetpoint', type: 'float', unit: UNITS.percent, writable: true, min: 0, max: 100, register: 108, description: 'drive speed setpoint (writable)' },
  { machine: 'Pump', signal: 'Wear', type: 'float', unit: UNITS.ratio, truth: true, register: 112, description: 'bearing and impeller wear, 0 new .. 1 failed (ground truth)' },
  { machine: 'Pump', signal: 'RemainingLife', type: 'float', unit: UNITS.h, truth: true, register: 114, description: 'true remaining life, running hours' },
  { machine: 'Pump', signal: 'RemainingLifeWallClock', type: 'float', unit: UNITS.s, truth: true, register: 116, description: 'true remaining life in real seconds at the current speed factor, if kept running' },
  { machine: 'Pump', signal: 'Clogging', type: 'float', unit: UNITS.ratio, truth: true, register: 120, description: 'clogging of the discharge line, 0 .. 1 (ground truth)' },

  ...MOTOR_NAMES.flatMap((name, i) => motorTags(name, i)),

  { machine: 'EnergyMeter', signal: 'Power', type: 'float', unit: UNITS.kW, sensor: true, register: 300, description: 'plant active power' },
  { machine: 'EnergyMeter', signal: 'Energy', type: 'float', unit: UNITS.kWh, sensor: true, register: 302, description: 'energy since start' },
  { machine: 'EnergyMeter', signal: 'Demand', type: 'float', unit: UNITS.kW, sensor: true, register: 304, description: 'average power over the last 15 minutes (sliding)' },
  { machine: 'EnergyMeter', signal: 'PeakDemand', type: 'float', unit: UNITS.kW, register: 306, description: 'highest 15-minute demand since start' },

  { machine: PLANT, signal: 'SpeedFactor', type: 'float', unit: UNITS.ratio, writable: true, min: 0.001, max: 1e6, register: 400, description: 'simulated seconds per real second in run mode (writable)' },
  { machine: PLANT, signal: 'ElapsedHours', type: 'float', unit: UNITS.h, register: 402, description: 'simulated hours since start' },
  { machine: PLANT, signal: 'SimulatedTime', type: 'datetime', register: 404, description: 'simulated clock; on Modbus a uint32 of Unix seconds' },
];

export const TAG_BY_NAME: ReadonlyMap<string, TagDef> = new Map(TAGS.map((t) => [tagName(t), t]));

export const FAULTS = ['bearing', 'clogging', 'stuck', 'spike', 'dropout'] as const;
export type FaultKind = (typeof FAULTS)[number];
/** Actions accepted wherever a fault name is: clear removes faults, repair also replaces worn parts. */
export const FAULT_ACTIONS = ['clear', 'repair'] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];

/** Which machines a process fault applies to; sensor faults apply to every machine. */
export const PROCESS_FAULT_MACHINES: Record<'bearing' | 'clogging', readonly MachineName[]> = {
  bearing: ['Spindle', 'Pump'],
  clogging: ['Pump'],
};

/** The signal a sensor fault hits when none is named. */
export const DEFAULT_SENSOR: Record<MachineName, string> = {
  Spindle: 'Temperature',
  Pump: 'Pressure',
  Motor1: 'Current',
  Motor2: 'Current',
  Motor3: 'Current',
  Motor4: 'Current',
  EnergyMeter: 'Power',
};

export const MODES = ['idle', 'ramp-up', 'cutting', 'tool-change', 'failed'] as const;
export type SpindleMode = (typeof MODES)[number];
