// Snapshots and the event log survive a restart, bounded by count and retention; the file store
// writes through a temporary file and a rename.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { AlarmEvent } from '../../lib/contracts';
import { AlarmEngine, alarmSnapshotProblem, type AlarmSnapshot } from '../../lib/alarms/engine';
import { ManualClock } from '../../lib/alarms/clock';
import { JsonFileStore } from '../../lib/alarms/file-store';
import { withDefaults, type AlarmOptions } from '../../lib/alarms/options';

const T0 = Date.UTC(2026, 0, 1);

function engineAt(clock: ManualClock, options: Partial<AlarmOptions> = {}, events: AlarmEvent[] = []) {
  return new AlarmEngine(withDefaults({ chatterCount: 0, floodCount: 0, ...options }), clock, { onEvent: (e) => events.push(e) });
}

describe('alarm persistence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millwright-alarm-test-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a snapshot restores acknowledged and shelved states, the shelve expiry and the event log', () => {
    const clock = new ManualClock(T0);
    const a = engineAt(clock);
    a.observe({ source: 'm1', condition: 'hot', active: true, severity: 800 });
    a.observe({ source: 'm2', condition: 'hot', active: true });
    a.acknowledge({ alarmId: 'm1#hot' }, { by: 'anna' });
    a.shelve({ alarmId: 'm2#hot' }, { by: 'bob', durationMs: 60_000 });
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    a.dispose();
    clock.advance(10_000);
    const events: AlarmEvent[] = [];
    const b = engineAt(clock, {}, events);
    assert.equal(b.restore(snap), 2);
    assert.equal(b.get('m1#hot')?.state, 'ack-active');
    assert.equal(b.get('m2#hot')?.shelved, true);
    assert.equal(b.events().length, 4);
    clock.advance(50_000);
    assert.equal(b.get('m2#hot')?.shelved, false, 'the shelve still expires on time');
    assert.equal(events[0].seq, 5, 'event numbering continues');
    b.dispose();
  });

  it('a shelve that ran out while stopped ends at restore; damaged entries are skipped', () => {
    const clock = new ManualClock(T0);
    const a = engineAt(clock);
    a.observe({ source: 'm1', condition: 'hot', active: true });
    a.shelve({ alarmId: 'm1#hot' }, { by: 'x', durationMs: 1000 });
    const snap = JSON.parse(JSON.stringify(a.snapshot()));
    a.dispose();
    snap.alarms.push({ source: 5, state: 'weird' }, null);
    snap.events.push({ nonsense: true });
    clock.advance(5000);
    const b = engineAt(clock);
    assert.equal(b.restore(snap), 1);
    assert.equal(b.get('m1#hot')?.shelved, false);
    assert.equal(b.events().at(-1)?.transition, 'unshelve');
    assert.equal(b.restore('garbage'), 0);
    b.dispose();
  });

  it('the event log keeps at most maxEvents and nothing older than the retention', () => {
    const clock = new ManualClock(T0);
    const e = engineAt(clock, { maxEvents: 50, retentionMs: 3600_000 });
    for (let i = 0; i < 100; i++) e.observe({ source: `s${i}`, condition: 'c', active: true });
    assert.equal(e.events().length, 50);
    assert.equal(e.events()[0].source, 's50');
    clock.advance(3600_001);
    e.observe({ source: 'late', condition: 'c', active: true });
    assert.deepEqual(e.events().map((x) => x.source), ['late']);
    assert.ok(JSON.stringify(e.snapshot()).length < 200_000);
    e.dispose();
  });

  it('the file store writes via a temporary file and leaves no temporary behind', async () => {
    const path = join(dir, 'sub', 'alarms.json');
    const store = new JsonFileStore<{ n: number }>(path);
    assert.equal(await store.load(), undefined);
    await Promise.all([store.save({ n: 1 }), store.save({ n: 2 }), store.save({ n: 3 })]);
    assert.deepEqual(await store.load(), { n: 3 });
    assert.deepEqual(readdirSync(join(dir, 'sub')).sort(), ['alarms.json', 'alarms.json.bak']);
    writeFileSync(path, '{broken');
    const problems: string[] = [];
    const recovering = new JsonFileStore<{ n: number }>(path, (p) => problems.push(...p));
    assert.deepEqual(await recovering.load(), { n: 1 }, 'a damaged file loads the last good copy');
    assert.match(problems.join(' '), /not valid JSON/);
    writeFileSync(path, '{broken');
    writeFileSync(`${path}.bak`, '');
    await assert.rejects(store.load(), /not valid JSON/);
    await store.save({ n: 4 });
    assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { n: 4 });
    await store.remove();
    assert.equal(await store.load(), undefined);
  });

  it('a wrong-shaped alarm file counts as damaged: the last good copy loads and stays the backup', async () => {
    const path = join(dir, 'shape', 'alarms.json');
    const clock = new ManualClock(T0);
    const engine = engineAt(clock);
    engine.observe({ source: 'pump1', condition: 'hot', active: true, severity: 700 });
    const good = engine.snapshot();
    const store = new JsonFileStore<AlarmSnapshot>(path, undefined, alarmSnapshotProblem);
    await store.save(good);
    await store.save(good); // the first save's file is now the backup too
    writeFileSync(path, JSON.stringify({ alarms: 'none', seq: 'x' }));
    const problems: string[] = [];
    const reopened = new JsonFileStore<AlarmSnapshot>(path, (p) => problems.push(...p), alarmSnapshotProblem);
    const loaded = await reopened.load();
    assert.equal(loaded?.seq, good.seq, 'the last good snapshot, not the wrong-shaped one');
    assert.match(problems.join(' '), /unexpected content/);
    await reopened.save(loaded as AlarmSnapshot);
    assert.equal(alarmSnapshotProblem(JSON.parse(readFileSync(`${path}.bak`, 'utf8'))), undefined, 'the backup is still a good snapshot');
  });
});
