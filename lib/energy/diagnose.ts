// Why a load cannot fit, found before any solver runs: window too short, base load leaving no room
// under the contracted limit, a precedence chain that ends too late, or a precedence cycle.
import { type Load, type Problem, latestStart } from './problem';

export interface Diagnosis {
  /** Problems with required loads: the plan is infeasible. */
  errors: string[];
  /** Optional loads that cannot fit, with the reason (they are left out). */
  excluded: Map<string, string>;
  /** Topological order of load indexes (predecessors first). */
  order: number[];
  /** Earliest slot each load can start, after its predecessors at their earliest. */
  readyAt: number[];
}

function clock(problem: Problem, slot: number): string {
  return new Date(problem.startTime + slot * problem.intervalMinutes * 60_000).toISOString().slice(0, 16).replace('T', ' ');
}

/** Start slots at which a block load stays under the contracted limit with the base load alone. */
export function startsUnderLimit(problem: Problem, load: Load, from: number, to: number): number[] {
  const out: number[] = [];
  const limit = problem.contractLimitKw ?? Infinity;
  for (let s = from; s <= to; s++) {
    let ok = true;
    for (let k = 0; k < load.duration && ok; k++) {
      const slot = s + k;
      if (slot >= 0 && slot < problem.horizon && problem.baseLoadKw[slot] + load.profile[k] > limit + 1e-9) ok = false;
    }
    if (ok) out.push(s);
  }
  return out;
}

export function diagnose(problem: Problem): Diagnosis {
  const errors: string[] = [];
  const excluded = new Map<string, string>();
  const loads = problem.loads;
  const byId = new Map(loads.map((l, i) => [l.id, i]));
  const minutes = (slots: number) => slots * problem.intervalMinutes;

  // Topological order; a cycle is an error naming its members.
  const order: number[] = [];
  const state = new Array(loads.length).fill(0);
  const visit = (i: number, path: string[]): void => {
    if (state[i] === 2) return;
    if (state[i] === 1) {
      errors.push(`precedence cycle: ${[...path, loads[i].id].join(' -> ')}`);
      return;
    }
    state[i] = 1;
    for (const a of loads[i].after) {
      const j = byId.get(a);
      if (j !== undefined) visit(j, [...path, loads[i].id]);
    }
    state[i] = 2;
    order.push(i);
  };
  loads.forEach((_, i) => visit(i, []));
  if (errors.length) return { errors, excluded, order, readyAt: loads.map((l) => l.earliest) };

  const earliestFinish = new Array<number>(loads.length).fill(0);
  const readyAt = loads.map((l) => l.earliest);
  const reject = (l: Load, why: string) => {
    if (l.optional) excluded.set(l.id, why);
    else errors.push(`load "${l.id}" cannot fit: ${why}`);
  };
  for (const i of order) {
    const l = loads[i];
    let ready = l.earliest;
    let blocker = '';
    for (const a of l.after) {
      const j = byId.get(a);
      if (j === undefined) continue;
      if (excluded.has(a) && !l.optional) {
        errors.push(`load "${l.id}" cannot fit: it must follow optional load "${a}", which cannot fit (${excluded.get(a)})`);
        continue;
      }
      if (excluded.has(a)) {
        excluded.set(l.id, `it follows "${a}", which cannot fit`);
        continue;
      }
      if (earliestFinish[j] > ready) {
        ready = earliestFinish[j];
        blocker = a;
      }
    }
    if (excluded.has(l.id)) continue;
    readyAt[i] = ready;
    if (l.fixedStart !== undefined) {
      earliestFinish[i] = l.fixedStart + l.duration;
      continue;
    }
    const need = l.duration - l.done;
    const clipped = l.deadline >= problem.horizon ? ' (the end of the plan horizon)' : '';
    if (l.splittable) {
      const room = l.deadline - ready;
      if (room < need) {
        reject(l, `needs ${minutes(need)} min of running between ${clock(problem, ready)} and its deadline ${clock(problem, l.deadline)}${clipped}, only ${minutes(Math.max(0, room))} min available${blocker ? ` once "${blocker}" has finished` : ''}`);
        continue;
      }
      if (problem.contractLimitKw !== undefined) {
        let free = 0;
        for (let s = ready; s < l.deadline; s++) if (problem.baseLoadKw[s] + l.profile[0] <= problem.contractLimitKw + 1e-9) free++;
        if (free < need) {
          reject(l, `its ${l.profile[0]} kW on top of the base load exceeds the contracted ${problem.contractLimitKw} kW in all but ${free} of the ${need} intervals it needs`);
          continue;
        }
      }
      earliestFinish[i] = ready + need;
      continue;
    }
    const last = latestStart(l);
    if (last < ready) {
      reject(
        l,
        `needs ${minutes(l.duration)} min between ${clock(problem, ready)} and its deadline ${clock(problem, l.deadline)}${clipped}, only ${minutes(Math.max(0, l.deadline - ready))} min available${blocker ? ` once "${blocker}" has finished` : ''}`,
      );
      continue;
    }
    if (problem.contractLimitKw !== undefined) {
      const starts = startsUnderLimit(problem, l, ready, last);
      if (starts.length === 0) {
        reject(l, `no start between ${clock(problem, ready)} and ${clock(problem, last)} keeps base load plus its ${Math.max(...l.profile)} kW under the contracted ${problem.contractLimitKw} kW`);
        continue;
      }
      ready = starts[0];
      readyAt[i] = ready;
    }
    earliestFinish[i] = ready + l.duration;
  }
  return { errors, excluded, order, readyAt };
}
