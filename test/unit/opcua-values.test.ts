import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataType, DataValue, StatusCodes, Variant } from 'node-opcua-client';
import { validateSample } from '../../lib/contracts';
import { coerceForWrite, plainValue, qualityOf, toSample } from '../../lib/protocols/opcua-values';
import { WriteGuard } from '../../lib/protocols/opcua-write-guard';

describe('OPC UA values to samples', () => {
  it('maps status severity to quality', () => {
    assert.equal(qualityOf(StatusCodes.Good), 'good');
    assert.equal(qualityOf(StatusCodes.UncertainLastUsableValue), 'uncertain');
    assert.equal(qualityOf(StatusCodes.BadNodeIdUnknown), 'bad');
    assert.equal(qualityOf(StatusCodes.BadCommunicationError), 'bad');
  });

  it('turns variants into sample values', () => {
    assert.equal(plainValue(new Variant({ dataType: DataType.Double, value: 1.5 })), 1.5);
    assert.equal(plainValue(new Variant({ dataType: DataType.Boolean, value: true })), true);
    assert.equal(plainValue(new Variant({ dataType: DataType.String, value: 'run' })), 'run');
    assert.deepEqual(plainValue(new Variant({ dataType: DataType.Float, arrayType: 1, value: new Float32Array([1, 2.5]) })), [1, 2.5]);
    assert.equal(plainValue(new Variant({ dataType: DataType.Int64, arrayType: 0, value: [1, 5] })), 4294967296 + 5);
    assert.equal(plainValue(new Variant({ dataType: DataType.DateTime, value: new Date(1000) })), 1000);
    assert.equal(plainValue(new Variant({ dataType: DataType.Double, value: NaN })), undefined);
  });

  it('builds valid samples, with the source timestamp and bad quality for missing values', () => {
    const good = toSample('T1', new DataValue({ value: new Variant({ dataType: DataType.Double, value: 3 }), sourceTimestamp: new Date(5000), statusCode: StatusCodes.Good }), 'opc.tcp://x:1');
    assert.deepEqual(validateSample(good), { tag: 'T1', value: 3, timestamp: 5000, quality: 'good', source: 'opc.tcp://x:1' });
    const bad = toSample('T1', new DataValue({ statusCode: StatusCodes.BadNodeIdUnknown }), undefined, 7);
    assert.equal(bad.quality, 'bad');
    assert.equal(bad.value, 7);
    assert.equal(bad.error, 'BadNodeIdUnknown');
    validateSample(bad);
    const uncertain = toSample('T2', new DataValue({ value: new Variant({ dataType: DataType.Int32, value: 2 }), statusCode: StatusCodes.UncertainInitialValue }), undefined);
    assert.equal(uncertain.quality, 'uncertain');
    assert.equal(uncertain.value, 2);
  });

  it('coerces written values to the node data type or explains why not', () => {
    assert.equal(coerceForWrite('12', DataType.Int16, 'n'), 12);
    assert.equal(coerceForWrite(1, DataType.Boolean, 'n'), true);
    assert.equal(coerceForWrite(2.5, DataType.Double, 'n'), 2.5);
    assert.throws(() => coerceForWrite(2.5, DataType.Int16, 'n'), /not a whole number/);
    assert.throws(() => coerceForWrite(70000, DataType.Int16, 'n'), /outside -32768\.\.32767/);
    assert.throws(() => coerceForWrite('abc', DataType.Double, 'n'), /cannot write "abc"/);
    assert.throws(() => coerceForWrite(1, DataType.ByteString, 'n'), /does not write/);
  });
});

describe('write guard', () => {
  it('clamps or rejects outside min/max and passes unlisted tags untouched', () => {
    const guard = new WriteGuard([
      { nodeId: 'ns=1;s=A', min: 0, max: 100, mode: 'clamp' },
      { nodeId: 'ns=1;s=B', min: 0, max: 10, mode: 'reject' },
    ]);
    assert.deepEqual(guard.apply('ns=1;s=A', 150, 0), { value: 100, adjustments: ['150 clamped to 100 (above max 100)'] });
    assert.equal(guard.apply('ns=1;s=A', -5, 0).value, 0);
    assert.equal(guard.apply('ns=1;s=A', 50, 0).value, 50);
    assert.throws(() => guard.apply('ns=1;s=B', 11, 0), /11 rejected, above max 10/);
    assert.throws(() => guard.apply('ns=1;s=B', 'x', 0), /must be a number/);
    assert.equal(guard.apply('ns=1;s=C', 'anything', 0).value, 'anything');
  });

  it('limits the rate of change since the last write', () => {
    const guard = new WriteGuard([{ nodeId: 'R', mode: 'clamp', maxRatePerSecond: 10 }]);
    assert.equal(guard.apply('R', 100, 50, 0).value, 60); // first write: one second's worth from the current value
    guard.committed('R', 60, 0);
    assert.equal(guard.apply('R', 100, 60, 500).value, 65);
    assert.equal(guard.apply('R', 62, 60, 500).value, 62);
    const strict = new WriteGuard([{ nodeId: 'R', mode: 'reject', maxRatePerSecond: 1 }]);
    assert.throws(() => strict.apply('R', 5, 0, 0), /exceeds 1\/s/);
  });

  it('refuses contradictory limits', () => {
    assert.throws(() => new WriteGuard([{ nodeId: 'X', min: 5, max: 1, mode: 'clamp' }]), /min 5 is above max 1/);
    assert.throws(() => new WriteGuard([{ nodeId: 'X', mode: 'clamp', maxRatePerSecond: 0 }]), /rate limit must be > 0/);
  });
});
