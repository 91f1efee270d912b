import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyWriteLimits, parseWriteLimits, WriteRejected } from '../../lib/protocols/modbus-write-policy';

describe('modbus write limits', () => {
  it('clamps or rejects values outside min/max', () => {
    const clamp = parseWriteLimits({ min: '0', max: 100, limitMode: 'clamp' }, 'sp');
    assert.deepEqual(applyWriteLimits('sp', 120, clamp, undefined, 0), { value: 100, limited: true, note: 'clamped to max 100' });
    assert.deepEqual(applyWriteLimits('sp', -5, clamp, undefined, 0), { value: 0, limited: true, note: 'clamped to min 0' });
    assert.deepEqual(applyWriteLimits('sp', 50, clamp, undefined, 0), { value: 50, limited: false });
    const reject = parseWriteLimits({ min: 0, max: 100 }, 'sp');
    assert.throws(() => applyWriteLimits('sp', 101, reject, undefined, 0), (e: Error) => e instanceof WriteRejected && /above the maximum 100/.test(e.message));
  });

  it('limits the rate of change from the current value', () => {
    const limits = parseWriteLimits({ maxRate: 2, limitMode: 'clamp' }, 'sp');
    assert.equal(applyWriteLimits('sp', 30, limits, 10, 5000).value, 20);
    assert.equal(applyWriteLimits('sp', 0, limits, 10, 1000).value, 8);
    assert.equal(applyWriteLimits('sp', 11, limits, 10, 1000).limited, false);
    const strict = parseWriteLimits({ maxRate: 2 }, 'sp');
    assert.throws(() => applyWriteLimits('sp', 30, strict, 10, 5000), /exceeds 2\/s/);
    assert.throws(() => applyWriteLimits('sp', 30, strict, undefined, 5000), /current value could not be read/);
  });

  it('refuses contradictory limit settings', () => {
    assert.throws(() => parseWriteLimits({ min: 5, max: 1 }, 'sp'), /min 5 is above max 1/);
    assert.throws(() => parseWriteLimits({ limitMode: 'wrap' }, 'sp'), /clamp or reject/);
    assert.throws(() => parseWriteLimits({ maxRate: -1 }, 'sp'), /above 0/);
    assert.throws(() => parseWriteLimits({ max: 'ten' }, 'sp'), /max must be a number/);
  });
});
