// What a plan costs: the plant profile (base load plus every placed load), energy and demand cost,
// and the rules it breaks, shared by the naive, greedy and MILP plans so they are compared alike.
import { type Load, type Problem, slotCost } from './problem';

/** Where one load runs: a block's start slot, or a splittable load's on-slots; skipped = left out. */
export interface Placement {
  skipped: boolean;
  /** Block loads: the start slot (may be negative for a run begun before the plan). */
  start?: number;
  /** Splittable loads: slots it is on, ascending. */
  slots?: number[];
}

export interface Evaluation {
  profileKw: number[];
  energyCost: number;
  demandCost: number;
  /** Value given up by skipping optional loads (objective only, not money billed). */
  skipPenalty: number;
  total: number;
  peakKw: number;
}

/** kW a load draws in each plan slot. */
export function loadPower(problem: Problem, load: Load, p: Placement): Array<[slot: number, kw: number]> {
  const out: Array<[number, number]> = [];
  if (p.skipped) return out;
  if (load.splittable) {
    for (const s of p.slots ?? []) if (s >= 0 && s < problem.horizon) out.push([s, load.profile[0]]);
    return out;
  }
  const start = p.start ?? 0;
  for (let k = 0; k < load.duration; k++) {
    const s = start + k;
    if (s >= 0 && s < problem.horizon) out.push([s, load.profile[k]]);
  }
  return out;
}

export function plantProfile(problem: Problem, placements: Placement[]): number[] {
  const profile = problem.baseLoadKw.slice();
  problem.loads.forEach((l, i) => {
    for (const [s, kw] of loadPower(problem, l, placements[i])) profile[s] += kw;
  });
  return profile;
}

export function evaluate(problem: Problem, placements: Placement[]): Evaluation {
  const profileKw = plantProfile(problem, placements);
  let energyCost = 0;
  for (let s = 0; s < problem.horizon; s++) energyCost += slotCost(problem, s) * profileKw[s];
  const peakKw = Math.max(0, ...profileKw);
  const demandCost = problem.demandCharge * Math.max(peakKw, problem.peakSoFarKw);
  let skipPenalty = 0;
  problem.loads.forEach((l, i) => {
    if (placements[i].skipped) skipPenalty += l.value;
  });
  return { profileKw, energyCost, demandCost, skipPenalty, total: energyCost + demandCost + skipPenalty, peakKw };
}

/** Slot after which a placed load is finished (end exclusive), -Infinity when skipped. */
export function finishSlot(load: Load, p: Placement): number {
  if (p.skipped) return -Infinity;
  if (load.splittable) {
    const slots = p.slots ?? [];
    return slots.length ? slots[slots.length - 1] + 1 : load.runningFor ? 0 : -Infinity;
  }
  return (p.start ?? 0) + load.duration;
}

export function firstSlot(load: Load, p: Placement): number {
  if (load.splittable) return p.slots && p.slots.length ? p.slots[0] : Infinity;
  return p.start ?? 0;
}

/** Rules a plan breaks, in words; empty when it is valid. */
export function violations(problem: Problem, placements: Placement[], tolerance = 1e-6): string[] {
  const out: string[] = [];
  const byId = new Map(problem.loads.map((l, i) => [l.id, i]));
  problem.loads.forEach((l, i) => {
    const p = placements[i];
    if (p.skipped) {
      if (!l.optional) out.push(`load "${l.id}" is required but not placed`);
      return;
    }
    if (l.splittable) {
      const slots = p.slots ?? [];
      if (slots.length !== l.duration - l.done) out.push(`load "${l.id}" runs ${slots.length} slots, needs ${l.duration - l.done}`);
      if (slots.some((s) => s < l.earliest || s >= l.deadline)) out.push(`load "${l.id}" runs outside its window`);
    } else if (l.fixedStart === undefined) {
      const s = p.start ?? -1;
      if (s < l.earliest || s + l.duration > l.deadline) out.push(`load "${l.id}" runs outside its window`);
    }
    for (const a of l.after) {
      const j = byId.get(a);
      if (j === undefined) continue;
      if (placements[j].skipped || finishSlot(problem.loads[j], placements[j]) > firstSlot(l, p)) out.push(`load "${l.id}" starts before "${a}" finishes`);
    }
  });
  if (problem.contractLimitKw !== undefined) {
    const profile = plantProfile(problem, placements);
    const s = profile.findIndex((kw) => kw > (problem.contractLimitKw as number) + tolerance);
    if (s >= 0) out.push(`slot ${s}: ${profile[s].toFixed(1)} kW exceeds the contracted ${problem.contractLimitKw} kW`);
  }
  return out;
}
