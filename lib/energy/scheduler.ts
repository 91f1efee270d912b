// Plans the flexible loads: parse, diagnose, naive and greedy plans, then the MILP in a worker
// thread warm-started with the greedy plan; publishes the best valid plan it has, saying how good it
// is (optimal, time limit with its gap, or greedy when the solver produced nothing better).
import type { Command, GanttRow, Schedule, ScheduledLoad, ScheduleStatus } from '../contracts';
import { planCommands } from './commands';
import { type Diagnosis, diagnose } from './diagnose';
import { type Evaluation, type Placement, evaluate, violations } from './evaluate';
import { greedyPlan, naivePlan } from './greedy';
import type { SolveResult } from './highs-solve';
import { type Problem, parseProblem } from './problem';
import { solveInWorker } from './worker-client';

export interface PlanOptions {
  /** Time budget of the whole plan (greedy, model and solver), seconds (default 5). */
  timeLimitSeconds?: number;
  /** Relative MIP gap to stop at (default 0.001). */
  gap?: number;
  /** 'worker' runs HiGHS in a worker thread; 'none' publishes the greedy plan. */
  solver?: 'worker' | 'none';
  /** Clock for the default plan start (ms epoch). */
  now?: number;
  /** Extra time the worker gets beyond the solver limit before it is stopped (ms). */
  graceMs?: number;
  /** Called with the gap of each improving plan the solver finds. */
  onProgress?: (gap: number) => void;
}

export interface PlanOutcome {
  schedule: Schedule;
  commands: Command[];
  problem?: Problem;
  solver?: Omit<SolveResult, 'values' | 'objective'>;
}

export interface PlanRun {
  outcome: Promise<PlanOutcome>;
  /** Stops the solver now; the outcome settles with the best plan so far. */
  cancel(reason?: string): void;
}

function segments(problem: Problem, placements: Placement[]): ScheduledLoad[] {
  const slotMs = problem.intervalMinutes * 60_000;
  const at = (slot: number) => problem.startTime + slot * slotMs;
  const out: ScheduledLoad[] = [];
  problem.loads.forEach((l, i) => {
    const p = placements[i];
    if (p.skipped) return;
    if (!l.splittable) {
      const start = p.start ?? 0;
      const varying = l.profile.some((kw) => kw !== l.profile[0]);
      out.push({ id: l.id, start: at(start), end: at(start + l.duration), powerKw: Math.max(...l.profile), priority: l.priority, ...(varying ? { profileKw: l.profile.slice() } : {}) });
      return;
    }
    const slots = p.slots ?? [];
    let k = 0;
    while (k < slots.length) {
      let e = k;
      while (e + 1 < slots.length && slots[e + 1] === slots[e] + 1) e++;
      // A run going on at the plan start began before it: keep its real start time.
      const startSlot = slots[k] === 0 && l.runningFor ? -l.runningFor : slots[k];
      out.push({ id: l.id, start: at(startSlot), end: at(slots[e] + 1), powerKw: l.profile[0], priority: l.priority });
      k = e + 1;
    }
  });
  return out.sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
}

function gantt(problem: Problem, loads: ScheduledLoad[]): GanttRow[] {
  return problem.loads.map((l) => ({
    id: l.id,
    label: l.priority ? `${l.id} (p${l.priority})` : l.id,
    segments: loads.filter((s) => s.id === l.id).map((s) => ({ start: s.start, end: s.end, powerKw: s.powerKw })),
  }));
}

const money = (e: Evaluation) => e.energyCost + e.demandCost;

function infeasibleSchedule(problem: Problem | undefined, problems: string[], startTime: number): PlanOutcome {
  const horizon = problem?.horizon ?? 0;
  const schedule: Schedule = {
    startTime: problem?.startTime ?? startTime,
    intervalMinutes: problem?.intervalMinutes ?? 15,
    loads: [],
    profileKw: problem ? problem.baseLoadKw.slice(0, horizon) : [],
    cost: { energy: 0, demand: 0, total: 0 },
    peakKw: 0,
    gap: 0,
    status: 'infeasible',
    saving: { money: 0, peakKw: 0 },
    problems,
    message: `infeasible: ${problems[0]}`,
    commands: [],
  };
  return { schedule, commands: [], problem };
}

function assemble(problem: Problem, diagnosis: Diagnosis, placements: Placement[], naive: Evaluation, status: ScheduleStatus, gap: number, message: string, solveSeconds: number, extra: string[]): PlanOutcome {
  const ev = evaluate(problem, placements);
  const loads = segments(problem, placements);
  const problems = [...extra];
  problem.loads.forEach((l, i) => {
    if (placements[i].skipped) problems.push(`optional load "${l.id}" left out: ${diagnosis.excluded.get(l.id) ?? 'it costs more than its value or does not fit with the others'}`);
  });
  const schedule: Schedule = {
    startTime: problem.startTime,
    intervalMinutes: problem.intervalMinutes,
    loads,
    profileKw: ev.profileKw.map((kw) => Math.round(kw * 1000) / 1000),
    cost: { energy: ev.energyCost, demand: ev.demandCost, total: money(ev) },
    peakKw: ev.peakKw,
    gap,
    status,
    saving: { money: money(naive) - money(ev), peakKw: naive.peakKw - ev.peakKw },
    message,
    naive: { cost: money(naive), peakKw: naive.peakKw },
    solveSeconds,
    gantt: gantt(problem, loads),
    ...(problems.length ? { problems } : {}),
  };
  const commands = planCommands(schedule);
  schedule.commands = commands;
  return { schedule, commands, problem };
}

/** Plans a request; the promise always settles with a schedule (status says how good it is). */
export function startPlan(input: unknown, options: PlanOptions = {}): PlanRun {
  const t0 = Date.now();
  const now = options.now ?? Date.now();
  const problem = parseProblem(input, now); // bad input throws here, synchronously
  const diagnosis = diagnose(problem);
  if (diagnosis.errors.length) return { outcome: Promise.resolve(infeasibleSchedule(problem, diagnosis.errors, problem.startTime)), cancel: () => undefined };
  const naive = evaluate(problem, naivePlan(problem, diagnosis));
  const valid = (p: Placement[] | undefined): p is Placement[] => !!p && p.length === problem.loads.length && violations(problem, p).length === 0;
  const greedyOutcome = (greedy: Placement[] | undefined, why: string, unplaced: string[] = []): PlanOutcome =>
    valid(greedy)
      ? assemble(problem, diagnosis, greedy, naive, 'greedy', 1, `greedy plan (${why}); optimality gap unknown`, (Date.now() - t0) / 1000, [])
      : infeasibleSchedule(problem, [`no plan found: ${unplaced.length ? `the greedy could not place ${unplaced.map((id) => `"${id}"`).join(', ')} under the contracted limit, and ` : ''}${why}`], problem.startTime);

  const hasChoices = problem.loads.some((l) => l.fixedStart === undefined && !diagnosis.excluded.has(l.id));
  if (options.solver === 'none' || !hasChoices) {
    const g = greedyPlan(problem, diagnosis);
    if (!hasChoices && valid(g.placements)) return { outcome: Promise.resolve(assemble(problem, diagnosis, g.placements, naive, 'optimal', 0, 'optimal: nothing to choose', 0, [])), cancel: () => undefined };
    return { outcome: Promise.resolve(greedyOutcome(g.placements, 'solver disabled', g.unplaced)), cancel: () => undefined };
  }

  const run = solveInWorker(
    { input, now, timeLimitSeconds: options.timeLimitSeconds ?? 5, gap: options.gap ?? 0.001, startedAt: t0 },
    { graceMs: options.graceMs, onProgress: options.onProgress },
  );
  const outcome = run.result.then((res): PlanOutcome => {
    const seconds = (Date.now() - t0) / 1000;
    // The worker died before even the greedy plan: make it here.
    const greedy = res.greedy ?? (() => {
      const g = greedyPlan(problem, diagnosis);
      return { placements: g.placements, unplaced: g.unplaced, valid: valid(g.placements) };
    })();
    const solverResult = { status: res.status, gap: res.gap, seconds: res.seconds, message: res.message };
    if (res.status === 'infeasible') {
      return infeasibleSchedule(problem, [`no plan fits every required load together${problem.contractLimitKw !== undefined ? ` under the contracted ${problem.contractLimitKw} kW` : ''} with their windows and precedence${greedy.unplaced.length ? `; the greedy could not place ${greedy.unplaced.map((id) => `"${id}"`).join(', ')}` : ''}`], problem.startTime);
    }
    const solved = valid(res.placements) ? res.placements : undefined;
    if (!solved) return { ...greedyOutcome(greedy.placements, res.message ?? `solver returned no plan (${res.status})`, greedy.unplaced), solver: solverResult };
    const solvedEv = evaluate(problem, solved);
    const greedyEv = valid(greedy.placements) ? evaluate(problem, greedy.placements) : undefined;
    const useGreedy = greedyEv !== undefined && greedyEv.total < solvedEv.total - 1e-9;
    const chosen = useGreedy ? greedy.placements : solved;
    const gap = Number.isFinite(res.gap) ? res.gap : 1;
    const status: ScheduleStatus = res.status === 'optimal' ? 'optimal' : 'time-limit';
    const message =
      status === 'optimal'
        ? `optimal within ${(gap * 100).toFixed(2)} % in ${seconds.toFixed(1)} s`
        : `time limit: best plan found${useGreedy ? ' (the greedy)' : ''}, gap ${Number.isFinite(res.gap) ? (res.gap * 100).toFixed(1) + ' %' : 'unknown'}${res.message ? ` (${res.message})` : ''}`;
    return { ...assemble(problem, diagnosis, chosen, naive, status, gap, message, seconds, []), solver: solverResult };
  });
  return { outcome, cancel: run.cancel };
}
