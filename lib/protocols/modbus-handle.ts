// What poll and write nodes see of a shared Modbus connection, and how its state reads as a status.
// Plain shapes (no Node-RED types) so the config node and its users agree without importing each other.
import type { ModbusConnection, ModbusConnectionOptions, StateChange } from './modbus-client';

export interface StatusView {
  fill?: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape?: 'ring' | 'dot';
  text?: string;
}

export interface ModbusUser {
  id: string;
  status(status: StatusView): void;
}

export type ModbusRequests = Pick<ModbusConnection, 'readRegisters' | 'readBits' | 'writeCoil' | 'writeRegisters' | 'stats' | 'connected'>;

export interface ModbusConnectionHandle {
  /** Set when the connection settings are unusable; every request then fails with it. */
  configError?: string;
  defaultUnitId: number;
  label: string;
  register(user: ModbusUser): void;
  deregister(user: ModbusUser, done: () => void): void;
  /** The live connection, opened while at least one user is registered. */
  connection(): ModbusRequests;
  currentStatus(): StatusView;
}

function short(text: string): string {
  return text.length > 60 ? text.slice(0, 57) + '...' : text;
}

export function connectionStatus(s: StateChange, label: string): StatusView {
  switch (s.state) {
    case 'connecting':
      // a retry stays red, so an outage never flickers between red and yellow
      if (s.attempt) return { fill: 'red', shape: 'ring', text: short(`reconnecting (attempt ${s.attempt}): ${s.error ?? ''}`) };
      return { fill: 'yellow', shape: 'ring', text: short(`connecting to ${label}`) };
    case 'connected':
      return { fill: 'green', shape: 'dot', text: short(`connected ${label}`) };
    case 'reconnecting':
      return { fill: 'red', shape: 'ring', text: short(`reconnecting (attempt ${s.attempt}): ${s.error ?? ''}`) };
    default:
      return {};
  }
}

function num(v: unknown, fallback: number): number {
  if (v === undefined || v === null || String(v).trim() === '') return fallback;
  return Number(v);
}

/** Connection options from the editor's fields (strings), with the documented defaults. */
export function connectionOptionsFrom(config: Record<string, unknown>): ModbusConnectionOptions {
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : v === undefined || v === null ? '' : String(v));
  return {
    transport: (text(config.transport) || 'tcp') as 'tcp',
    host: text(config.host),
    port: num(config.port, 502),
    path: text(config.serialPath),
    baudRate: num(config.baudRate, 9600),
    parity: (text(config.parity) || 'none') as 'none',
    dataBits: num(config.dataBits, 8),
    stopBits: num(config.stopBits, 1),
    unitId: num(config.unitId, 1),
    timeoutMs: num(config.timeout, 1000),
    queueSize: num(config.queueSize, 64),
  };
}
