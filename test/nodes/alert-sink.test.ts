import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import alertSinkNode = require('../../nodes/alert-sink/alert-sink');
import { collect, fileContextSettings, getNode, helper, lastStatus, nextMessage, sleep, type NodeLike } from '../helpers/node-red';

const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const injectNode = require('@node-red/nodes/core/common/20-inject.js');
const switchNode = require('@node-red/nodes/core/function/10-switch.js');
const commentNode = require('@node-red/nodes/core/common/90-comment.js');

function flow(extra: Record<string, unknown> = {}) {
  return [
    { id: 'sink', type: 'millwright-alert-sink', name: '', groupWait: 0, groupInterval: 0, chatterCount: 0, store: '', format: 'all', wires: [['notes'], ['events'], ['list']], ...extra },
    { id: 'notes', type: 'helper' },
    { id: 'events', type: 'helper' },
    { id: 'list', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

/** Resolves when `got` holds at least n msgs (or rejects after a generous wait). */
async function until(check: () => boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await sleep(10);
  }
}

async function listNow(sink: NodeLike): Promise<Array<Record<string, any>>> {
  const next = nextMessage(getNode('list'));
  sink.receive({ command: 'list' });
  return (await next).payload;
}

describe('alert sink node', () => {
  const ctx = fileContextSettings();
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-sink-userdir-'));
  before(() => new Promise<void>((resolve) => helper.startServer(resolve)));
  after(async () => {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    ctx.cleanup();
    rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
  });

  it('raises from a generic msg: an event, a notification in every shape, the list with KPIs, a status', async () => {
    await helper.load(alertSinkNode, flow());
    const sink = getNode('sink');
    const events = collect(getNode('events'));
    const notes = collect(getNode('notes'));
    const list = nextMessage(getNode('list'));
    sink.receive({ topic: 'tank/level', condition: 'overflow', payload: true, severity: 'high', message: 'level 98 %' });
    const rows = (await list).payload;
    assert.equal(rows.length, 1);
    assert.equal(rows[0].alarmId, 'tank/level#overflow');
    assert.equal(rows[0].state, 'unack-active');
    await until(() => notes.length === 3, 'three shaped notifications');
    assert.deepEqual(notes.map((n) => n.channel).sort(), ['chat', 'email', 'mqtt']);
    const email = notes.find((n) => n.channel === 'email')!;
    assert.match(email.topic, /^\[high\] 1 alarm\(s\) active in plant/);
    assert.match(email.payload, /level 98 %/);
    const mqtt = notes.find((n) => n.channel === 'mqtt')!;
    assert.equal(mqtt.topic, 'millwright/alarms/plant');
    assert.equal(JSON.parse(mqtt.payload).firing[0].severity, 700);
    assert.equal(events.length, 1);
    assert.equal(events[0].payload.transition, 'raise');
    assert.equal(events[0].topic, 'alarm/tank/level#overflow');
    await until(() => /1 active, 1 unack/.test(lastStatus(sink).text ?? ''), 'status with counts');
  });

  it('takes ack, shelve, comment and unshelve by msg, each an event with who and why', async () => {
    await helper.load(alertSinkNode, flow());
    const sink = getNode('sink');
    const events = collect(getNode('events'));
    sink.receive({ payload: { key: 'pump1', score: 0.93, anomaly: true, timestamp: 1, detector: 'iforest', explanation: [{ feature: 'rms', contribution: 1 }] } });
    sink.receive({ command: 'ack', alarmId: 'pump1#anomaly', by: 'anna', comment: 'looking' });
    sink.receive({ command: 'shelve', payload: { alarmId: 'pump1#anomaly', duration: '10m' }, by: 'anna' });
    sink.receive({ command: 'comment', alarmId: 'pump1#anomaly', comment: 'bearing ordered', by: 'bob' });
    sink.receive({ command: 'unshelve', alarmId: 'pump1#anomaly', by: 'bob' });
    await until(() => events.length === 5, 'five events');
    assert.deepEqual(events.map((e) => `${e.payload.transition}:${e.payload.by}`), ['raise:iforest', 'ack:anna', 'shelve:anna', 'comment:bob', 'unshelve:bob']);
    assert.equal(events[2].payload.shelvedUntil - events[2].payload.timestamp, 600_000);
    assert.match(events[0].payload.message, /rms 100%/);
  });

  it('communication lost from a bad sample inhibits the alarms of its machine', async () => {
    await helper.load(alertSinkNode, flow({ format: 'email' }));
    const sink = getNode('sink');
    const notes = collect(getNode('notes'));
    sink.receive({ machine: 'press', payload: { tag: 'press/temp', value: 0, timestamp: 1, quality: 'bad', source: 'plc1', error: 'timeout' } });
    sink.receive({ topic: 'press/temp', machine: 'press', payload: true });
    await until(() => notes.length >= 1, 'a notification');
    await sleep(50);
    const text = notes.map((n) => n.payload).join('\n');
    assert.match(text, /plc1 comm-lost: communication lost: 1 tag\(s\) bad \(timeout\)/);
    assert.doesNotMatch(text, /press\/temp alarm/);
  });

  it('maintenance mode suppresses by design and lifts again', async () => {
    await helper.load(alertSinkNode, flow());
    const sink = getNode('sink');
    const events = collect(getNode('events'));
    sink.receive({ topic: 'm1/temp', machine: 'm1', payload: true });
    sink.receive({ topic: 'maintenance', machine: 'm1', payload: true });
    sink.receive({ topic: 'maintenance', machine: 'm1', payload: false });
    await until(() => events.length === 3, 'three events');
    assert.deepEqual(events.map((e) => e.payload.transition), ['raise', 'suppress', 'unsuppress']);
  });

  it('bad msgs and impossible commands reach a Catch node with clear errors and a red status', async () => {
    await helper.load([alertSinkNode, catchNode], flow());
    const sink = getNode('sink');
    const caught = collect(getNode('caught'));
    sink.receive({ payload: true });
    sink.receive({ topic: 't', payload: 'forty-two' });
    sink.receive({ topic: 't', payload: true, severity: 5000 });
    sink.receive({ command: 'explode', alarmId: 'x' });
    sink.receive({ command: 'ack', alarmId: 'nobody#home' });
    sink.receive({ payload: { key: 'k', score: 7, anomaly: true, timestamp: 1, detector: 'd', explanation: [] } });
    await until(() => caught.length === 6, 'six caught errors');
    const messages = caught.map((m) => m.error.message);
    assert.match(messages[0], /msg\.topic must name the alarm source/);
    assert.match(messages[1], /payload must be true\/false, a number/);
    assert.match(messages[2], /msg\.severity must be 1\.\.1000/);
    assert.match(messages[3], /unknown command "explode"/);
    assert.match(messages[4], /no alarm "nobody#home"/);
    assert.match(messages[5], /anomaly score: payload\.score: expected a number in \[0, 1\]/);
    assert.equal(lastStatus(sink).fill, 'red');
  });

  it('reports a bad configuration instead of crashing', async () => {
    await helper.load([alertSinkNode, catchNode], flow({ groupBy: 'colour' }));
    const sink = getNode('sink');
    assert.equal(lastStatus(sink).fill, 'red');
    assert.match(lastStatus(sink).text ?? '', /Group by/);
    const caught = nextMessage(getNode('caught'));
    sink.receive({ topic: 't', payload: true });
    assert.match((await caught).error.message, /not configured/);
  });

  it('10,000 raises from 500 sources in a burst lose no state change and keep memory bounded', async () => {
    const v8 = require('node:v8');
    v8.setFlagsFromString('--expose-gc');
    const gc = require('node:vm').runInNewContext('gc') as () => void;
    await helper.load(alertSinkNode, flow({ format: 'mqtt', groupWait: 1, groupInterval: 1 }));
    const sink = getNode('sink');
    let seen = 0;
    let lastSeq = 0;
    let outOfOrder = 0;
    getNode('events').on('input', (msg: Record<string, any>) => {
      seen++;
      if (msg.payload.seq !== lastSeq + 1) outOfOrder++;
      lastSeq = msg.payload.seq;
    });
    const SOURCES = 500;
    const ROUNDS = 20;
    // The test helper records every send, status and runtime log call (sinon spies); forget them so
    // only the node is measured.
    const internal = helper as unknown as { _NodePrototype: Record<string, any>; _logSpy?: { resetHistory(): void } };
    const forgetSpies = () => {
      for (const m of ['send', 'status', 'log', 'warn', 'error', 'debug', 'trace']) internal._NodePrototype[m]?.resetHistory?.();
      internal._logSpy?.resetHistory();
    };
    const round = (r: number) => {
      for (let s = 0; s < SOURCES; s++) sink.receive({ topic: `machine${s % 50}/sensor${s}`, area: `line${s % 5}`, payload: true, severity: 300 + r });
      for (let s = 0; s < SOURCES; s++) sink.receive({ topic: `machine${s % 50}/sensor${s}`, payload: false });
    };
    round(0);
    await until(() => seen === 2 * SOURCES, 'the warm-up round');
    forgetSpies();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    for (let r = 1; r < ROUNDS; r++) round(r);
    const expected = 2 * SOURCES * ROUNDS;
    await until(() => seen >= expected, `${expected} state changes`, 50_000);
    await sleep(100);
    assert.equal(seen, expected, 'every raise and clear produced exactly one event');
    assert.equal(outOfOrder, 0, 'events arrive in sequence without gaps');
    const rows = await listNow(sink);
    assert.equal(rows.length, SOURCES);
    assert.ok(rows.every((r) => r.state === 'unack-rtn'));
    forgetSpies();
    gc();
    const growthMb = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
    assert.ok(growthMb < 64, `heap grew ${growthMb.toFixed(1)} MB over ${expected} state changes`);
  });

  it('keeps acknowledged and shelved states across a restart (file context store)', async () => {
    helper.settings(ctx.settings);
    await helper.load(alertSinkNode, flow({ store: 'file' }));
    let sink = getNode('sink');
    const events = collect(getNode('events'));
    sink.receive({ topic: 'a', payload: true });
    sink.receive({ topic: 'b', payload: true });
    sink.receive({ topic: 'c', payload: true });
    sink.receive({ command: 'ack', source: 'a', by: 'anna' });
    sink.receive({ command: 'shelve', source: 'b', duration: 3600, by: 'anna' });
    await until(() => events.length === 5, 'five events');
    await helper.unload();
    await helper.load(alertSinkNode, flow({ store: 'file' }));
    sink = getNode('sink');
    const rows = await listNow(sink);
    const byId = Object.fromEntries(rows.map((r) => [r.alarmId, r]));
    assert.equal(byId['a#alarm'].state, 'ack-active');
    assert.equal(byId['b#alarm'].shelved, true);
    assert.equal(byId['c#alarm'].state, 'unack-active');
    const later = collect(getNode('events'));
    sink.receive({ command: 'ack', source: 'c', by: 'bob' });
    await until(() => later.length === 1, 'an ack after restart');
    assert.equal(later[0].payload.seq, 6, 'the event sequence continues');
  });

  it('without a context store, keeps its alarms in a file in the user directory, written by rename', async () => {
    helper.settings({ userDir });
    await helper.load(alertSinkNode, flow());
    let sink = getNode('sink');
    const events = collect(getNode('events'));
    sink.receive({ topic: 'a', payload: true });
    sink.receive({ command: 'shelve', alarmId: 'a#alarm', duration: '1h' });
    await until(() => events.length === 2, 'two events');
    await helper.unload();
    assert.deepEqual(readdirSync(join(userDir, 'millwright')), ['alert-sink-sink.json']);
    helper.settings({ userDir });
    await helper.load(alertSinkNode, flow());
    sink = getNode('sink');
    const rows = await listNow(sink);
    assert.equal(rows[0].shelved, true);
  });

  it('HTTP actions under the admin API act on the alarms and answer clearly', async () => {
    await helper.load(alertSinkNode, flow());
    const sink = getNode('sink');
    const events = collect(getNode('events'));
    sink.receive({ topic: 'pump', payload: true });
    await until(() => events.length === 1, 'a raise');
    const ok = await helper.request().post('/millwright/alarms/sink/ack').send({ alarmId: 'pump#alarm', comment: 'seen', by: 'mallory' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, { ok: true, changed: 1 });
    await until(() => events.length === 2, 'the ack event');
    assert.equal(events[1].payload.by, 'editor (no adminAuth)', 'who acted is never taken from the body');
    const list = await helper.request().get('/millwright/alarms/sink');
    assert.equal(list.status, 200);
    assert.equal(list.body.alarms[0].state, 'ack-active');
    assert.equal(typeof list.body.kpis.peakPer10Min, 'number');
    const again = await helper.request().post('/millwright/alarms/sink/ack').send({ alarmId: 'pump#alarm' });
    assert.equal(again.status, 409);
    assert.match(again.body.error, /nothing to acknowledge/);
    assert.equal((await helper.request().post('/millwright/alarms/sink/ack').send({ alarmId: 'nope' })).status, 404);
    assert.equal((await helper.request().post('/millwright/alarms/sink/explode').send({ alarmId: 'pump#alarm' })).status, 400);
    assert.equal((await helper.request().get('/millwright/alarms/ghost')).status, 404);
    const log = await helper.request().get('/millwright/alarms/sink/events');
    assert.deepEqual(log.body.events.map((e: any) => e.transition), ['raise', 'ack']);
  });

  it('the example flow runs: its injects raise alarms whose notifications reach the email and MQTT outputs', async () => {
    const example = JSON.parse(readFileSync(join(__dirname, '..', '..', 'examples', 'alert-sink.json'), 'utf8')) as Array<Record<string, any>>;
    // Debug nodes become helper nodes so the test can see what reaches them; the tab stays.
    const flowNodes = example.map((n) => (n.type === 'debug' ? { id: n.id, z: n.z, type: 'helper', name: n.name } : n));
    await helper.load([alertSinkNode, injectNode, switchNode, commentNode], flowNodes);
    const emails = collect(getNode('mw_as_email'));
    const mqtt = collect(getNode('mw_as_mqtt'));
    const events = collect(getNode('mw_as_events'));
    for (const id of ['mw_as_anom', 'mw_as_rul', 'mw_as_tank', 'mw_as_ack', 'mw_as_shelve', 'mw_as_comm', 'mw_as_maint']) getNode(id).receive({});
    await until(() => events.length >= 7, 'the example events');
    assert.deepEqual(events.map((e) => `${e.payload.alarmId}:${e.payload.transition}`), [
      'pump1#anomaly:raise',
      'fan2#rul-warning:raise',
      'tank/level#overflow:raise',
      'pump1#anomaly:ack',
      'tank/level#overflow:shelve',
      'plc1#comm-lost:raise',
      'plc1#comm-lost:suppress',
    ]);
    await until(() => emails.length >= 1 && mqtt.length >= 1, 'grouped notifications after the 5 s group wait', 15_000);
    assert.match(emails[0].topic, /alarm\(s\) active in line/);
    assert.ok(JSON.parse(mqtt[0].payload).firing.length >= 1);
  });

  it('releases every timer on close: delays, group waits, repeats, shelve expiry, list and save throttles', async () => {
    const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    await sleep(50);
    const before = timeouts();
    await helper.load(alertSinkNode, flow({ onDelay: 600, offDelay: 600, groupWait: 600, groupInterval: 600, repeatInterval: 600 }));
    const sink = getNode('sink');
    const events = collect(getNode('events'));
    sink.receive({ topic: 'delayed', payload: true });
    sink.receive({ command: 'list' });
    await sleep(50);
    assert.equal(events.length, 0, 'the on-delay holds the raise');
    await helper.unload();
    await sleep(50);
    assert.ok(timeouts() <= before, `timers left running: ${timeouts()} > ${before}`);
  });
});
