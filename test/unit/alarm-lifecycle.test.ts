// The ISA-18.2 lifecycle, delays, deadband, chattering, shelving, suppression and out of service,
// walked with a clock that only moves when the test says so.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AlarmEvent } from '../../lib/contracts';
import { validateAlarmEvent } from '../../lib/contracts';
import { AlarmEngine, AlarmCommandError } from '../../lib/alarms/engine';
import { ManualClock } from '../../lib/alarms/clock';
import { nextState } from '../../lib/alarms/lifecycle';
import { withDefaults, type AlarmOptions } from '../../lib/alarms/options';

const T0 = Date.UTC(2026, 0, 1);

function setup(options: Partial<AlarmOptions> = {}) {
  const clock = new ManualClock(T0);
  const events: AlarmEvent[] = [];
  const engine = new AlarmEngine(withDefaults({ chatterCount: 0, floodCount: 0, ...options }), clock, { onEvent: (e) => events.push(e) });
  const raise = (source = 'm1', condition = 'hot') => engine.observe({ source, condition, active: true, severity: 700 });
  const clear = (source = 'm1', condition = 'hot') => engine.observe({ source, condition, active: false });
  const transitions = () => events.map((e) => e.transition);
  return { clock, engine, events, raise, clear, transitions, id: 'm1#hot' };
}

describe('alarm lifecycle', () => {
  it('state table: raise, clear and ack lead where ISA-18.2 says', () => {
    assert.equal(nextState('normal', 'raise'), 'unack-active');
    assert.equal(nextState('unack-active', 'ack'), 'ack-active');
    assert.equal(nextState('ack-active', 'clear'), 'normal');
    assert.equal(nextState('unack-active', 'clear'), 'unack-rtn');
    assert.equal(nextState('unack-rtn', 'ack'), 'normal');
    assert.equal(nextState('unack-rtn', 'raise'), 'unack-active');
    assert.equal(nextState('normal', 'clear'), undefined);
    assert.equal(nextState('normal', 'ack'), undefined);
    assert.equal(nextState('ack-active', 'raise'), undefined);
    assert.equal(nextState('ack-active', 'ack'), undefined);
  });

  it('normal -> unack-active -> ack-active -> normal, with who/when/why on each event', () => {
    const { engine, events, raise, clear, clock, id } = setup();
    raise();
    clock.advance(1000);
    engine.acknowledge({ alarmId: id }, { by: 'anna', comment: 'on my way' });
    clock.advance(1000);
    clear();
    assert.deepEqual(events.map((e) => [e.transition, e.previousState, e.state]), [
      ['raise', 'normal', 'unack-active'],
      ['ack', 'unack-active', 'ack-active'],
      ['clear', 'ack-active', 'normal'],
    ]);
    assert.equal(events[1].by, 'anna');
    assert.equal(events[1].comment, 'on my way');
    assert.equal(events[1].timestamp, T0 + 1000);
    assert.ok(events[0].reason);
    assert.deepEqual(events.map((e) => e.seq), [1, 2, 3]);
    for (const e of events) validateAlarmEvent(e);
    assert.throws(() => validateAlarmEvent({ ...events[0], priority: 'extreme' }), /priority/);
    assert.throws(() => validateAlarmEvent({ ...events[0], previousState: 'odd' }), /previousState/);
    assert.equal(engine.get(id)?.state, 'normal');
  });

  it('normal -> unack-active -> unack-rtn -> normal on acknowledge, and unack-rtn -> unack-active on a new raise', () => {
    const { engine, raise, clear, transitions, id } = setup();
    raise();
    clear();
    assert.equal(engine.get(id)?.state, 'unack-rtn');
    raise();
    assert.equal(engine.get(id)?.state, 'unack-active');
    clear();
    engine.acknowledge({ alarmId: id }, { by: 'bob' });
    assert.equal(engine.get(id)?.state, 'normal');
    assert.deepEqual(transitions(), ['raise', 'clear', 'raise', 'clear', 'ack']);
  });

  it('repeated raises update one alarm instead of creating new ones (identity = source + condition)', () => {
    const { engine, events, raise } = setup();
    for (let i = 0; i < 5; i++) raise();
    raise('m1', 'vibration');
    raise('m2', 'hot');
    assert.equal(engine.size(), 3);
    assert.equal(events.filter((e) => e.transition === 'raise').length, 3);
  });

  it('a clear for an alarm never raised creates nothing', () => {
    const { engine, events, clear } = setup();
    clear();
    assert.equal(engine.size(), 0);
    assert.equal(events.length, 0);
  });

  it('refuses to acknowledge what is already acknowledged, and names unknown alarms', () => {
    const { engine, raise, id } = setup();
    raise();
    engine.acknowledge({ alarmId: id }, { by: 'x' });
    assert.throws(() => engine.acknowledge({ alarmId: id }, { by: 'x' }), (e: Error) => e instanceof AlarmCommandError && /nothing to acknowledge.*ack-active/.test(e.message));
    assert.throws(() => engine.acknowledge({ alarmId: 'nope#x' }, { by: 'x' }), /no alarm "nope#x"/);
    assert.throws(() => engine.acknowledge({}, { by: 'x' }), /say which alarm/);
  });

  it('acknowledges all alarms of a machine at once', () => {
    const { engine, raise } = setup();
    raise('m1', 'a');
    raise('m1', 'b');
    raise('m2', 'a');
    assert.equal(engine.acknowledge({ machine: 'm1' }, { by: 'x' }), 2);
    assert.equal(engine.list().filter((r) => !r.acked).length, 1);
  });

  it('a severity event only when the priority escalates past its highest of this activation', () => {
    const { engine, transitions } = setup();
    const feed = (severity: number, active = true) => engine.observe({ source: 's', condition: 'c', active, severity });
    feed(450);
    feed(500);
    feed(900);
    feed(450);
    feed(900);
    assert.deepEqual(transitions(), ['raise', 'severity']);
    assert.equal(engine.get('s#c')?.severity, 900);
    assert.equal(engine.get('s#c')?.priority, 'critical');
    feed(900, false);
    feed(700);
    feed(950);
    assert.deepEqual(transitions(), ['raise', 'severity', 'clear', 'raise', 'severity'], 'a new activation starts from its own priority');
  });
});

describe('on-delay, off-delay and deadband', () => {
  it('on-delay: a condition must stay active for the delay; a short blip raises nothing', () => {
    const { engine, raise, clear, clock, transitions, id } = setup({ onDelayMs: 5000 });
    raise();
    clock.advance(4000);
    clear();
    clock.advance(10_000);
    assert.deepEqual(transitions(), []);
    raise();
    clock.advance(4999);
    assert.equal(engine.get(id)?.state, 'normal');
    clock.advance(1);
    assert.equal(engine.get(id)?.state, 'unack-active');
    assert.match(engine.events()[0].reason ?? '', /on-delay/);
  });

  it('off-delay: a condition must stay normal for the delay before the alarm clears', () => {
    const { engine, raise, clear, clock, id } = setup({ offDelayMs: 3000 });
    raise();
    clear();
    clock.advance(2000);
    assert.equal(engine.get(id)?.state, 'unack-active');
    raise();
    clock.advance(5000);
    assert.equal(engine.get(id)?.state, 'unack-active', 'a return within the off-delay keeps the alarm');
    clear();
    clock.advance(3000);
    assert.equal(engine.get(id)?.state, 'unack-rtn');
    assert.equal(engine.pendingTimers('off:'), 0);
  });

  it('deadband: a value dancing on the limit does not chatter', () => {
    const { engine, transitions, id } = setup();
    const feed = (value: number) => engine.observe({ source: 'm1', condition: 'hot', value, limit: 80, deadband: 2 });
    for (const v of [79, 80, 79.5, 80.2, 78.5, 80.1, 79]) feed(v);
    assert.deepEqual(transitions(), ['raise']);
    feed(77.9);
    assert.deepEqual(transitions(), ['raise', 'clear']);
    assert.equal(engine.get(id)?.value, 77.9);
    feed(79.9);
    assert.equal(transitions().length, 2, 'below the limit again: no raise');
  });

  it('without a limit, any non-zero value is active', () => {
    const { engine, transitions } = setup();
    engine.observe({ source: 'coil', condition: 'trip', value: 1 });
    engine.observe({ source: 'coil', condition: 'trip', value: 0 });
    assert.deepEqual(transitions(), ['raise', 'clear']);
    assert.throws(() => engine.observe({ source: 'coil', condition: 'trip' }), /active \(true\/false\) or a finite value/);
    assert.throws(() => engine.observe({ source: 'x'.repeat(501), condition: 'trip', active: true }), /at most 500 characters/);
  });
});

describe('chattering', () => {
  it('marks an alarm chattering at 3 transitions in 60 s and holds it active until quiet', () => {
    const { engine, raise, clear, clock, transitions, id } = setup({ chatterCount: 3, chatterWindowMs: 60_000, chatterHoldMs: 60_000 });
    raise();
    clock.advance(5000);
    clear();
    clock.advance(5000);
    raise();
    assert.deepEqual(transitions(), ['raise', 'clear', 'raise', 'chatter']);
    assert.equal(engine.get(id)?.chattering, true);
    clock.advance(1000);
    clear();
    clock.advance(30_000);
    raise();
    clock.advance(1000);
    clear();
    assert.equal(engine.get(id)?.active, true, 'held while chattering');
    clock.advance(59_999);
    assert.equal(engine.get(id)?.active, true);
    clock.advance(1);
    assert.deepEqual(transitions(), ['raise', 'clear', 'raise', 'chatter', 'clear', 'chatter-end']);
    assert.equal(engine.get(id)?.chattering, false);
    assert.deepEqual(engine.kpis().topChattering, [{ alarmId: id, chatterEpisodes: 1, raises: 2 }]);
  });

  it('transitions spread wider than the window are not chattering', () => {
    const { raise, clear, clock, transitions } = setup({ chatterCount: 3, chatterWindowMs: 60_000 });
    raise();
    clock.advance(31_000);
    clear();
    clock.advance(31_000);
    raise();
    clock.advance(31_000);
    clear();
    assert.ok(!transitions().includes('chatter'));
  });
});

describe('shelve, suppress, out of service', () => {
  it('shelve with expiry: the alarm unshelves itself when the time is up, by system', () => {
    const { engine, raise, clock, events, id } = setup();
    raise();
    engine.shelve({ alarmId: id }, { by: 'carla', durationMs: 600_000, comment: 'sensor being replaced' });
    assert.equal(engine.get(id)?.shelved, true);
    assert.equal(engine.get(id)?.shelvedUntil, T0 + 600_000);
    const shelve = events.at(-1)!;
    assert.equal(shelve.transition, 'shelve');
    assert.equal(shelve.shelved, true);
    assert.equal(shelve.shelvedUntil, T0 + 600_000);
    clock.advance(599_999);
    assert.equal(engine.get(id)?.shelved, true);
    clock.advance(1);
    assert.equal(engine.get(id)?.shelved, false);
    assert.equal(events.at(-1)!.transition, 'unshelve');
    assert.equal(events.at(-1)!.by, 'system');
    assert.match(events.at(-1)!.reason ?? '', /expired/);
    assert.equal(engine.pendingTimers('shelve:'), 0);
  });

  it('unshelve by hand cancels the expiry; too long or unknown shelves are refused', () => {
    const { engine, raise, id } = setup({ shelveMaxMs: 3600_000 });
    raise();
    assert.throws(() => engine.shelve({ alarmId: id }, { by: 'x', durationMs: 7200_000 }), /longer than the longest allowed/);
    assert.throws(() => engine.unshelve({ alarmId: id }, { by: 'x' }), /not shelved/);
    engine.shelve({ alarmId: id }, { by: 'x' });
    assert.equal(engine.unshelve({ alarmId: id }, { by: 'y' }), 1);
    assert.equal(engine.pendingTimers('shelve:'), 0);
  });

  it('lifecycle continues while shelved: clear and ack still move the state', () => {
    const { engine, raise, clear, id } = setup();
    raise();
    engine.shelve({ alarmId: id }, { by: 'x', durationMs: 1000 });
    clear();
    assert.equal(engine.get(id)?.state, 'unack-rtn');
    engine.acknowledge({ alarmId: id }, { by: 'x' });
    assert.equal(engine.get(id)?.state, 'normal');
    assert.ok(engine.list().some((r) => r.alarmId === id), 'still listed while shelved');
  });

  it('suppression by design covers existing and future alarms of a machine until lifted', () => {
    const { engine, raise, transitions } = setup();
    raise('m1', 'a');
    assert.equal(engine.suppress({ machine: 'm1' }, { by: 'maintenance mode' }), 1);
    raise('m1', 'b');
    raise('m2', 'a');
    assert.equal(engine.get('m1#b')?.suppressed, true);
    assert.equal(engine.get('m2#a')?.suppressed, false);
    assert.equal(engine.unsuppress({ machine: 'm1' }, { by: 'maintenance mode' }), 2);
    assert.equal(engine.get('m1#b')?.suppressed, false);
    assert.deepEqual(transitions(), ['raise', 'suppress', 'raise', 'raise', 'unsuppress', 'unsuppress']);
    assert.throws(() => engine.unsuppress({ machine: 'm1' }, { by: 'x' }), /no suppression/);
    assert.throws(() => engine.suppress({}, { by: 'x' }), /needs a scope/);
  });

  it('out of service and back in service, each an event; a second time is refused', () => {
    const { engine, raise, transitions, id } = setup();
    raise();
    engine.setOutOfService({ alarmId: id }, true, { by: 'x', comment: 'sensor removed' });
    assert.equal(engine.get(id)?.outOfService, true);
    assert.throws(() => engine.setOutOfService({ alarmId: id }, true, { by: 'x' }), /already out of service/);
    engine.setOutOfService({ alarmId: id }, false, { by: 'x' });
    assert.deepEqual(transitions(), ['raise', 'out-of-service', 'in-service']);
  });

  it('comments are events and need text', () => {
    const { engine, raise, events, id } = setup();
    raise();
    engine.comment({ alarmId: id }, { by: 'x', comment: 'bearing ordered' });
    assert.equal(events.at(-1)!.transition, 'comment');
    assert.equal(engine.get(id)?.comment, 'bearing ordered');
    assert.throws(() => engine.comment({ alarmId: id }, { by: 'x', comment: ' ' }), /needs text/);
  });
});

describe('alarm table bounds', () => {
  it('forgets the quietest normal alarm when full, and refuses when every alarm is held', () => {
    const { engine, raise, clear, clock } = setup({ maxAlarms: 2 });
    raise('a');
    engine.acknowledge({ alarmId: 'a#hot' }, { by: 'x' });
    clear('a');
    clock.advance(10);
    raise('b');
    raise('c');
    assert.equal(engine.size(), 2);
    assert.equal(engine.get('a#hot'), undefined);
    assert.throws(() => raise('d'), /alarm table full/);
  });
});
