// What the sink accepts: anomaly scores, RUL estimates, samples (communication lost), generic msgs
// and commands, each turned into an observation or a command, or a clear error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommQuality } from '../../lib/alarms/comm-quality';
import { DEFAULT_INPUT_OPTIONS, parseDuration, parseInput, type InputOptions } from '../../lib/alarms/inputs';
import { parseAlarmOptions } from '../../lib/alarms/options';
import { parseSeverity, priorityOf, severityFromRul, severityFromScore } from '../../lib/alarms/severity';

const o = (extra: Partial<InputOptions> = {}): InputOptions => ({ ...DEFAULT_INPUT_OPTIONS, ...extra });
const obs = (msg: Record<string, unknown>, extra: Partial<InputOptions> = {}) => {
  const r = parseInput(msg, o(extra));
  assert.equal(r.kind, 'observations');
  return r.kind === 'observations' ? r.observations : [];
};
const score = (s: number, anomaly: boolean) => ({ key: 'pump1', score: s, anomaly, timestamp: 1000, detector: 'iforest', explanation: [{ feature: 'rms', contribution: 0.7 }, { feature: 'kurtosis', contribution: 0.3 }] });
const rul = (warningAt: number | null) => ({ asset: 'fan2', estimate: 40, lower: 30, upper: 55, confidence: 0.9, unit: 'hours', healthIndex: 0.3, model: 'similarity', timestamp: 0, warningAt });

describe('alarm inputs', () => {
  it('anomaly scores: the detector flag decides by default; severity follows the score; explanation in the message', () => {
    const [a] = obs({ payload: score(0.9, true) });
    assert.equal(a.source, 'pump1');
    assert.equal(a.condition, 'anomaly');
    assert.equal(a.active, true);
    assert.ok(a.severity! > 800);
    assert.match(a.message!, /rms 70%, kurtosis 30%/);
    const [b] = obs({ payload: score(0.6, false) }, { scoreLimit: 0.5, scoreDeadband: 0.05 });
    assert.equal(b.active, undefined);
    assert.equal(b.limit, 0.5);
    assert.equal(b.value, 0.6);
  });

  it('RUL: raises when the warning point is reached, or within the lead time; clears when it is not', () => {
    const h = 3600_000;
    const [reached] = obs({ payload: rul(0) });
    assert.deepEqual([reached.active, reached.condition, reached.source], [true, 'rul-warning', 'fan2']);
    assert.ok(reached.severity! > 700, 'past the warning point: high or critical');
    assert.equal(obs({ payload: rul(10 * h) })[0].active, false, 'without a lead, a future warning point raises nothing');
    const [near] = obs({ payload: rul(10 * h) }, { rulHorizonMs: 24 * h });
    assert.deepEqual([near.active, near.value], [true, 10]);
    assert.ok(near.severity! > 400 && near.severity! <= 700, 'in the lead time: medium to high');
    assert.equal(obs({ payload: rul(100 * h) }, { rulHorizonMs: 24 * h })[0].active, false);
    assert.equal(obs({ payload: rul(null) })[0].active, false);
    assert.ok(severityFromRul(1 * h, 24 * h, 1) > severityFromRul(20 * h, 24 * h, 1));
    assert.ok(severityFromRul(0, 0, 0.1) > severityFromRul(0, 0, 0.6));
  });

  it('samples: quality per tag and source for the comm-lost rule; uncertain changes nothing', () => {
    const s = (quality: string, tag = 'spindle/temp') => ({ tag, value: 0, timestamp: 1, quality, source: 'opc.tcp://plc1', error: 'timeout' });
    const q = (msg: Record<string, unknown>) => {
      const r = parseInput(msg, o());
      assert.equal(r.kind, 'quality');
      return r.kind === 'quality' ? r.tags : [];
    };
    assert.deepEqual(q({ payload: s('bad'), machine: 'press' }), [{ source: 'opc.tcp://plc1', tag: 'spindle/temp', bad: true, error: 'timeout', machine: 'press' }]);
    assert.equal(q({ payload: s('good') })[0].bad, false);
    assert.deepEqual(q({ payload: s('uncertain') }), []);
    assert.equal(q({ payload: [s('bad'), s('good', 'b')] }).length, 2);
    assert.throws(() => parseInput({ payload: [s('bad'), { tag: 'x', quality: 'fine' }] }, o()), /payload\[1\]/);
  });

  it('comm-lost: active while every tag of a source reads bad; one failing tag among good ones never flaps it', () => {
    const cq = new CommQuality(700, 5);
    const t = (tag: string, bad: boolean, source = 'plc1') => ({ source, tag, bad, error: bad ? 'timeout' : undefined });
    assert.deepEqual(cq.apply([t('a', true)]).map((x) => x.active), [true]);
    assert.deepEqual(cq.apply([t('b', false)]).map((x) => x.active), [false]);
    for (let i = 0; i < 3; i++) {
      assert.equal(cq.apply([t('a', true)])[0].active, false, 'a alone bad: the connection works');
      assert.equal(cq.apply([t('b', false)])[0].active, false);
    }
    const [lost] = cq.apply([t('a', true), t('b', true)]);
    assert.deepEqual([lost.source, lost.condition, lost.active, lost.severity], ['plc1', 'comm-lost', true, 700]);
    assert.match(lost.message!, /2 tag\(s\) bad \(timeout\)/);
    for (let i = 0; i < 10; i++) cq.apply([t('x', false, `src${i}`)]);
    assert.ok(cq.trackedTags() <= 5, 'bounded');
  });

  it('generic msgs: topic is the source, payload true/false/number/word/object, severity by number or name', () => {
    const [a] = obs({ topic: 'tank/level', payload: true, severity: 'high', condition: 'overflow' });
    assert.deepEqual([a.source, a.condition, a.active, a.severity], ['tank/level', 'overflow', true, 700]);
    assert.equal(obs({ topic: 't', payload: 'clear' })[0].active, false);
    const [v] = obs({ topic: 't', payload: 85 }, { limit: 80, deadband: 2 });
    assert.deepEqual([v.value, v.limit, v.deadband], [85, 80, 2]);
    const [p] = obs({ topic: 't', payload: { active: true, message: 'door open', area: 'hall' } });
    assert.deepEqual([p.active, p.message, p.area], [true, 'door open', 'hall']);
    const [c] = obs({ alarm: { id: 'x7' }, payload: true }, { sourceProperty: 'alarm.id' });
    assert.equal(c.source, 'x7');
  });

  it('bad generic msgs get errors that say what is wrong', () => {
    assert.throws(() => parseInput({ payload: true }, o()), /msg\.topic must name the alarm source/);
    assert.throws(() => parseInput({ topic: 't', payload: 'forty-two' }, o()), /payload must be true\/false/);
    assert.throws(() => parseInput({ topic: 't', payload: true, severity: 5000 }, o()), /severity must be 1\.\.1000/);
    assert.throws(() => parseInput({ topic: 't', payload: NaN }, o()), /finite number/);
    assert.throws(() => parseInput({ payload: { ...score(2, true) } }, o()), /anomaly score: payload\.score/);
    assert.throws(() => parseInput({ topic: { a: 1 }, payload: true }, o()), /msg\.topic must be a string/);
  });

  it('commands: ack, shelve with duration, comment; unknown commands and missing targets are refused', () => {
    const r = parseInput({ command: 'acknowledge', alarmId: 'a#b', by: 'anna' }, o());
    assert.equal(r.kind, 'command');
    if (r.kind === 'command') assert.deepEqual(r.command, { command: 'ack', target: { alarmId: 'a#b' }, by: 'anna' });
    const s = parseInput({ command: 'shelve', payload: { source: 'm1', duration: '15m', comment: 'swap' } }, o());
    if (s.kind === 'command') assert.deepEqual([s.command.durationMs, s.command.target.source, s.command.comment], [900_000, 'm1', 'swap']);
    assert.throws(() => parseInput({ command: 'explode' }, o()), /unknown command "explode"/);
    assert.throws(() => parseInput({ command: '__proto__', alarmId: 'x' }, o()), /unknown command/);
    assert.throws(() => parseInput({ command: 'ack' }, o()), /ack needs to know which alarms/);
    assert.throws(() => parseInput({ command: 7 }, o()), /msg\.command must be a string/);
    assert.throws(() => parseDuration('soon', 'duration'), /duration must be a duration/);
  });

  it('severity names and bands', () => {
    assert.equal(parseSeverity('critical'), 900);
    assert.equal(parseSeverity('250'), 250);
    assert.throws(() => parseSeverity('constructor'), /severity must be/);
    assert.deepEqual([1, 400, 401, 600, 601, 800, 801, 1000].map(priorityOf), ['low', 'low', 'medium', 'medium', 'high', 'high', 'critical', 'critical']);
    assert.ok(severityFromScore(1, 0.5) === 1000 && severityFromScore(0.5, 0.5) === 401);
  });

  it('options: editor config in seconds, errors name the field', () => {
    const opts = parseAlarmOptions({ onDelay: '5', groupBy: 'machine', retentionDays: '2' });
    assert.equal(opts.onDelayMs, 5000);
    assert.equal(opts.groupBy, 'machine');
    assert.equal(opts.retentionMs, 2 * 86_400_000);
    assert.throws(() => parseAlarmOptions({ onDelay: '-1' }), /On-delay must be/);
    assert.throws(() => parseAlarmOptions({ groupBy: 'colour' }), /Group by must be one of/);
    assert.throws(() => parseAlarmOptions({ floodCount: '2.5' }), /Flood count must be a whole number/);
    assert.throws(() => parseAlarmOptions({ inhibitRules: '[1]' }), /Inhibition rule 1/);
  });
});
