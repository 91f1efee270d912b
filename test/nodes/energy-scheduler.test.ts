import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { generateScenario } from '../../lib/energy/scenario';
import schedulerNode = require('../../nodes/energy-scheduler/energy-scheduler');
import { collect, fileContextSettings, getNode, helper, lastStatus, nextMessage, sleep, stopRuntimeKeepingContext } from '../helpers/node-red';

const T0 = Date.UTC(2026, 2, 2, 6, 0);
const Q = 15 * 60_000;

function flow(extra: Record<string, unknown> = {}) {
  return [
    { id: 'es', type: 'millwright-energy-scheduler', name: '', timeLimit: 5, gap: 0, clock: 'msg', store: '', wires: [['plan'], ['cmd']], ...extra },
    { id: 'plan', type: 'helper' },
    { id: 'cmd', type: 'helper' },
    { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
    { id: 'caught', type: 'helper' },
  ];
}

// Two 10 kW motors, 30 min each, within the first hour: the plan staggers them (a first: cheaper slot).
const request = (loads = [{ id: 'a', powerKw: 10, durationMinutes: 30, deadline: T0 + 4 * Q }, { id: 'b', powerKw: 10, durationMinutes: 30, deadline: T0 + 4 * Q }]) => ({
  startTime: T0,
  prices: [1, 1.1, 1.2, 1.3, 2, 2, 2, 2],
  demandCharge: 10,
  loads,
});

const names = (msgs: Array<Record<string, any>>) => msgs.map((m) => `${m.payload.loadId}:${m.payload.action}@${(m.payload.at - T0) / Q}`);

describe('energy scheduler node', () => {
  const ctx = fileContextSettings();
  before(() => new Promise<void>((resolve) => helper.startServer(resolve)));
  after(async () => {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    ctx.cleanup();
  });
  afterEach(async () => {
    await helper.unload();
  });

  it('plans on a msg and sends each command at its time on the msg clock', async () => {
    await helper.load(schedulerNode, flow());
    const es = getNode('es');
    const planned = nextMessage(getNode('plan'), 20000);
    const cmds = collect(getNode('cmd'));
    es.receive({ topic: 'tick', payload: T0 - 60_000 });
    es.receive({ payload: request() });
    const plan = (await planned).payload;
    assert.equal(plan.status, 'optimal');
    assert.equal(plan.peakKw, 10);
    assert.equal(cmds.length, 0);
    es.receive({ topic: 'tick', payload: T0 });
    await sleep(30);
    assert.deepEqual(names(cmds), ['a:start@0']);
    es.receive({ topic: 'tick', payload: T0 + 2 * Q });
    await sleep(30);
    assert.deepEqual(names(cmds), ['a:start@0', 'a:stop@2', 'b:start@2']);
    assert.match(lastStatus(es).text ?? '', /optimal: saves 99.00 \/ 10 kW/);
  });

  it('re-plans keeping the running load running', async () => {
    await helper.load(schedulerNode, flow());
    const es = getNode('es');
    const plans = collect(getNode('plan'));
    const cmds = collect(getNode('cmd'));
    es.receive({ topic: 'tick', payload: T0 });
    es.receive({ payload: request() });
    while (plans.length < 1) await sleep(20);
    es.receive({ topic: 'tick', payload: T0 + Q });
    await sleep(30);
    assert.deepEqual(names(cmds), ['a:start@0']);
    // New request at T0+Q with a third load: prices now favour the end; "a" must stay where it is.
    es.receive({ payload: { ...request([...request().loads, { id: 'c', powerKw: 5, durationMinutes: 15 }]), startTime: T0 + Q, prices: [3, 3, 1, 1, 1, 1, 1] } });
    while (plans.length < 2) await sleep(20);
    const plan = plans[1].payload;
    assert.deepEqual(plans[1].replan.running, ['a']);
    const a = plan.loads.find((l: { id: string }) => l.id === 'a');
    assert.deepEqual([a.start, a.end], [T0, T0 + 2 * Q]);
    assert.ok(!plan.commands.some((c: { loadId: string; action: string }) => c.loadId === 'a' && c.action === 'start'), 'no second start for a running load');
    es.receive({ topic: 'tick', payload: T0 + 8 * Q });
    await sleep(30);
    assert.equal(names(cmds).filter((n) => n.startsWith('a:start')).length, 1);
    assert.ok(names(cmds).includes('a:stop@2'));
  });

  it('keeps the plan across a restart: no command repeated, none missed', async () => {
    helper.settings(ctx.settings);
    try {
      await helper.load(schedulerNode, flow({ store: 'file' }));
      let es = getNode('es');
      let plans = collect(getNode('plan'));
      let cmds = collect(getNode('cmd'));
      es.receive({ topic: 'tick', payload: T0 - 1 });
      es.receive({ payload: request() });
      while (plans.length < 1) await sleep(20);
      es.receive({ topic: 'tick', payload: T0 });
      await sleep(50);
      assert.deepEqual(names(cmds), ['a:start@0']);
      await stopRuntimeKeepingContext();

      await helper.load(schedulerNode, flow({ store: 'file' }));
      es = getNode('es');
      plans = collect(getNode('plan'));
      cmds = collect(getNode('cmd'));
      es.receive({ topic: 'tick', payload: T0 + 1 });
      await sleep(50);
      assert.deepEqual(names(cmds), [], 'the start sent before the restart is not repeated');
      es.receive({ topic: 'tick', payload: T0 + 3 * Q });
      await sleep(50);
      assert.deepEqual(names(cmds), ['a:stop@2', 'b:start@2'], 'commands falling due after the restart are all sent');
      assert.equal(plans.length, 0);
    } finally {
      await helper.unload();
      helper.settings({});
    }
  });

  it('refuses a damaged saved plan with a warning and plans afresh', async () => {
    helper.settings(ctx.settings);
    try {
      // A stand-in node with the scheduler's id writes the damaged save (the scheduler would save over it on close).
      await helper.load(schedulerNode, [{ id: 'es', type: 'helper' }]);
      const damaged = { schedule: { loads: 'all of them' }, timeline: { commands: [{ loadId: 7, action: 'explode' }], sent: 'x' } };
      await new Promise<void>((resolve, reject) =>
        (getNode('es') as any).context().set('energyScheduler', damaged, 'file', (err?: Error) => (err ? reject(err) : resolve())),
      );
      await stopRuntimeKeepingContext();

      await helper.load(schedulerNode, flow({ store: 'file' }));
      const es = getNode('es');
      for (let i = 0; i < 50 && !/could not restore/.test(lastStatus(es).text ?? ''); i++) await sleep(20);
      assert.equal(lastStatus(es).fill, 'yellow', JSON.stringify(lastStatus(es)));
      assert.match(lastStatus(es).text ?? '', /could not restore the plan/);
      const plans = collect(getNode('plan'));
      const cmds = collect(getNode('cmd'));
      es.receive({ topic: 'tick', payload: T0 - 1 });
      es.receive({ payload: request() });
      for (let i = 0; i < 500 && plans.length < 1; i++) await sleep(20);
      assert.equal(plans.length, 1, 'a new plan after the damaged save');
      es.receive({ topic: 'tick', payload: T0 });
      await sleep(50);
      assert.deepEqual(names(cmds), ['a:start@0'], 'nothing of the damaged save is dispatched');
    } finally {
      await helper.unload();
      helper.settings({});
    }
  });

  it('keeps the event loop responsive while the solver works', async () => {
    await helper.load(schedulerNode, flow({ timeLimit: 3, clock: 'real' }));
    const es = getNode('es');
    const planned = nextMessage(getNode('plan'), 30000);
    let ticks = 0;
    let solving = true;
    let maxLag = 0;
    let last = Date.now();
    const interval = setInterval(() => {
      const t = Date.now();
      maxLag = Math.max(maxLag, t - last);
      last = t;
      if (solving) ticks++;
    }, 10);
    try {
      const input = generateScenario({ loads: 60, seed: 11, startTime: Math.ceil(Date.now() / Q) * Q });
      es.receive({ payload: input });
      await sleep(50);
      assert.match(lastStatus(es).text ?? '', /solving/);
      const plan = (await planned).payload;
      solving = false;
      assert.ok(['optimal', 'time-limit', 'greedy'].includes(plan.status), plan.status);
      // The timer kept firing throughout the solve (it would not fire at all if HiGHS ran on this thread).
      assert.ok(ticks >= 5, `interval ticked ${ticks} times during the solve (max lag ${maxLag} ms)`);
    } finally {
      clearInterval(interval);
    }
  });

  it('sends bad input and infeasible requests to a Catch node with a clear error', async () => {
    await helper.load([schedulerNode, require('@node-red/nodes/core/common/25-catch.js')], flow());
    const es = getNode('es');
    let caught = nextMessage(getNode('caught'));
    es.receive({ payload: 'hello' });
    assert.match((await caught).error.message, /payload must be a plan request/);
    assert.equal(lastStatus(es).fill, 'red');
    caught = nextMessage(getNode('caught'));
    es.receive({ payload: { prices: [1, 1], loads: [{ id: 'x', powerKw: -5, durationMinutes: 15 }] } });
    assert.match((await caught).error.message, /load "x"\.powerKw/);
    caught = nextMessage(getNode('caught'), 10000);
    es.receive({ payload: { startTime: T0, prices: [1, 1], loads: [{ id: 'long', powerKw: 1, durationMinutes: 60 }] } });
    assert.match((await caught).error.message, /load "long" cannot fit/);
  });

  it('reports a bad configuration instead of crashing', async () => {
    await helper.load(schedulerNode, flow({ timeLimit: 'soon' }));
    assert.equal(lastStatus(getNode('es')).fill, 'red');
    assert.match(lastStatus(getNode('es')).text ?? '', /Time limit/);
  });
});
