// Energy scheduler: a plan request in, the plan (Schedule) on output 1 and timed commands on
// output 2. The MILP runs in a worker thread (lib/energy); this glue keeps the plan and what has
// been sent in the context store, so a restart neither repeats nor misses a command.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Schedule } from '../../lib/contracts';
import { toEpochMs, validateSchedule } from '../../lib/contracts';
import { CommandTimeline, type TimelineSnapshot } from '../../lib/energy/commands';
import type { ProblemInput } from '../../lib/energy/problem';
import { baseLoadFromForecast, withActivePlan } from '../../lib/energy/replan';
import { type PlanRun, startPlan } from '../../lib/energy/scheduler';
import { type Send, errorText, guarded, onInput, status, refuseForBadConfig } from '../shared/glue';
import { contextPersistence } from '../shared/persistence';

interface EnergySchedulerDef extends NodeDef {
  timeLimit: string;
  gap: string;
  clock: string;
  store: string;
}

interface Saved {
  schedule?: Schedule;
  timeline: TimelineSnapshot;
  forecast?: { start: number; intervalMinutes: number; values: number[] };
}

const MAX_TIMER_MS = 3_600_000;

function money(x: number): string {
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(2);
}

export = function register(RED: NodeAPI): void {
  function EnergySchedulerNode(this: Node, config: EnergySchedulerDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let timeLimitSeconds: number;
    let gap: number;
    try {
      timeLimitSeconds = config.timeLimit === undefined || config.timeLimit === '' ? 5 : Number(config.timeLimit);
      if (!Number.isFinite(timeLimitSeconds) || timeLimitSeconds <= 0 || timeLimitSeconds > 3600) throw new Error(`Time limit must be 0..3600 s, got "${config.timeLimit}"`);
      gap = config.gap === undefined || config.gap === '' ? 0.001 : Number(config.gap) / 100;
      if (!Number.isFinite(gap) || gap < 0 || gap > 1) throw new Error(`Gap must be 0..100 %, got "${config.gap}"`);
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }
    const externalClock = config.clock === 'msg';
    let simulatedNow: number | undefined;
    const now = () => (externalClock ? (simulatedNow ?? Date.now()) : Date.now());

    const persistence = contextPersistence<Saved>(node, 'energyScheduler', config.store);
    let schedule: Schedule | undefined;
    let timeline = new CommandTimeline();
    let forecast: Saved['forecast'];
    let solving: PlanRun | undefined;
    let timer: NodeJS.Timeout | undefined;
    let closed = false;
    let lastSend: Send = (msg) => node.send(msg as never);

    const save = () => persistence.save({ schedule, timeline: timeline.snapshot(), forecast }).catch((err) => node.warn(`could not save the plan: ${errorText(err)}`));

    const planStatus = () => {
      if (!schedule) return status.ok(node, 'waiting for a plan request');
      const pending = timeline.pending().length;
      const text = `${schedule.status}: saves ${money(schedule.saving.money)} / ${schedule.saving.peakKw.toFixed(0)} kW, ${pending} cmd pending`;
      if (schedule.status === 'optimal') status.ok(node, text);
      else if (schedule.status === 'infeasible') status.error(node, `infeasible: ${schedule.problems?.[0] ?? ''}`);
      else status.warn(node, text);
    };

    const dispatch = (send: Send) => {
      const due = timeline.take(now());
      for (const c of due.send) send([null, { topic: c.loadId, payload: c }]);
      if (due.missed.length) node.warn(`missed while stopped (not replayed): ${due.missed.map((c) => `${c.loadId} ${c.action} ${new Date(c.at).toISOString()}`).join(', ')}`);
      if (due.send.length || due.missed.length) {
        void save();
        planStatus();
      }
    };

    const arm = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (closed || externalClock) return;
      const next = timeline.nextAt();
      if (next === undefined) return;
      const delay = Math.max(0, Math.min(next - Date.now(), MAX_TIMER_MS));
      timer = setTimeout(
        guarded(node, () => {
          dispatch(lastSend);
          arm();
        }),
        delay,
      );
    };

    const ready = persistence
      .load()
      .then((saved) => {
        if (saved) {
          // Checked whole before any of it is taken, so a damaged save leaves the node empty, not half-restored.
          const restoredSchedule = saved.schedule === undefined ? undefined : validateSchedule(saved.schedule, 'saved plan');
          const restoredTimeline = CommandTimeline.restore(saved.timeline);
          schedule = restoredSchedule;
          timeline = restoredTimeline;
          forecast = saved.forecast;
        }
        planStatus();
        if (!externalClock && !closed) {
          dispatch(lastSend);
          arm();
        }
      })
      .catch((err) => status.warn(node, `could not restore the plan: ${errorText(err)}`));

    onInput(node, async (msg, send, done) => {
      await ready;
      lastSend = send;
      const topic = typeof msg.topic === 'string' ? msg.topic : '';
      const payload = msg.payload as unknown;
      if (topic === 'tick' || topic === 'clock') {
        const t = toEpochMs(payload);
        if (t === undefined) throw new Error(`tick: payload must be the time (epoch ms or ISO), got ${JSON.stringify(payload)}`);
        simulatedNow = t;
        dispatch(send);
        arm();
        return done();
      }
      if (topic === 'forecast' || (typeof payload === 'object' && payload !== null && Array.isArray((payload as { values?: unknown }).values) && 'start' in (payload as object) && !('loads' in (payload as object)))) {
        const f = payload as { start: unknown; intervalMinutes: unknown; values: unknown[] };
        const start = toEpochMs(f.start);
        if (start === undefined || typeof f.intervalMinutes !== 'number' || !(f.intervalMinutes > 0) || !f.values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
          throw new Error('forecast: expected {start, intervalMinutes, values: number[]} (the load forecast node output)');
        }
        forecast = { start, intervalMinutes: f.intervalMinutes, values: f.values as number[] };
        void save();
        status.ok(node, `forecast of ${f.values.length} intervals stored`);
        return done();
      }
      if (topic === 'clear' || payload === 'clear') {
        solving?.cancel('cleared');
        schedule = undefined;
        timeline = new CommandTimeline();
        arm();
        await save();
        planStatus();
        return done();
      }
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        throw new Error(`payload must be a plan request {prices, loads, ...}, a forecast, or topic "tick"/"clear"; got ${payload === null ? 'null' : typeof payload}`);
      }
      const t = now();
      let request = payload as ProblemInput;
      if (request.baseLoadKw === undefined && forecast) {
        const interval = typeof request.intervalMinutes === 'number' ? request.intervalMinutes : 15;
        const slot = interval * 60_000;
        const startTime = toEpochMs(request.startTime) ?? Math.floor(t / slot) * slot;
        const horizon = typeof request.horizon === 'number' ? request.horizon : Array.isArray(request.prices) ? request.prices.length : 96;
        const base = baseLoadFromForecast(forecast, startTime, interval, horizon);
        if (base) request = { ...request, baseLoadKw: base };
        else node.warn('the stored forecast does not cover the plan horizon: planning with zero base load');
      }
      const { input, note } = withActivePlan(request, schedule, t, (id, at) => timeline.isSent({ loadId: id, action: 'start', at, reason: '' }));
      const run = startPlan(input, { timeLimitSeconds, gap, now: t }); // throws on bad input
      solving?.cancel('superseded by a newer request');
      solving = run;
      status.busy(node, `solving (${input.loads.length} loads, up to ${timeLimitSeconds} s)${note.running.length ? `, ${note.running.length} running kept` : ''}`);
      const outcome = await run.outcome;
      if (solving !== run || closed) return done(); // superseded or closed meanwhile
      solving = undefined;
      const plan = outcome.schedule;
      if (plan.status === 'infeasible') {
        send([{ ...msg, topic: 'plan', payload: plan }, null]);
        status.error(node, `infeasible: ${plan.problems?.[0] ?? ''}`);
        return done(new Error(`plan infeasible: ${(plan.problems ?? []).join('; ')}`));
      }
      schedule = plan;
      timeline.replace(outcome.commands);
      await save();
      send([{ ...msg, topic: 'plan', payload: plan, replan: note }, null]);
      dispatch(send);
      arm();
      planStatus();
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (timer) clearTimeout(timer);
      solving?.cancel('node closed');
      solving = undefined;
      ready.then(save).finally(() => done());
    });
  }

  RED.nodes.registerType('millwright-energy-scheduler', EnergySchedulerNode);
};

