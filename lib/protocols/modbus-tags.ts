// Modbus tag tables: what a technician types (name, area, address, type, order, scale) turned into
// exact protocol addresses and register spans, with errors that name the tag and the field at fault.

export type ModbusArea = 'coil' | 'discrete' | 'holding' | 'input';
export const MODBUS_AREAS: readonly ModbusArea[] = ['coil', 'discrete', 'holding', 'input'];

export type ModbusType = 'bool' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64' | 'string';
export const MODBUS_TYPES: readonly ModbusType[] = ['bool', 'int16', 'uint16', 'int32', 'uint32', 'float32', 'float64', 'string'];

/** Order of the two bytes inside each 16-bit register, and of the registers inside a 32/64-bit value. */
export type Endian = 'big' | 'little';

/**
 * How plain numbers in the address column are read:
 * - 0: protocol address as on the wire (0..65535), the default;
 * - 1: register number counted from 1 (1..65536), as many manuals print;
 * - 'modicon': 40001-style references whose leading digit names the area
 *   (0xxxx coil, 1xxxx discrete, 3xxxx input, 4xxxx holding; 5 or 6 digits).
 * A reference written with an x ("4x0001", "3x10") is always Modicon-style, whatever the mode.
 */
export type AddressBase = 0 | 1 | 'modicon';

export interface ModbusTagInput {
  name?: unknown;
  area?: unknown;
  address?: unknown;
  type?: unknown;
  /** Characters of a string tag (also accepted as type "string(10)"). */
  length?: unknown;
  /** Bit 0..15 of a register, for a bool read from a holding or input register. */
  bit?: unknown;
  byteOrder?: unknown;
  wordOrder?: unknown;
  scale?: unknown;
  offset?: unknown;
  /** Engineering unit, e.g. "degC". */
  unit?: unknown;
  /** Modbus unit (slave) id; falls back to the connection's. */
  unitId?: unknown;
  [extra: string]: unknown;
}

export interface ModbusTag {
  name: string;
  area: ModbusArea;
  /** Protocol (0-based) address of the first register or bit. */
  address: number;
  /** Registers (or bits, for coil/discrete) the tag occupies. */
  count: number;
  type: ModbusType;
  /** String length in characters (bytes). */
  length?: number;
  bit?: number;
  byteOrder: Endian;
  wordOrder: Endian;
  scale: number;
  offset: number;
  unit?: string;
  unitId?: number;
  /** The address as the technician wrote it, and its 1-based and Modicon forms, for display. */
  written: string;
  reference: string;
}

export class TagError extends Error {
  constructor(readonly tag: string, readonly field: string, detail: string) {
    super(`tag "${tag}": ${field}: ${detail}`);
    this.name = 'TagError';
  }
}

const AREA_DIGIT: Record<string, ModbusArea> = { '0': 'coil', '1': 'discrete', '3': 'input', '4': 'holding' };
const DIGIT_OF: Record<ModbusArea, string> = { coil: '0', discrete: '1', input: '3', holding: '4' };
const AREA_ALIASES: Record<string, ModbusArea> = {
  coil: 'coil', coils: 'coil', co: 'coil',
  discrete: 'discrete', 'discrete input': 'discrete', discreteinput: 'discrete', di: 'discrete', input_status: 'discrete',
  holding: 'holding', 'holding register': 'holding', holdingregister: 'holding', hr: 'holding',
  input: 'input', 'input register': 'input', inputregister: 'input', ir: 'input',
};

export function isBitArea(area: ModbusArea): boolean {
  return area === 'coil' || area === 'discrete';
}

/** Registers a type occupies (bits for bool in a bit area). */
export function registerCount(type: ModbusType, length = 0): number {
  switch (type) {
    case 'bool':
    case 'int16':
    case 'uint16':
      return 1;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 2;
    case 'float64':
      return 4;
    case 'string':
      return Math.ceil(length / 2);
  }
}

/** The Modicon reference of a protocol address, e.g. holding 0 -> "400001". */
export function modiconReference(area: ModbusArea, address: number): string {
  return DIGIT_OF[area] + String(address + 1).padStart(5, '0');
}

function text(v: unknown): string {
  return typeof v === 'string' ? v.trim() : v === undefined || v === null ? '' : String(v).trim();
}

function parseArea(name: string, raw: unknown): ModbusArea | undefined {
  const t = text(raw).toLowerCase();
  if (t === '') return undefined;
  const area = AREA_ALIASES[t];
  if (!area) throw new TagError(name, 'area', `expected one of ${MODBUS_AREAS.join(', ')}, got "${text(raw)}"`);
  return area;
}

function parseType(name: string, raw: unknown, rawLength: unknown): { type: ModbusType; length?: number } {
  const t = text(raw).toLowerCase();
  const m = /^string\s*(?:\(\s*(\d+)\s*\))?$/.exec(t);
  if (m) {
    const lengthText = m[1] ?? text(rawLength);
    const length = Number(lengthText);
    if (lengthText === '' || !Number.isInteger(length) || length < 1 || length > 250) {
      throw new TagError(name, 'length', `a string needs a length of 1..250 characters (e.g. "string(16)"), got "${lengthText}"`);
    }
    return { type: 'string', length };
  }
  const alias: Record<string, ModbusType> = { boolean: 'bool', bit: 'bool', int: 'int16', uint: 'uint16', word: 'uint16', dword: 'uint32', float: 'float32', real: 'float32', double: 'float64', lreal: 'float64' };
  const type = (MODBUS_TYPES as readonly string[]).includes(t) ? (t as ModbusType) : alias[t];
  if (!type) throw new TagError(name, 'type', `unknown type "${text(raw)}": expected one of ${MODBUS_TYPES.join(', ')} (string as "string(N)")`);
  return { type };
}

function parseEndian(name: string, field: string, raw: unknown): Endian {
  const t = text(raw).toLowerCase();
  if (t === '' || t === 'big' || t === 'be' || t === 'msb' || t === 'high') return 'big';
  if (t === 'little' || t === 'le' || t === 'lsb' || t === 'low' || t === 'swap' || t === 'swapped') return 'little';
  throw new TagError(name, field, `expected big or little, got "${text(raw)}"`);
}

function parseNumber(name: string, field: string, raw: unknown, fallback: number): number {
  const t = text(raw);
  if (t === '') return fallback;
  const n = Number(t);
  if (!Number.isFinite(n)) throw new TagError(name, field, `expected a number, got "${t}"`);
  return n;
}

interface ResolvedAddress {
  area: ModbusArea;
  address: number;
}

/** Turns the address column into (area, protocol address); range errors name both forms. */
export function resolveAddress(name: string, rawAddress: unknown, areaHint: ModbusArea | undefined, base: AddressBase): ResolvedAddress {
  const written = text(rawAddress);
  if (written === '') throw new TagError(name, 'address', 'is empty');
  const modicon = /^([0134])x(\d{1,6})$/i.exec(written);
  if (modicon || base === 'modicon') {
    let digit: string;
    let number: number;
    if (modicon) {
      digit = modicon[1];
      number = Number(modicon[2]);
    } else {
      if (!/^\d{5,6}$/.test(written)) throw new TagError(name, 'address', `"${written}" is not a 40001-style reference (5 or 6 digits, e.g. 40001 or 400001)`);
      digit = written[0];
      number = Number(written.slice(1));
    }
    const area = AREA_DIGIT[digit];
    if (!area) throw new TagError(name, 'address', `"${written}": leading digit ${digit} names no area (0 coil, 1 discrete, 3 input, 4 holding)`);
    if (areaHint && areaHint !== area) throw new TagError(name, 'address', `"${written}" is a ${area} reference but the area is ${areaHint}`);
    if (number < 1 || number > 65536) throw new TagError(name, 'address', `"${written}" is out of range: references run from ${digit}x00001 to ${digit}x65536`);
    return { area, address: number - 1 };
  }
  if (!areaHint) throw new TagError(name, 'area', `is missing (coil, discrete, holding or input)`);
  if (!/^\d+$/.test(written)) throw new TagError(name, 'address', `expected a whole number, got "${written}"`);
  const n = Number(written);
  if (base === 1) {
    if (n < 1 || n > 65536) throw new TagError(name, 'address', `${n} is out of range: 1-based addresses run from 1 to 65536`);
    return { area: areaHint, address: n - 1 };
  }
  if (n > 65535) throw new TagError(name, 'address', `${n} is out of range: 0-based addresses run from 0 to 65535`);
  return { area: areaHint, address: n };
}

/** Parses one row of a tag table. */
export function parseTag(input: ModbusTagInput, base: AddressBase = 0, index = 0): ModbusTag {
  if (typeof input !== 'object' || input === null) throw new TagError(`#${index + 1}`, 'row', 'expected an object');
  const name = text(input.name);
  if (name === '') throw new TagError(`#${index + 1}`, 'name', 'is empty');
  const { area, address } = resolveAddress(name, input.address, parseArea(name, input.area), base);
  const { type, length } = parseType(name, input.type === undefined || text(input.type) === '' ? (isBitArea(area) ? 'bool' : 'uint16') : input.type, input.length);
  if (isBitArea(area) && type !== 'bool') throw new TagError(name, 'type', `a ${area} holds one bit: use bool, not ${type}`);
  let bit: number | undefined;
  if (text(input.bit) !== '') {
    if (isBitArea(area) || type !== 'bool') throw new TagError(name, 'bit', 'is only for a bool read from a holding or input register');
    bit = Number(text(input.bit));
    if (!Number.isInteger(bit) || bit < 0 || bit > 15) throw new TagError(name, 'bit', `expected 0..15, got "${text(input.bit)}"`);
  } else if (type === 'bool' && !isBitArea(area)) {
    bit = 0;
  }
  const count = registerCount(type, length);
  if (address + count - 1 > 65535) {
    throw new TagError(name, 'address', `a ${type} at ${address} needs ${count} registers and runs past 65535`);
  }
  const scale = parseNumber(name, 'scale', input.scale, 1);
  if (scale === 0) throw new TagError(name, 'scale', 'must not be 0');
  let unitId: number | undefined;
  if (text(input.unitId) !== '') {
    unitId = Number(text(input.unitId));
    if (!Number.isInteger(unitId) || unitId < 0 || unitId > 255) throw new TagError(name, 'unitId', `expected 0..255, got "${text(input.unitId)}"`);
  }
  const tag: ModbusTag = {
    name,
    area,
    address,
    count,
    type,
    byteOrder: parseEndian(name, 'byteOrder', input.byteOrder),
    wordOrder: parseEndian(name, 'wordOrder', input.wordOrder),
    scale,
    offset: parseNumber(name, 'offset', input.offset, 0),
    written: text(input.address),
    reference: modiconReference(area, address),
  };
  if (length !== undefined) tag.length = length;
  if (bit !== undefined) tag.bit = bit;
  const unit = text(input.unit);
  if (unit !== '') tag.unit = unit;
  if (unitId !== undefined) tag.unitId = unitId;
  return tag;
}

/** Parses a whole table (an array, or its JSON text); names must be unique. */
export function parseTagTable(input: unknown, base: AddressBase = 0): ModbusTag[] {
  let rows = input;
  if (typeof rows === 'string') {
    if (rows.trim() === '') return [];
    try {
      rows = JSON.parse(rows);
    } catch (err) {
      throw new Error(`tag table is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!Array.isArray(rows)) throw new Error('tag table must be an array of tags');
  const tags = rows.map((row, i) => parseTag(row as ModbusTagInput, base, i));
  const seen = new Set<string>();
  for (const t of tags) {
    if (seen.has(t.name)) throw new TagError(t.name, 'name', 'is used by two tags; names must be unique');
    seen.add(t.name);
  }
  return tags;
}

export function parseAddressBase(raw: unknown): AddressBase {
  const t = text(raw).toLowerCase();
  if (t === '' || t === '0') return 0;
  if (t === '1') return 1;
  if (t === 'modicon' || t === '40001') return 'modicon';
  throw new Error(`addressing must be 0, 1 or modicon, got "${text(raw)}"`);
}
