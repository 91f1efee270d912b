import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateSchedule } from '../../lib/contracts';
import { CommandTimeline, planCommands } from '../../lib/energy/commands';
import { diagnose } from '../../lib/energy/diagnose';
import { evaluate, violations } from '../../lib/energy/evaluate';
import { greedyPlan } from '../../lib/energy/greedy';
import { parseProblem, ProblemError } from '../../lib/energy/problem';
import { generateScenario } from '../../lib/energy/scenario';
import { startPlan } from '../../lib/energy/scheduler';

const T0 = Date.UTC(2026, 2, 2, 0, 0);
const Q = 15 * 60_000;

describe('energy scheduler', () => {
  it('staggers two motors to halve the peak when a demand charge applies (hand-checked optimum)', async () => {
    // Two 10 kW loads of 30 min in a 1 h window, flat price 1/kWh, 10 per kW of peak:
    // together: peak 20 kW, cost 10 + 200; staggered: peak 10 kW, cost 10 + 100.
    const input = { startTime: T0, prices: [1, 1, 1, 1], demandCharge: 10, loads: [{ id: 'a', powerKw: 10, durationMinutes: 30 }, { id: 'b', powerKw: 10, durationMinutes: 30 }] };
    const { schedule, commands } = await startPlan(input, { timeLimitSeconds: 10, gap: 0 }).outcome;
    validateSchedule(schedule);
    assert.equal(schedule.status, 'optimal');
    assert.equal(schedule.peakKw, 10);
    assert.equal(schedule.cost.energy, 10);
    assert.equal(schedule.cost.demand, 100);
    assert.equal(schedule.naive?.peakKw, 20);
    assert.equal(schedule.saving.money, 100);
    assert.equal(schedule.saving.peakKw, 10);
    const starts = schedule.loads.map((l) => l.start).sort();
    assert.deepEqual(starts, [T0, T0 + 2 * Q]);
    assert.equal(commands.length, 4);
    assert.equal(schedule.gantt?.length, 2);
  });

  it('puts a load in the cheapest time-of-use slot when there is no demand charge', async () => {
    const input = { startTime: T0, prices: [3, 1, 2, 5], loads: [{ id: 'pump', powerKw: 4, durationMinutes: 15 }] };
    const { schedule } = await startPlan(input, { timeLimitSeconds: 10 }).outcome;
    assert.equal(schedule.status, 'optimal');
    assert.equal(schedule.loads[0].start, T0 + Q);
    assert.equal(schedule.cost.total, 1); // 4 kW x 0.25 h x 1
  });

  it('splits a splittable load around an expensive slot, respecting min on time', async () => {
    const input = { startTime: T0, prices: [1, 1, 9, 1, 1], loads: [{ id: 's', powerKw: 8, durationMinutes: 60, splittable: true, minOnMinutes: 30 }] };
    const { schedule } = await startPlan(input, { timeLimitSeconds: 10, gap: 0 }).outcome;
    assert.equal(schedule.status, 'optimal');
    assert.deepEqual(schedule.loads.map((l) => [l.start, l.end]), [[T0, T0 + 2 * Q], [T0 + 3 * Q, T0 + 5 * Q]]);
    assert.equal(schedule.cost.energy, 8); // 4 slots x 8 kW x 0.25 h x 1
  });

  it('keeps precedence: the follower starts after its predecessor finishes', async () => {
    const input = { startTime: T0, prices: [5, 1, 1, 1, 1, 1], loads: [{ id: 'mill', powerKw: 5, durationMinutes: 30 }, { id: 'kiln', powerKw: 5, durationMinutes: 30, after: ['mill'] }] };
    const { schedule } = await startPlan(input, { timeLimitSeconds: 10 }).outcome;
    const mill = schedule.loads.find((l) => l.id === 'mill');
    const kiln = schedule.loads.find((l) => l.id === 'kiln');
    assert.ok(mill && kiln && kiln.start >= mill.end, `kiln ${kiln?.start} should start after mill ends ${mill?.end}`);
  });

  it('reports which load cannot fit and why', async () => {
    const input = { startTime: T0, prices: [1, 1, 1, 1], loads: [{ id: 'ok', powerKw: 1, durationMinutes: 15 }, { id: 'long', powerKw: 2, durationMinutes: 45, earliestStart: T0 + 2 * Q }] };
    const { schedule, commands } = await startPlan(input).outcome;
    assert.equal(schedule.status, 'infeasible');
    assert.equal(commands.length, 0);
    assert.match(schedule.problems?.[0] ?? '', /load "long" cannot fit: needs 45 min .* only 30 min available/);
  });

  it('reports a load that can never fit under the contracted limit', async () => {
    const input = { startTime: T0, prices: [1, 1], baseLoadKw: [50, 60], contractLimitKw: 70, loads: [{ id: 'big', powerKw: 30, durationMinutes: 15 }] };
    const { schedule } = await startPlan(input).outcome;
    assert.equal(schedule.status, 'infeasible');
    assert.match(schedule.problems?.[0] ?? '', /"big".*contracted 70 kW/);
  });

  it('leaves out an optional load that cannot fit, and says so', async () => {
    const input = { startTime: T0, prices: [1, 1], loads: [{ id: 'must', powerKw: 1, durationMinutes: 15 }, { id: 'nice', powerKw: 1, durationMinutes: 60, optional: true }] };
    const { schedule } = await startPlan(input).outcome;
    assert.notEqual(schedule.status, 'infeasible');
    assert.deepEqual(schedule.loads.map((l) => l.id), ['must']);
    assert.match(schedule.problems?.join(' ') ?? '', /optional load "nice" left out/);
  });

  it('rejects malformed input naming the field', () => {
    assert.throws(() => parseProblem({ prices: [1], loads: [{ id: 'x', durationMinutes: 15 }] }), (e: Error) => e instanceof ProblemError && /load "x"\.powerKw/.test(e.message));
    assert.throws(() => parseProblem({ loads: [] }), /prices: required/);
    assert.throws(() => parseProblem({ prices: [1], loads: [{ id: 'a', powerKw: 1, durationMinutes: 15, after: ['ghost'] }] }), /unknown load "ghost"/);
  });

  it('still publishes a valid plan when the solver runs out of time', async () => {
    const input = generateScenario({ loads: 40, seed: 7 });
    const { schedule } = await startPlan(input, { timeLimitSeconds: 0.05, gap: 0 }).outcome;
    assert.ok(['time-limit', 'greedy', 'optimal'].includes(schedule.status), schedule.status);
    assert.equal(new Set(schedule.loads.map((l) => l.id)).size, 40);
    const problem = parseProblem(input);
    assert.ok(schedule.cost.total <= (schedule.naive?.cost ?? Infinity));
    // The greedy alone is valid too.
    const g = greedyPlan(problem, diagnose(problem));
    assert.deepEqual(violations(problem, g.placements), []);
    assert.ok(evaluate(problem, g.placements).total >= schedule.cost.total - 1e-6);
  });

  it('publishes the greedy plan, marked as such, when the solve is cancelled', async () => {
    const run = startPlan(generateScenario({ loads: 30, seed: 3 }), { timeLimitSeconds: 60 });
    run.cancel('test stop');
    const { schedule } = await run.outcome;
    assert.ok(['greedy', 'time-limit'].includes(schedule.status));
    assert.match(schedule.message ?? '', /greedy|time limit/);
    assert.equal(schedule.loads.length >= 30, true);
  });

  it('keeps a running block load where it is on re-plan', async () => {
    const input = { startTime: T0, prices: [9, 9, 1, 1], loads: [{ id: 'run', powerKw: 5, durationMinutes: 45 }], running: [{ id: 'run', since: T0 - Q }] };
    const { schedule, commands } = await startPlan(input).outcome;
    assert.deepEqual(schedule.loads.map((l) => [l.start, l.end]), [[T0 - Q, T0 + 2 * Q]]);
    assert.deepEqual(commands.map((c) => c.action), ['stop']);
  });
});

describe('energy commands', () => {
  const schedule = {
    startTime: T0,
    intervalMinutes: 15,
    loads: [
      { id: 'a', start: T0, end: T0 + 2 * Q, powerKw: 10 },
      { id: 'b', start: T0 + Q, end: T0 + 3 * Q, powerKw: 5 },
    ],
    profileKw: [],
    cost: { energy: 0, demand: 0, total: 0 },
    peakKw: 0,
    gap: 0,
    status: 'optimal' as const,
    saving: { money: 0, peakKw: 0 },
  };

  it('emits each command once, at its time on a controllable clock', () => {
    const timeline = new CommandTimeline(planCommands(schedule));
    assert.equal(timeline.nextAt(), T0);
    assert.deepEqual(timeline.take(T0 - 1).send, []);
    assert.deepEqual(timeline.take(T0).send.map((c) => `${c.loadId}:${c.action}`), ['a:start']);
    assert.deepEqual(timeline.take(T0).send, []);
    assert.equal(timeline.nextAt(), T0 + Q);
    assert.deepEqual(timeline.take(T0 + 2 * Q).send.map((c) => `${c.loadId}:${c.action}@${(c.at - T0) / Q}`), ['b:start@1', 'a:stop@2']);
    // A restart from the snapshot repeats nothing and misses nothing.
    const restored = CommandTimeline.restore(JSON.parse(JSON.stringify(timeline.snapshot())));
    assert.deepEqual(restored.take(T0 + 2 * Q).send, []);
    assert.deepEqual(restored.take(T0 + 3 * Q).send.map((c) => `${c.loadId}:${c.action}`), ['b:stop']);
    assert.equal(restored.nextAt(), undefined);
  });

  it('after downtime does not replay a run that started and ended unseen', () => {
    const timeline = new CommandTimeline(planCommands(schedule));
    const due = timeline.take(T0 + 2 * Q + 1);
    assert.deepEqual(due.missed.map((c) => `${c.loadId}:${c.action}`), ['a:start', 'a:stop']);
    assert.deepEqual(due.send.map((c) => `${c.loadId}:${c.action}`), ['b:start']);
  });
});
