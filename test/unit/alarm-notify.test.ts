// Grouped notifications (group wait, interval, repeat), flood summaries, inhibition and the shapes
// for email, MQTT and chat, with a controllable clock.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AlarmEngine } from '../../lib/alarms/engine';
import { ManualClock } from '../../lib/alarms/clock';
import { withDefaults, type AlarmOptions } from '../../lib/alarms/options';
import { parseInhibitionRules } from '../../lib/alarms/inhibition';
import { toChat, toEmail, toMqtt, type AlarmNotification } from '../../lib/alarms/notification';

const T0 = Date.UTC(2026, 0, 1);
const S = 1000;

function setup(options: Partial<AlarmOptions> = {}) {
  const clock = new ManualClock(T0);
  const sent: AlarmNotification[] = [];
  const engine = new AlarmEngine(
    withDefaults({ chatterCount: 0, floodCount: 0, groupWaitMs: 30 * S, groupIntervalMs: 300 * S, repeatIntervalMs: 3600 * S, ...options }),
    clock,
    { onNotification: (n) => sent.push(n) },
  );
  const raise = (source: string, extra: Record<string, unknown> = {}) => engine.observe({ source, condition: 'hot', active: true, area: 'line1', ...extra });
  const clear = (source: string, extra: Record<string, unknown> = {}) => engine.observe({ source, condition: 'hot', active: false, ...extra });
  const ids = (n: AlarmNotification) => n.firing.map((f) => f.source).sort();
  return { clock, engine, sent, raise, clear, ids };
}

describe('grouping', () => {
  it('waits the group wait so neighbours share one notification, then batches by group interval', () => {
    const { clock, sent, raise, ids } = setup();
    raise('m1');
    clock.advance(10 * S);
    raise('m2');
    clock.advance(19 * S);
    assert.equal(sent.length, 0);
    clock.advance(1 * S);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].kind, 'alarms');
    assert.deepEqual(ids(sent[0]), ['m1', 'm2']);
    raise('m3');
    clock.advance(299 * S);
    assert.equal(sent.length, 1, 'the group interval has not passed');
    clock.advance(1 * S);
    assert.equal(sent.length, 2);
    assert.deepEqual(ids(sent[1]), ['m1', 'm2', 'm3']);
  });

  it('groups by area by default and by machine when asked', () => {
    const byArea = setup();
    byArea.raise('m1');
    byArea.raise('m2', { area: 'line2' });
    byArea.clock.advance(30 * S);
    assert.deepEqual(byArea.sent.map((n) => n.groupKey).sort(), ['area:line1', 'area:line2']);
    const byMachine = setup({ groupBy: 'machine' });
    byMachine.raise('s1', { machine: 'press' });
    byMachine.raise('s2', { machine: 'press' });
    byMachine.raise('s3', { machine: 'lathe' });
    byMachine.clock.advance(30 * S);
    assert.deepEqual(byMachine.sent.map((n) => `${n.groupKey}:${n.firing.length}`).sort(), ['machine:lathe:1', 'machine:press:2']);
  });

  it('one notification per alarm when grouping by alarm', () => {
    const { clock, sent, raise } = setup({ groupBy: 'alarm' });
    raise('m1');
    raise('m2');
    clock.advance(30 * S);
    assert.deepEqual(sent.map((n) => `${n.groupKey}:${n.firing.length}`).sort(), ['alarm:m1#hot:1', 'alarm:m2#hot:1']);
  });

  it('an alarm that moves to another machine leaves its old group and joins the new one', () => {
    const { clock, sent, raise } = setup({ groupBy: 'machine' });
    raise('s1', { machine: 'press' });
    clock.advance(30 * S);
    raise('s1', { machine: 'lathe' });
    clock.advance(30 * S);
    assert.deepEqual(sent.map((n) => `${n.groupKey}:${n.firing.map((f) => f.source)}`), ['machine:press:s1', 'machine:lathe:s1']);
    clock.advance(3600 * S);
    assert.deepEqual(sent.slice(2).map((n) => `${n.kind}:${n.groupKey}`), ['repeat:machine:lathe'], 'only the new group repeats it');
  });

  it('repeats unacknowledged alarms every repeat interval, and stops once acknowledged', () => {
    const { clock, engine, sent, raise } = setup();
    raise('m1');
    clock.advance(30 * S);
    clock.advance(3600 * S);
    assert.deepEqual(sent.map((n) => n.kind), ['alarms', 'repeat']);
    assert.match(sent[1].title, /unacknowledged/);
    engine.acknowledge({ alarmId: 'm1#hot' }, { by: 'x' });
    clock.advance(3 * 3600 * S);
    assert.equal(sent.length, 2);
  });

  it('tells when alarms return to normal, and nothing for shelved or suppressed ones', () => {
    const { clock, engine, sent, raise, clear } = setup();
    raise('m1');
    clock.advance(30 * S);
    clear('m1');
    clock.advance(300 * S);
    assert.equal(sent.length, 2);
    assert.equal(sent[1].firing.length, 0);
    assert.deepEqual(sent[1].resolved.map((r) => r.source), ['m1']);
    raise('m2');
    engine.shelve({ alarmId: 'm2#hot' }, { by: 'x', durationMs: 7200 * S });
    raise('m3');
    engine.suppress({ source: 'm3' }, { by: 'maintenance' });
    clock.advance(3600 * S);
    assert.equal(sent.length, 2, 'shelved and suppressed alarms are not announced or repeated');
  });

  it('announces a still-active alarm when its shelve expires', () => {
    const { clock, engine, sent, raise } = setup();
    raise('m1');
    engine.shelve({ alarmId: 'm1#hot' }, { by: 'x', durationMs: 600 * S });
    clock.advance(599 * S);
    assert.equal(sent.length, 0);
    clock.advance(1 * S);
    clock.advance(30 * S);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].firing.map((f) => f.source), ['m1']);
  });
});

describe('inhibition', () => {
  it('a communication-lost alarm silences the alarms of its machine; they are announced when it clears', () => {
    const { clock, engine, sent, raise, clear } = setup();
    engine.observe({ source: 'plc1', condition: 'comm-lost', active: true, area: 'line1', machine: 'press' });
    raise('press/temp', { machine: 'press' });
    raise('lathe/temp', { machine: 'lathe' });
    clock.advance(30 * S);
    assert.equal(sent.length, 1);
    assert.deepEqual(sent[0].firing.map((f) => f.source).sort(), ['lathe/temp', 'plc1']);
    assert.equal(engine.isInhibited('press#hot'), false);
    assert.equal(engine.isInhibited('press/temp#hot'), true);
    engine.observe({ source: 'plc1', condition: 'comm-lost', active: false });
    clock.advance(300 * S);
    const last = sent.at(-1)!;
    assert.ok(last.firing.some((f) => f.source === 'press/temp'), 'announced after the inhibitor cleared');
    assert.ok(last.resolved.some((f) => f.source === 'plc1'));
    void clear;
  });

  it('custom rules: a line-down alarm silences the whole area', () => {
    const rules = parseInhibitionRules('[{"source":{"condition":"line-down"},"target":{},"equal":["area"]}]');
    const { clock, sent, engine, raise } = setup({ inhibitRules: rules });
    engine.observe({ source: 'line1', condition: 'line-down', active: true, area: 'line1' });
    raise('m1');
    raise('m2');
    raise('m9', { area: 'line2' });
    clock.advance(30 * S);
    const sources = sent.flatMap((n) => n.firing.map((f) => f.source)).sort();
    assert.deepEqual(sources, ['line1', 'm9']);
  });

  it('rejects malformed rules with the rule number', () => {
    assert.throws(() => parseInhibitionRules('{'), /not valid JSON/);
    assert.throws(() => parseInhibitionRules('[{"source":{}}]'), /rule 1: source needs at least one label/);
    assert.throws(() => parseInhibitionRules('[{"source":{"colour":"red"}}]'), /unknown label/);
    assert.throws(() => parseInhibitionRules('[{"source":{"area":"a"},"equal":["x"]}]'), /equal must be a list/);
  });
});

describe('flood', () => {
  it('more than 10 new alarms in 10 minutes in one area: one summary instead of each, and an all-clear', () => {
    const { clock, engine, sent, raise } = setup({ floodCount: 10, floodWindowMs: 600 * S, groupWaitMs: 30 * S });
    for (let i = 0; i < 10; i++) {
      raise(`m${i}`);
      clock.advance(10 * S);
    }
    assert.ok(!sent.some((n) => n.kind === 'flood-start'), '10 alarms are not yet a flood');
    raise('m10');
    raise('other', { area: 'line2' });
    const start = sent.find((n) => n.kind === 'flood-start');
    assert.ok(start, 'flood summary sent');
    assert.equal(start.area, 'line1');
    assert.equal(start.floodCount, 11);
    assert.match(start.title, /FLOOD/);
    const floodAt = sent.length;
    for (let i = 11; i < 30; i++) raise(`m${i}`);
    clock.advance(300 * S);
    const during = sent.slice(floodAt);
    assert.ok(during.every((n) => n.area !== 'line1'), 'no per-group notification for the flooded area');
    assert.ok(during.some((n) => n.area === 'line2'), 'other areas are still notified');
    assert.deepEqual(engine.kpis().floodedAreas, ['line1']);
    clock.advance(600 * S);
    const end = sent.find((n) => n.kind === 'flood-end');
    assert.ok(end, 'flood end announced');
    assert.deepEqual(engine.kpis().floodedAreas, []);
    const k = engine.kpis();
    assert.ok(k.percentTimeInFlood > 0 && k.percentTimeInFlood < 100);
    assert.equal(k.peakPer10Min, 31);
  });
});

describe('KPIs', () => {
  it('counts alarms per 10 minutes, peak, standing, stale and unacknowledged', () => {
    const { clock, engine, raise, clear } = setup({ staleAfterMs: 3600 * S });
    raise('a');
    raise('b');
    clock.advance(2 * 3600 * S);
    raise('c');
    clear('b');
    const k = engine.kpis();
    assert.equal(k.alarmsLast10Min, 1);
    assert.equal(k.peakPer10Min, 2);
    assert.equal(k.standing, 2);
    assert.equal(k.stale, 1);
    assert.equal(k.unacknowledged, 3);
    assert.equal(k.totalRaises, 3);
  });
});

describe('notification shapes', () => {
  it('email (topic/payload), MQTT (topic + JSON payload) and chat ({text})', () => {
    const { clock, sent, raise } = setup();
    raise('press/temp', { machine: 'press', severity: 900, message: 'bearing 92 °C' });
    clock.advance(30 * S);
    const n = sent[0];
    const email = toEmail(n);
    assert.match(email.topic ?? '', /^\[critical\] 1 alarm\(s\) active in line1/);
    assert.match(String(email.payload), /press\/temp hot: bearing 92 °C/);
    const mqtt = toMqtt(n, 'plant/alarms/');
    assert.equal(mqtt.topic, 'plant/alarms/line1');
    const body = JSON.parse(mqtt.payload as string);
    assert.equal(body.firing[0].alarmId, 'press/temp#hot');
    assert.equal(body.severity, 900);
    const chat = toChat(n) as { payload: { text: string } };
    assert.match(chat.payload.text, /^\*1 alarm/);
  });

  it('MQTT topics never carry wildcards from alarm names', () => {
    const n = { kind: 'alarms', groupKey: 'x', area: 'a/+#', machine: 'm', timestamp: 0, firing: [], resolved: [], severity: 1, priority: 'low', title: '', text: '' } as AlarmNotification;
    assert.equal(toMqtt(n, 'p').topic, 'p/a___/m');
  });
});
