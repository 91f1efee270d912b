import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Command } from '../../lib/contracts';
import { DemandGuard } from '../../lib/energy/guard';

const T0 = Date.UTC(2026, 2, 2, 8, 0); // an interval boundary
const S = 1000;
const cmd = (loadId: string, action: Command['action'], at: number): Command => ({ loadId, action, at, reason: 'test' });
const seen = (cs: Command[]) => cs.map((c) => `${c.loadId}:${c.action}`);

function guardWithThree() {
  return new DemandGuard({
    targetKw: 100,
    startGapSeconds: 10,
    minShedSeconds: 60,
    loads: [
      { id: 'low', powerKw: 30, priority: 1 },
      { id: 'mid', powerKw: 30, priority: 2 },
      { id: 'high', powerKw: 30, priority: 3 },
    ],
  });
}

describe('start sequencer', () => {
  it('never starts two motors within the gap, most important first', () => {
    const g = guardWithThree();
    const out: string[] = [];
    g.meter(0, T0);
    out.push(...seen(g.request(cmd('low', 'start', T0), T0)));
    out.push(...seen(g.request(cmd('high', 'start', T0), T0)));
    out.push(...seen(g.request(cmd('mid', 'start', T0), T0)));
    assert.deepEqual(out, ['low:start']);
    assert.deepEqual(seen(g.tick(T0 + 5 * S)), [], 'inside the gap');
    assert.deepEqual(seen(g.tick(T0 + 10 * S)), ['high:start']);
    assert.deepEqual(seen(g.tick(T0 + 15 * S)), []);
    assert.deepEqual(seen(g.tick(T0 + 20 * S)), ['mid:start']);
  });
});

describe('demand guard', () => {
  it('projects the interval average and sheds lowest priority first, then releases highest first', () => {
    const g = guardWithThree();
    g.meter(0, T0);
    for (const id of ['low', 'mid', 'high']) g.setRunning(id, true, T0);
    // 90 kW of motors + 20 kW other load = 110 kW held: projection 110 > 100 -> shed 'low' (30 kW).
    const shed = g.meter(110, T0 + 60 * S);
    assert.deepEqual(seen(shed), ['low:shed']);
    assert.ok(g.projection(T0 + 60 * S) <= 100 + 1e-9);
    // A spike: now 'mid' goes too (lowest remaining priority); 'high' stays.
    const shed2 = g.meter(135, T0 + 120 * S);
    assert.deepEqual(seen(shed2), ['mid:shed']);
    assert.equal(g.stateOf('high'), 'running');
    // The load falls: after the min shed time the most important shed load comes back first.
    const fall = g.meter(40, T0 + 200 * S);
    assert.deepEqual(seen(fall), ['mid:release']);
    assert.deepEqual(seen(g.tick(T0 + 205 * S)), [], 'the start gap holds the next release');
    assert.deepEqual(seen(g.tick(T0 + 215 * S)), ['low:release']);
  });

  it('defers a start that would break the target until the next interval has room', () => {
    const g = new DemandGuard({ targetKw: 100, startGapSeconds: 0, loads: [{ id: 'kiln', powerKw: 50, priority: 1 }] });
    g.meter(90, T0);
    assert.deepEqual(seen(g.request(cmd('kiln', 'start', T0 + 60 * S), T0 + 60 * S)), []);
    assert.deepEqual(g.status(T0 + 60 * S).waiting, ['kiln']);
    // The plant's own load drops: 90 -> 40 kW; the projection with the kiln fits now.
    assert.deepEqual(seen(g.meter(40, T0 + 300 * S)), ['kiln:start']);
  });

  it('passes stops at once and forgets shed loads that are stopped', () => {
    const g = guardWithThree();
    g.meter(0, T0);
    g.setRunning('low', true, T0);
    assert.deepEqual(seen(g.meter(130, T0 + 60 * S)), ['low:shed']);
    assert.deepEqual(seen(g.request(cmd('low', 'stop', T0 + 70 * S), T0 + 70 * S)), []);
    assert.deepEqual(seen(g.meter(10, T0 + 300 * S)), [], 'a stopped load is not released');
    g.setRunning('mid', true, T0 + 300 * S);
    assert.deepEqual(seen(g.request(cmd('mid', 'stop', T0 + 310 * S), T0 + 310 * S)), ['mid:stop']);
  });

  it('restores its state from a snapshot', () => {
    const g = guardWithThree();
    g.meter(0, T0);
    g.setRunning('low', true, T0);
    g.meter(130, T0 + 60 * S);
    const copy = guardWithThree();
    copy.restore(JSON.parse(JSON.stringify(g.snapshot())));
    assert.equal(copy.stateOf('low'), 'shed');
    assert.equal(copy.projection(T0 + 60 * S), g.projection(T0 + 60 * S));
  });
});
