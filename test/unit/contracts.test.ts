import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ContractError,
  toEpochMs,
  validateAlarmEvent,
  validateAnomalyScore,
  validateCommand,
  validateFeatureVector,
  validateRulEstimate,
  validateSample,
  validateSchedule,
} from '../../lib/contracts';

describe('sample contract', () => {
  it('accepts a scalar reading and keeps optional fields', () => {
    const s = validateSample({ tag: 'temp', value: 21.5, timestamp: 1000, quality: 'good', unit: 'degC', source: 'plc1' });
    assert.deepEqual(s, { tag: 'temp', value: 21.5, timestamp: 1000, quality: 'good', unit: 'degC', source: 'plc1' });
  });

  it('accepts a waveform block with its sample rate', () => {
    const s = validateSample({ tag: 'vib', value: [0.1, -0.2, 0.3], timestamp: 5, quality: 'good', sampleRate: 1000 });
    assert.equal(s.sampleRate, 1000);
    assert.deepEqual(s.value, [0.1, -0.2, 0.3]);
  });

  it('names the field at fault', () => {
    assert.throws(() => validateSample({ tag: 'temp', value: NaN, timestamp: 1, quality: 'good' }, 'payload'), /payload\.value: expected a finite number, got NaN/);
    assert.throws(() => validateSample({ tag: 'temp', value: 1, timestamp: 1, quality: 'fine' }), /quality: expected one of good, uncertain, bad/);
    assert.throws(() => validateSample({ tag: '', value: 1, timestamp: 1, quality: 'good' }), /tag: expected a non-empty string/);
    assert.throws(() => validateSample({ tag: 'a', value: [1, 'x'], timestamp: 1, quality: 'good' }), /value\[1\]/);
    assert.throws(() => validateSample({ tag: 'a', value: 1, timestamp: -5, quality: 'good' }), /timestamp/);
    assert.throws(() => validateSample('hello'), ContractError);
    assert.throws(() => validateSample({ tag: 'a', value: { deep: 1 }, timestamp: 1, quality: 'good' }), /value: expected a number, boolean, string or array/);
  });
});

describe('feature vector contract', () => {
  const good = { key: 'k', features: { mean: 1, std: 0.5 }, windowStart: 1, windowEnd: 2, sampleCount: 10, sourceTags: ['a'] };
  it('accepts a well-formed vector', () => assert.deepEqual(validateFeatureVector(good), good));
  it('rejects non-finite features and inverted windows', () => {
    assert.throws(() => validateFeatureVector({ ...good, features: { mean: Infinity } }), /features\.mean/);
    assert.throws(() => validateFeatureVector({ ...good, windowEnd: 0 }), /windowEnd: is before windowStart/);
    assert.throws(() => validateFeatureVector({ ...good, sampleCount: 1.5 }), /sampleCount/);
  });
});

describe('anomaly, RUL, schedule, command and alarm contracts', () => {
  it('keeps the score in [0,1]', () => {
    const a = { key: 'k', score: 0.3, anomaly: false, timestamp: 1, detector: 'x', explanation: [{ feature: 'rms', contribution: 1 }] };
    assert.equal(validateAnomalyScore(a).score, 0.3);
    assert.throws(() => validateAnomalyScore({ ...a, score: 1.2 }), /score: expected a number in \[0, 1\]/);
  });

  it('requires lower <= estimate <= upper', () => {
    const r = { asset: 'b1', estimate: 10, lower: 5, upper: 20, confidence: 0.9, unit: 'hours', healthIndex: 0.4, model: 'exp', timestamp: 1, warningAt: null };
    assert.equal(validateRulEstimate(r).estimate, 10);
    assert.throws(() => validateRulEstimate({ ...r, lower: 11 }), /lower <= estimate <= upper/);
    assert.throws(() => validateRulEstimate({ ...r, unit: 'days' }), /unit/);
  });

  it('validates a schedule and its loads', () => {
    const s = {
      startTime: 0, intervalMinutes: 15, loads: [{ id: 'm1', start: 0, end: 900000, powerKw: 50 }], profileKw: [50],
      cost: { energy: 1, demand: 2, total: 3 }, peakKw: 50, gap: 0, status: 'optimal', saving: { money: 0, peakKw: 0 },
    };
    assert.equal(validateSchedule(s).loads.length, 1);
    assert.throws(() => validateSchedule({ ...s, loads: [{ id: 'm1', start: 10, end: 5, powerKw: 1 }] }), /loads\[0\]\.end/);
  });

  it('validates commands and alarm events', () => {
    assert.equal(validateCommand({ loadId: 'm1', action: 'start', at: 5 }).reason, '');
    assert.throws(() => validateCommand({ loadId: 'm1', action: 'explode', at: 5 }), /action/);
    const e = {
      alarmId: 'a', source: 's', condition: 'c', severity: 500, state: 'unack-active', active: true, acked: false,
      shelved: false, suppressed: false, outOfService: false, message: 'hot', timestamp: 1, transition: 'raise',
    };
    assert.equal(validateAlarmEvent(e).severity, 500);
    assert.throws(() => validateAlarmEvent({ ...e, severity: 0 }), /severity/);
  });

  it('reads timestamps in the forms flows use', () => {
    assert.equal(toEpochMs(1000), 1000);
    assert.equal(toEpochMs('1970-01-01T00:00:01Z'), 1000);
    assert.equal(toEpochMs(new Date(2000)), 2000);
    assert.equal(toEpochMs('not a date'), undefined);
    assert.equal(toEpochMs(NaN), undefined);
  });
});
