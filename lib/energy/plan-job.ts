// The whole planning job as it runs inside the worker thread: greedy plan first (reported at once,
// so the caller always has a fallback), a local search on it, then the MILP warm-started with the
// result; every improving
// solution is decoded to placements and reported, so the best plan so far survives a stopped worker.
import { diagnose } from './diagnose';
import { type Placement, evaluate, violations } from './evaluate';
import { greedyPlan, searchPlan } from './greedy';
import { type SolverStatus, solveMilp } from './highs-solve';
import { buildMilp } from './milp';
import { parseProblem } from './problem';

export interface PlanJob {
  input: unknown;
  now: number;
  /** Wall-clock budget for the whole job (greedy, model build and solve), seconds. */
  timeLimitSeconds: number;
  gap: number;
  /** When the caller started the job (ms epoch): the budget counts from here. */
  startedAt?: number;
}

export type JobEvent =
  | { type: 'greedy'; placements: Placement[]; unplaced: string[]; valid: boolean }
  | { type: 'progress'; placements: Placement[]; gap: number }
  | { type: 'result'; status: SolverStatus; placements?: Placement[]; gap: number; seconds: number; message?: string };

export async function runPlanJob(job: PlanJob, emit: (e: JobEvent) => void): Promise<void> {
  const problem = parseProblem(job.input, job.now);
  const diagnosis = diagnose(problem);
  const greedy = greedyPlan(problem, diagnosis);
  const valid = greedy.unplaced.length === 0 && violations(problem, greedy.placements).length === 0;
  emit({ type: 'greedy', placements: greedy.placements, unplaced: greedy.unplaced, valid });
  if (valid) {
    // Part of the budget goes to a local search that levels the profile; HiGHS starts from its plan.
    const searchMs = Math.min(10_000, 400 * job.timeLimitSeconds);
    const before = evaluate(problem, greedy.placements).total;
    const searched = greedy.placements.slice();
    searchPlan(problem, diagnosis, searched, searchMs);
    if (violations(problem, searched).length === 0 && evaluate(problem, searched).total < before) {
      greedy.placements.splice(0, greedy.placements.length, ...searched);
      emit({ type: 'progress', placements: searched, gap: Infinity });
    }
  }
  const model = buildMilp(problem, diagnosis);
  // What is left of the budget goes to HiGHS (it also spends part of it reading and presolving).
  const spent = (Date.now() - (job.startedAt ?? Date.now())) / 1000;
  const left = Math.max(0.05, job.timeLimitSeconds - spent - Math.max(0.5, 0.15 * job.timeLimitSeconds));
  const result = await solveMilp(
    { lp: model.lp, columns: model.columns, warmStart: valid ? model.encode(greedy.placements) : undefined, timeLimitSeconds: left, gap: job.gap },
    (p) => emit({ type: 'progress', placements: model.decode(p.values), gap: p.gap }),
  );
  emit({ type: 'result', status: result.status, placements: result.values ? model.decode(result.values) : undefined, gap: result.gap, seconds: result.seconds, message: result.message });
}
