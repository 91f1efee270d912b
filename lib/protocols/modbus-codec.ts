// Register bytes <-> tag values for every type, byte order (inside a register) and word order
// (registers inside a 32/64-bit value). Wire bytes are big-endian per Modbus; devices that differ
// are described by the tag's byteOrder/wordOrder.
import type { ModbusTag, ModbusType } from './modbus-tags';

export type TagValue = number | boolean | string;

const scratch = Buffer.alloc(256);

/**
 * Copies the tag's registers from `regs` (wire order, starting at register `at`) into scratch in
 * big-endian value order, so one reader serves all four orders.
 */
function normalise(regs: Buffer, at: number, count: number, byteOrder: 'big' | 'little', wordOrder: 'big' | 'little'): Buffer {
  for (let w = 0; w < count; w++) {
    const src = at * 2 + (wordOrder === 'big' ? w : count - 1 - w) * 2;
    const dst = w * 2;
    if (byteOrder === 'big') {
      scratch[dst] = regs[src];
      scratch[dst + 1] = regs[src + 1];
    } else {
      scratch[dst] = regs[src + 1];
      scratch[dst + 1] = regs[src];
    }
  }
  return scratch;
}

function readRaw(type: ModbusType, b: Buffer, o: number): number {
  switch (type) {
    case 'int16':
      return b.readInt16BE(o);
    case 'uint16':
      return b.readUInt16BE(o);
    case 'int32':
      return b.readInt32BE(o);
    case 'uint32':
      return b.readUInt32BE(o);
    case 'float32':
      return b.readFloatBE(o);
    case 'float64':
      return b.readDoubleBE(o);
    default:
      throw new Error(`${type} is not numeric`);
  }
}

/**
 * Decodes a register tag from a block of registers. `regs` holds the raw bytes of a read that
 * started at register `blockStart`.
 */
export function decodeRegisters(tag: ModbusTag, regs: Buffer, blockStart: number): TagValue {
  const at = tag.address - blockStart;
  if (at < 0 || (at + tag.count) * 2 > regs.length) {
    throw new RangeError(`tag "${tag.name}" (registers ${tag.address}..${tag.address + tag.count - 1}) is outside the block read`);
  }
  if (tag.type === 'bool') {
    const word = tag.byteOrder === 'big' ? regs.readUInt16BE(at * 2) : regs.readUInt16LE(at * 2);
    return ((word >> (tag.bit ?? 0)) & 1) === 1;
  }
  if (tag.type === 'string') {
    const b = normalise(regs, at, tag.count, tag.byteOrder, 'big');
    let end = 0;
    const len = tag.length ?? tag.count * 2;
    while (end < len && b[end] !== 0) end++;
    return b.toString('latin1', 0, end).replace(/\s+$/, '');
  }
  let raw: number;
  if (tag.byteOrder === 'big' && (tag.wordOrder === 'big' || tag.count === 1)) raw = readRaw(tag.type, regs, at * 2);
  else raw = readRaw(tag.type, normalise(regs, at, tag.count, tag.byteOrder, tag.wordOrder), 0);
  return tag.scale === 1 && tag.offset === 0 ? raw : raw * tag.scale + tag.offset;
}

/** Decodes a bit tag from the booleans of a coil/discrete read that started at `blockStart`. */
export function decodeBits(tag: ModbusTag, bits: ArrayLike<boolean>, blockStart: number): boolean {
  const at = tag.address - blockStart;
  if (at < 0 || at >= bits.length) throw new RangeError(`tag "${tag.name}" (bit ${tag.address}) is outside the block read`);
  return Boolean(bits[at]);
}

const INT_RANGE: Partial<Record<ModbusType, [number, number]>> = {
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** The raw value (before scale/offset) a tag would carry for an engineering value; throws when it cannot be represented. */
export function toRaw(tag: ModbusTag, value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`tag "${tag.name}": value must be a finite number, got ${String(value)}`);
  const unscaled = tag.scale === 1 && tag.offset === 0 ? value : (value - tag.offset) / tag.scale;
  const range = INT_RANGE[tag.type];
  if (!range) return unscaled;
  const raw = Math.round(unscaled);
  if (raw < range[0] || raw > range[1]) {
    throw new Error(`tag "${tag.name}": ${value} needs raw value ${raw}, outside ${tag.type} range ${range[0]}..${range[1]}`);
  }
  return raw;
}

/** Encodes a value into the registers (as 16-bit numbers, wire order) a write must send. */
export function encodeRegisters(tag: ModbusTag, value: TagValue): number[] {
  const b = Buffer.alloc(tag.count * 2);
  if (tag.type === 'bool') throw new Error(`tag "${tag.name}": a bool inside a register is written with a read-modify-write, not encodeRegisters`);
  if (tag.type === 'string') {
    if (typeof value !== 'string') throw new Error(`tag "${tag.name}": expected a string, got ${typeof value}`);
    const bytes = Buffer.from(value, 'latin1');
    if (bytes.length > (tag.length ?? 0)) throw new Error(`tag "${tag.name}": "${value}" is longer than ${tag.length} characters`);
    bytes.copy(b, 0);
  } else {
    const n = typeof value === 'boolean' ? Number(value) : typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number') throw new Error(`tag "${tag.name}": expected a number, got ${typeof value}`);
    const raw = toRaw(tag, n);
    switch (tag.type) {
      case 'int16':
        b.writeInt16BE(raw, 0);
        break;
      case 'uint16':
        b.writeUInt16BE(raw, 0);
        break;
      case 'int32':
        b.writeInt32BE(raw, 0);
        break;
      case 'uint32':
        b.writeUInt32BE(raw, 0);
        break;
      case 'float32':
        b.writeFloatBE(raw, 0);
        break;
      case 'float64':
        b.writeDoubleBE(raw, 0);
        break;
    }
  }
  // b is in value order; lay it out in the device's order (the mapping is its own inverse).
  const wire = Buffer.from(normalise(b, 0, tag.count, tag.byteOrder, tag.type === 'string' ? 'big' : tag.wordOrder).subarray(0, tag.count * 2));
  const regs: number[] = [];
  for (let w = 0; w < tag.count; w++) regs.push(wire.readUInt16BE(w * 2));
  return regs;
}

/** Sets or clears one bit of a register word as the device stores it (for bool-in-register writes). */
export function withBit(tag: ModbusTag, word: number, on: boolean): number {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(word & 0xffff, 0);
  let v = tag.byteOrder === 'big' ? b.readUInt16BE(0) : b.readUInt16LE(0);
  const mask = 1 << (tag.bit ?? 0);
  v = on ? v | mask : v & ~mask & 0xffff;
  if (tag.byteOrder === 'big') b.writeUInt16BE(v, 0);
  else b.writeUInt16LE(v, 0);
  return b.readUInt16BE(0);
}
