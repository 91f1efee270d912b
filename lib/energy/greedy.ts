// Two quick plans: the naive one (every load at its earliest start, the reference for savings) and
// a greedy one (loads placed one by one where they add least cost, then improved by moving single
// loads) that warm-starts the MILP and is the fallback when the solver has nothing better.
import type { Diagnosis } from './diagnose';
import { type Placement, evaluate, finishSlot, firstSlot } from './evaluate';
import { type Load, type Problem, slotCost } from './problem';

export interface GreedyResult {
  placements: Placement[];
  /** Required loads the greedy could not place under the contracted limit. */
  unplaced: string[];
}

const fixedPlacement = (l: Load): Placement | undefined => {
  if (l.fixedStart !== undefined) return { skipped: false, start: l.fixedStart };
  return undefined;
};

function blockSlots(start: number, length: number): number[] {
  return Array.from({ length }, (_, k) => start + k);
}

/** Every load at its earliest start (after its predecessors), ignoring tariffs and limits. */
export function naivePlan(problem: Problem, diagnosis: Diagnosis): Placement[] {
  const placements: Placement[] = problem.loads.map(() => ({ skipped: true }));
  const byId = new Map(problem.loads.map((l, i) => [l.id, i]));
  for (const i of diagnosis.order) {
    const l = problem.loads[i];
    const fixed = fixedPlacement(l);
    if (fixed) {
      placements[i] = fixed;
      continue;
    }
    if (diagnosis.excluded.has(l.id)) continue;
    let ready = l.splittable && l.runningFor ? 0 : l.earliest;
    for (const a of l.after) {
      const j = byId.get(a);
      if (j !== undefined && !placements[j].skipped) ready = Math.max(ready, finishSlot(problem.loads[j], placements[j]));
    }
    if (l.splittable) {
      const need = l.duration - l.done;
      const start = Math.max(0, Math.min(ready, l.deadline - need));
      placements[i] = { skipped: false, slots: blockSlots(start, need) };
    } else {
      placements[i] = { skipped: false, start: Math.max(0, Math.min(ready, l.deadline - l.duration)) };
    }
  }
  return placements;
}

class Placer {
  readonly profile: number[];
  private readonly byId: Map<string, number>;
  private readonly successors: number[][];

  constructor(readonly problem: Problem, readonly placements: Placement[]) {
    this.profile = problem.baseLoadKw.slice();
    this.byId = new Map(problem.loads.map((l, i) => [l.id, i]));
    this.successors = problem.loads.map(() => []);
    problem.loads.forEach((l, i) => {
      for (const a of l.after) {
        const j = this.byId.get(a);
        if (j !== undefined) this.successors[j].push(i);
      }
    });
    placements.forEach((p, i) => this.apply(i, p, +1));
  }

  power(i: number, p: Placement): Array<[number, number]> {
    const l = this.problem.loads[i];
    const out: Array<[number, number]> = [];
    if (p.skipped) return out;
    if (l.splittable) for (const s of p.slots ?? []) out.push([s, l.profile[0]]);
    else for (let k = 0; k < l.duration; k++) out.push([(p.start ?? 0) + k, l.profile[k]]);
    return out.filter(([s]) => s >= 0 && s < this.problem.horizon);
  }

  apply(i: number, p: Placement, sign: 1 | -1): void {
    for (const [s, kw] of this.power(i, p)) this.profile[s] += sign * kw;
    if (sign > 0) this.placements[i] = p;
  }

  /** When set, placements are scored with a p-norm of the profile in place of its maximum (smooth peak). */
  surrogate: { p: number; scale: number } | null = null;

  private pnormSum(): number {
    const { p, scale } = this.surrogate as { p: number; scale: number };
    let sum = 0;
    for (const kw of this.profile) sum += Math.pow(Math.max(0, kw) / scale, p);
    return sum;
  }

  /** Energy cost plus demand charge on the peak (or on its p-norm stand-in). */
  objective(): number {
    if (this.surrogate) return this.energy() + this.problem.demandCharge * this.surrogate.scale * Math.pow(this.pnormSum(), 1 / this.surrogate.p);
    return this.energy() + this.problem.demandCharge * this.peakLevel();
  }

  flatness(): number {
    let sum = 0;
    for (const kw of this.profile) sum += kw * kw;
    return sum;
  }

  peakLevel(): number {
    let m = this.problem.peakSoFarKw;
    for (const kw of this.profile) if (kw > m) m = kw;
    return m;
  }

  /** Window a load may use given where its predecessors and successors are now. */
  window(i: number, latestFinish: number[]): [number, number] {
    const l = this.problem.loads[i];
    let lo = l.earliest;
    for (const a of l.after) {
      const j = this.byId.get(a);
      if (j !== undefined && !this.placements[j].skipped) lo = Math.max(lo, finishSlot(this.problem.loads[j], this.placements[j]));
    }
    let hi = Math.min(l.deadline, latestFinish[i]);
    for (const j of this.successors[i]) {
      if (!this.placements[j].skipped && this.placements[j] !== UNSET) hi = Math.min(hi, firstSlot(this.problem.loads[j], this.placements[j]));
    }
    return [lo, hi];
  }

  /** Cheapest contiguous run for load i inside [lo, hi), or undefined when none fits the limit. */
  best(i: number, lo: number, hi: number, cap = Infinity): { placement: Placement; cost: number; flat: number } | undefined {
    const l = this.problem.loads[i];
    const single = this.bestRun(i, lo, hi, cap);
    if (!l.splittable || l.runningFor) return single;
    // Splittable: also try runs (each >= min on, min off apart, no more than the starts per day):
    // two runs of every split, or k equal runs, placed left to right and right to left.
    const need = l.duration - l.done;
    const minRun = Math.max(1, l.minOn);
    const maxRuns = Math.min(Number.isFinite(l.maxStartsPerDay) ? l.maxStartsPerDay : 4, Math.floor(need / minRun), 4);
    const candidates: number[][] = [];
    if (maxRuns >= 2) for (let a = minRun; need - a >= minRun; a++) candidates.push([a, need - a]);
    for (let k = 3; k <= maxRuns; k++) candidates.push(Array.from({ length: k }, (_, c) => Math.floor(need / k) + (c < need % k ? 1 : 0)));
    let best = single;
    const flat0 = this.flatness();
    const objective0 = this.objective();
    const gap = Math.max(1, l.minOff);
    for (const lengths of candidates) {
      for (const forward of [true, false]) {
        const k = lengths.length;
        const placed: Placement[] = [];
        let ok = true;
        let from = lo;
        let to = hi;
        for (let step = 0; step < k && ok; step++) {
          const c = forward ? step : k - 1 - step;
          const after = lengths.slice(c + 1).reduce((x, y) => x + y, 0) + (k - c - 1) * gap;
          const before = lengths.slice(0, c).reduce((x, y) => x + y, 0) + c * gap;
          const run = forward ? this.bestRun(i, from, hi - after, cap, lengths[c]) : this.bestRun(i, lo + before, to, cap, lengths[c]);
          if (!run) ok = false;
          else {
            placed.push(run.placement);
            this.apply(i, run.placement, +1);
            const slots = run.placement.slots as number[];
            if (forward) from = slots[slots.length - 1] + 1 + gap;
            else to = slots[0] - gap;
          }
        }
        const cost = this.objective() - objective0;
        const flat = this.flatness() - flat0;
        for (const pl of placed) this.apply(i, pl, -1);
        if (!ok) continue;
        const slots = placed.flatMap((pl) => pl.slots as number[]).sort((x, y) => x - y);
        if (!best || cost < best.cost - 1e-9 || (cost < best.cost + 1e-9 && flat < best.flat - 1e-9)) best = { placement: { skipped: false, slots }, cost, flat };
      }
    }
    return best;
  }


  energy(): number {
    let sum = 0;
    for (let s = 0; s < this.profile.length; s++) sum += slotCost(this.problem, s) * this.profile[s];
    return sum;
  }

  /** Cheapest contiguous run (of `length` slots, default the whole remaining work). */
  bestRun(i: number, lo: number, hi: number, cap = Infinity, length?: number): { placement: Placement; cost: number; flat: number } | undefined {
    const { problem } = this;
    const l = problem.loads[i];
    const need = length ?? (l.splittable ? l.duration - l.done : l.duration);
    const shape = l.splittable ? new Array(need).fill(l.profile[0]) : l.profile;
    const limit = Math.min(problem.contractLimitKw ?? Infinity, cap);
    const level = this.peakLevel();
    const sur = this.surrogate;
    const sum0 = sur ? this.pnormSum() : 0;
    const norm0 = sur ? Math.pow(sum0, 1 / sur.p) : 0;
    let best: { placement: Placement; cost: number; flat: number } | undefined;
    const first = l.splittable && l.runningFor ? 0 : lo;
    const last = l.splittable && l.runningFor ? 0 : hi - need;
    for (let s = first; s <= last; s++) {
      let energy = 0;
      let peak = level;
      let flat = 0;
      let dsum = 0;
      let ok = true;
      for (let k = 0; k < need; k++) {
        const kw = this.profile[s + k] + shape[k];
        if (kw > limit + 1e-9) {
          ok = false;
          break;
        }
        if (sur) dsum += Math.pow(kw / sur.scale, sur.p) - Math.pow(Math.max(0, this.profile[s + k]) / sur.scale, sur.p);
        energy += slotCost(problem, s + k) * shape[k];
        // Flatness (sum of squares added) breaks ties on the peak plateau towards level profiles.
        flat += kw * kw - this.profile[s + k] * this.profile[s + k];
        if (kw > peak) peak = kw;
      }
      if (!ok) continue;
      const cost = sur ? energy + problem.demandCharge * sur.scale * (Math.pow(sum0 + dsum, 1 / sur.p) - norm0) : energy + problem.demandCharge * (peak - level);
      if (!best || cost < best.cost - 1e-9 || (cost < best.cost + 1e-9 && flat < best.flat - 1e-9)) {
        best = { placement: l.splittable ? { skipped: false, slots: blockSlots(s, need) } : { skipped: false, start: s }, cost, flat };
      }
    }
    return best;
  }
}

function runsOf(slots: number[]): Array<[start: number, end: number]> {
  const runs: Array<[number, number]> = [];
  for (const s of slots) {
    const last = runs[runs.length - 1];
    if (last && last[1] === s) last[1] = s + 1;
    else runs.push([s, s + 1]);
  }
  return runs;
}

/** Whether on-slots respect a splittable load's window, min on/off and starts per day. */
function validSplit(problem: Problem, l: Load, slots: number[], lo: number, hi: number): boolean {
  const runs = runsOf(slots);
  if (slots.length !== l.duration - l.done) return false;
  if (slots.some((s) => s < lo || s >= hi)) return false;
  for (let r = 0; r < runs.length; r++) {
    if (runs[r][1] - runs[r][0] < Math.max(1, l.minOn)) return false;
    if (r > 0 && runs[r][0] - runs[r - 1][1] < Math.max(1, l.minOff)) return false;
  }
  if (Number.isFinite(l.maxStartsPerDay)) {
    const days = [...problem.dayStarts, problem.horizon];
    for (let d = 0; d + 1 < days.length; d++) if (runs.filter(([a]) => a >= days[d] && a < days[d + 1]).length > l.maxStartsPerDay) return false;
  }
  return true;
}

/**
 * Finer moves for a splittable load: shift one run elsewhere, or move one slot from the end of one
 * run to the end of another; keeps each change that lowers the cost (or the p-norm stand-in).
 */
function refineSplit(problem: Problem, placer: Placer, i: number, score: () => number, lo: number, hi: number): boolean {
  const l = problem.loads[i];
  if (!l.splittable || l.runningFor || placer.placements[i].skipped) return false;
  let improved = false;
  let current = score();
  const tryPlacement = (slots: number[]): boolean => {
    if (!validSplit(problem, l, slots, lo, hi)) return false;
    const old = placer.placements[i];
    placer.apply(i, old, -1);
    const next: Placement = { skipped: false, slots };
    placer.apply(i, next, +1);
    const after = score();
    if (after < current - 1e-7) {
      current = after;
      return true;
    }
    placer.apply(i, next, -1);
    placer.apply(i, old, +1);
    return false;
  };
  for (let pass = 0; pass < 2; pass++) {
    const runs = runsOf(placer.placements[i].slots ?? []);
    let changed = false;
    // Shift each run to every other start where it fits.
    for (let r = 0; r < runs.length && !changed; r++) {
      const len = runs[r][1] - runs[r][0];
      const others = runs.filter((_, k) => k !== r).flatMap(([a, b]) => Array.from({ length: b - a }, (_, k) => a + k));
      for (let s = lo; s + len <= hi && !changed; s++) {
        if (s === runs[r][0]) continue;
        const slots = [...others, ...Array.from({ length: len }, (_, k) => s + k)].sort((x, y) => x - y);
        if (new Set(slots).size !== slots.length) continue;
        if (tryPlacement(slots)) changed = true;
      }
    }
    // Move one slot: from an end of one run to just beyond an end of another (or the same) run.
    const slots0 = placer.placements[i].slots ?? [];
    const ends = runs.flatMap(([a, b]) => [a, b - 1]);
    const targets = runs.flatMap(([a, b]) => [a - 1, b]);
    for (const from of ends) {
      if (changed) break;
      for (const to of targets) {
        if (changed) break;
        if (to === from || slots0.includes(to)) continue;
        const slots = [...slots0.filter((x) => x !== from), to].sort((x, y) => x - y);
        if (tryPlacement(slots)) changed = true;
      }
    }
    if (!changed) break;
    improved = true;
  }
  return improved;
}

const UNSET: Placement = { skipped: true };

export function latestFinishes(problem: Problem, diagnosis: Diagnosis): number[] {
  const lf = problem.loads.map((l) => l.deadline);
  const byId = new Map(problem.loads.map((l, i) => [l.id, i]));
  for (const i of [...diagnosis.order].reverse()) {
    const l = problem.loads[i];
    const need = l.splittable ? l.duration - l.done : l.duration;
    for (const a of l.after) {
      const j = byId.get(a);
      if (j !== undefined && !l.optional) lf[j] = Math.min(lf[j], lf[i] - need);
    }
  }
  return lf;
}

/**
 * Greedy placement under a peak cap found by bisection (the lowest cap the greedy can still meet),
 * compared with the uncapped greedy; the cheaper one is then improved by single-load moves.
 */
export function greedyPlan(problem: Problem, diagnosis: Diagnosis, rounds = 8): GreedyResult {
  const lf = latestFinishes(problem, diagnosis);
  let best = placeAll(problem, diagnosis, lf, Infinity);
  const totalOf = (r: GreedyResult) => (r.unplaced.length ? Infinity : evaluate(problem, r.placements).total);
  let bestTotal = totalOf(best);
  if (problem.demandCharge > 0 && best.unplaced.length === 0) {
    let hi = evaluate(problem, best.placements).peakKw;
    let lo = Math.max(problem.peakSoFarKw, ...problem.baseLoadKw);
    for (let k = 0; k < 14 && hi - lo > 0.01 * Math.max(1, hi); k++) {
      const cap = (lo + hi) / 2;
      const tried = placeAll(problem, diagnosis, lf, cap);
      if (tried.unplaced.length) lo = cap;
      else {
        hi = cap;
        const total = totalOf(tried);
        if (total < bestTotal) [best, bestTotal] = [tried, total];
      }
    }
  }
  if (best.unplaced.length === 0) {
    const placer = new Placer(problem, best.placements);
    if (problem.demandCharge > 0) {
      // Level the profile with a smooth stand-in for the peak, then polish on the true cost.
      const before = best.placements.slice();
      const beforeTotal = evaluate(problem, before).total;
      placer.surrogate = { p: 16, scale: Math.max(1, evaluate(problem, best.placements).peakKw) };
      improve(problem, placer, lf, rounds, true);
      placer.surrogate = null;
      improve(problem, placer, lf, rounds);
      if (evaluate(problem, placer.placements).total > beforeTotal) {
        before.forEach((p, i) => (best.placements[i] = p));
        improve(problem, new Placer(problem, best.placements), lf, rounds);
      }
    } else improve(problem, placer, lf, rounds);
  }
  return best;
}

function placeAll(problem: Problem, diagnosis: Diagnosis, lf: number[], cap: number): GreedyResult {
  const loads = problem.loads;
  const placements: Placement[] = loads.map((l) => fixedPlacement(l) ?? UNSET);
  const placer = new Placer(problem, placements);
  const unplaced: string[] = [];
  const energyOf = (l: Load) => l.profile.reduce((a, b) => a + b, 0) * (l.splittable ? l.duration - l.done : 1) / (l.splittable ? l.profile.length : 1);
  const pending = new Set(loads.map((_, i) => i).filter((i) => placements[i] === UNSET));
  const byId = new Map(loads.map((l, i) => [l.id, i]));
  const isReady = (i: number) => loads[i].after.every((a) => !pending.has(byId.get(a) ?? -1));
  while (pending.size) {
    const ready = [...pending].filter(isReady);
    if (ready.length === 0) break; // a cycle: diagnose reports it
    ready.sort((a, b) => loads[b].priority - loads[a].priority || Number(loads[a].optional) - Number(loads[b].optional) || energyOf(loads[b]) - energyOf(loads[a]) || a - b);
    const i = ready[0];
    pending.delete(i);
    const l = loads[i];
    if (diagnosis.excluded.has(l.id) || l.after.some((a) => placements[byId.get(a) ?? -1]?.skipped && byId.has(a))) {
      placements[i] = { skipped: true };
      if (!l.optional) unplaced.push(l.id);
      continue;
    }
    const [lo, hi] = placer.window(i, lf);
    const found = placer.best(i, lo, hi, cap);
    if (found && (!l.optional || found.cost < l.value)) placer.apply(i, found.placement, +1);
    else {
      placements[i] = { skipped: true };
      if (!l.optional) unplaced.push(l.id);
    }
  }
  return { placements, unplaced };
}

/** Moves one load at a time to its best place while the total cost falls. */
function improve(problem: Problem, placer: Placer, lf: number[], rounds: number, surrogate = false): void {
  const movable = problem.loads.map((l, i) => i).filter((i) => problem.loads[i].fixedStart === undefined && !problem.loads[i].runningFor);
  const total = () => (surrogate ? placer.objective() + evaluate(problem, placer.placements).skipPenalty : evaluate(problem, placer.placements).total);
  let current = total();
  let flat = placer.flatness();
  for (let r = 0; r < rounds; r++) {
    let improved = false;
    for (const i of movable) {
      const l = problem.loads[i];
      const old = placer.placements[i];
      placer.apply(i, old, -1);
      placer.placements[i] = UNSET;
      const [lo, hi] = placer.window(i, lf);
      const found = placer.best(i, lo, hi);
      let next: Placement = old;
      if (found) {
        placer.apply(i, found.placement, +1);
        const after = total();
        const newFlat = placer.flatness();
        placer.apply(i, found.placement, -1);
        if (after < current - 1e-7 || (after < current + 1e-7 && newFlat < flat * (1 - 1e-9))) {
          next = found.placement;
          if (after < current - 1e-7) improved = true;
          current = after;
          flat = newFlat;
        }
      }
      if (l.optional && !old.skipped) {
        placer.placements[i] = { skipped: true };
        const after = total();
        if (after < current - 1e-7) {
          next = { skipped: true };
          current = after;
          improved = true;
        }
      }
      placer.apply(i, next, +1);
      const [wlo, whi] = l.splittable ? (() => {
        const keep = placer.placements[i];
        placer.placements[i] = UNSET;
        const w = placer.window(i, lf);
        placer.placements[i] = keep;
        return w;
      })() : [0, 0];
      if (l.splittable && refineSplit(problem, placer, i, total, wlo, whi)) {
        current = total();
        flat = placer.flatness();
        improved = true;
      }
    }
    if (!improved) break;
  }
}

/**
 * Large-neighbourhood search on a valid plan: take out a few loads (mostly ones running in the peak
 * slot), put them back one by one where they level the profile best (p-norm of the profile as the
 * peak's stand-in), keep the change when the true cost falls. Deterministic for a seed; stops at the
 * time budget. Modifies `placements` in place.
 */
export function searchPlan(problem: Problem, diagnosis: Diagnosis, placements: Placement[], budgetMs: number, seed = 1): number {
  const deadline = Date.now() + budgetMs;
  const lf = latestFinishes(problem, diagnosis);
  const placer = new Placer(problem, placements);
  const movable = problem.loads.map((_, i) => i).filter((i) => problem.loads[i].fixedStart === undefined && !problem.loads[i].runningFor && !placements[i].skipped);
  if (movable.length < 2) return 0;
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let current = evaluate(problem, placements).total;
  // One scale for the whole search so that p-norm values compare across iterations.
  const scale = Math.max(1, placer.peakLevel());
  placer.surrogate = { p: 16, scale };
  let currentSmooth = placer.objective();
  placer.surrogate = null;
  let iterations = 0;
  while (Date.now() < deadline) {
    iterations++;
    const peakSlot = placer.profile.indexOf(Math.max(...placer.profile));
    const atPeak = movable.filter((i) => placer.power(i, placements[i]).some(([s]) => s === peakSlot));
    const k = Math.min(movable.length, 2 + Math.floor(rnd() * Math.min(8, movable.length / 4)));
    const chosen = new Set<number>();
    while (chosen.size < k) {
      const pool = atPeak.length && rnd() < 0.6 ? atPeak : movable;
      chosen.add(pool[Math.floor(rnd() * pool.length)]);
    }
    const removed = [...chosen];
    const saved = removed.map((i) => placements[i]);
    for (const i of removed) {
      placer.apply(i, placements[i], -1);
      placements[i] = UNSET;
    }
    // Re-insert biggest first, ties in random order.
    const order = removed.map((i) => ({ i, key: Math.max(...problem.loads[i].profile) * problem.loads[i].duration * (0.7 + 0.6 * rnd()) })).sort((x, y) => y.key - x.key);
    placer.surrogate = { p: 16, scale };
    let ok = true;
    for (const { i } of order) {
      const [lo, hi] = placer.window(i, lf);
      const found = placer.best(i, lo, hi);
      if (!found) {
        ok = false;
        break;
      }
      placer.apply(i, found.placement, +1);
    }
    const smooth = ok ? placer.objective() : Infinity;
    placer.surrogate = null;
    const total = ok ? evaluate(problem, placements).total : Infinity;
    // Better, or as good and smoother (walks the plateaus a peak objective has).
    if (ok && (total < current - 1e-9 || (total < current + 1e-9 && smooth < currentSmooth - 1e-9))) {
      current = Math.min(current, total);
      currentSmooth = smooth;
      continue;
    }
    for (const i of removed) if (placements[i] !== UNSET) placer.apply(i, placements[i], -1);
    removed.forEach((i, k2) => placer.apply(i, saved[k2], +1));
  }
  improve(problem, placer, lf, 4);
  return iterations;
}
