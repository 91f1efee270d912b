// Maps OPC UA DataValues onto the lib's Sample contract and plain JS values onto Variants.
import { DataType, type DataValue, type StatusCode, type Variant } from 'node-opcua-client';
import type { Quality, Sample } from '../contracts';

/** OPC UA status severity: top two bits 00 good, 01 uncertain, 1x bad. */
export function qualityOf(status: Pick<StatusCode, 'value'> | number | undefined): Quality {
  const code = typeof status === 'number' ? status : (status?.value ?? 0);
  const severity = code >>> 30;
  return severity === 0 ? 'good' : severity === 1 ? 'uncertain' : 'bad';
}

type Scalar = number | boolean | string | number[];

/** A Variant's value in the shapes a Sample can carry; undefined when it has none. */
export function plainValue(variant: Pick<Variant, 'value' | 'dataType'> | undefined): Scalar | undefined {
  if (!variant) return undefined;
  const v = variant.value as unknown;
  if (v === null || v === undefined) return undefined;
  switch (typeof v) {
    case 'number':
      return Number.isFinite(v) ? v : undefined;
    case 'boolean':
    case 'string':
      return v;
    case 'bigint':
      return Number(v);
  }
  if (variant.dataType === DataType.Int64 || variant.dataType === DataType.UInt64) {
    // node-opcua carries 64-bit integers as [high, low] 32-bit words.
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number') {
      const high = variant.dataType === DataType.Int64 ? v[0] | 0 : v[0] >>> 0;
      return high * 4294967296 + (v[1] >>> 0);
    }
  }
  if (v instanceof Date) return v.getTime();
  if (ArrayBuffer.isView(v) && !(v instanceof DataView) && !Buffer.isBuffer(v)) {
    const out = Array.from(v as unknown as ArrayLike<number>, Number);
    return out.every(Number.isFinite) ? out : undefined;
  }
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'number' && Number.isFinite(x))) return v as number[];
    if (v.every((x) => typeof x === 'boolean')) return v.map((x) => (x ? 1 : 0));
    return JSON.stringify(v);
  }
  if (Buffer.isBuffer(v)) return v.toString('base64');
  const o = v as { text?: unknown; toString?: () => string };
  if (typeof o.text === 'string') return o.text;
  return typeof o.toString === 'function' ? o.toString() : String(v);
}

function epochMs(d: Date | null | undefined): number | undefined {
  if (!d) return undefined;
  const t = d.getTime();
  // OPC UA's "no time" is 1601-01-01; treat anything before 1970 as unset.
  return Number.isFinite(t) && t > 0 ? t : undefined;
}

/**
 * A Sample from a DataValue. A value-less reading (bad status) carries the last known value
 * (or 0) with quality 'bad' and the status code's name in `error`.
 */
export function toSample(tag: string, dataValue: DataValue, source: string | undefined, lastKnown?: Sample['value']): Sample {
  const status = dataValue.statusCode;
  const code = status ? status.value : 0;
  const variant = dataValue.value;
  const raw = variant ? (variant.value as unknown) : undefined;
  // Fast path: a finite number, the common case for plant tags.
  let value: Sample['value'] | undefined = typeof raw === 'number' && Number.isFinite(raw) ? raw : plainValue(variant);
  let quality = qualityOf(code);
  const timestamp = epochMs(dataValue.sourceTimestamp) ?? epochMs(dataValue.serverTimestamp) ?? Date.now();
  if (value === undefined) {
    value = lastKnown ?? 0;
    quality = 'bad';
  }
  if (quality === 'good') return source ? { tag, value, timestamp, quality, source } : { tag, value, timestamp, quality };
  const error = status && code >>> 30 !== 0 ? status.name : 'no value';
  return source ? { tag, value, timestamp, quality, source, error } : { tag, value, timestamp, quality, error };
}

const NUMERIC_TYPES = new Set<DataType>([
  DataType.SByte, DataType.Byte, DataType.Int16, DataType.UInt16, DataType.Int32, DataType.UInt32,
  DataType.Int64, DataType.UInt64, DataType.Float, DataType.Double,
]);

const INTEGER_RANGES: Partial<Record<DataType, [number, number]>> = {
  [DataType.SByte]: [-128, 127],
  [DataType.Byte]: [0, 255],
  [DataType.Int16]: [-32768, 32767],
  [DataType.UInt16]: [0, 65535],
  [DataType.Int32]: [-2147483648, 2147483647],
  [DataType.UInt32]: [0, 4294967295],
  [DataType.Int64]: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  [DataType.UInt64]: [0, Number.MAX_SAFE_INTEGER],
};

export function isNumericType(dataType: DataType): boolean {
  return NUMERIC_TYPES.has(dataType);
}

/** Coerces a JS value to what a node of dataType accepts, or says why it cannot. */
export function coerceForWrite(value: unknown, dataType: DataType, nodeId: string): unknown {
  const typeName = DataType[dataType] ?? String(dataType);
  if (dataType === DataType.Boolean) {
    if (typeof value === 'boolean') return value;
    if (value === 0 || value === 1) return value === 1;
    if (value === 'true' || value === 'false') return value === 'true';
    throw new Error(`${nodeId} is Boolean: cannot write ${JSON.stringify(value)}`);
  }
  if (dataType === DataType.String) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return String(value);
    throw new Error(`${nodeId} is String: cannot write ${JSON.stringify(value)}`);
  }
  if (isNumericType(dataType)) {
    const n = typeof value === 'boolean' ? (value ? 1 : 0) : typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isFinite(n)) throw new Error(`${nodeId} is ${typeName}: cannot write ${JSON.stringify(value)}`);
    const range = INTEGER_RANGES[dataType];
    if (range) {
      if (!Number.isInteger(n)) throw new Error(`${nodeId} is ${typeName}: ${n} is not a whole number`);
      if (n < range[0] || n > range[1]) throw new Error(`${nodeId} is ${typeName}: ${n} is outside ${range[0]}..${range[1]}`);
      if (dataType === DataType.Int64 || dataType === DataType.UInt64) return [Math.floor(n / 4294967296), n >>> 0];
    }
    return n;
  }
  throw new Error(`${nodeId} has data type ${typeName}, which this node does not write`);
}
