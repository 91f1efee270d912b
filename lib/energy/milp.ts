// The MILP in CPLEX LP text for HiGHS. Block loads choose one start slot among binaries x (the
// time-indexed form: its LP relaxation is tight, so branch and bound closes fast); splittable loads
// have on/start/stop binaries o/u/v with min on/off and starts per day; one variable M carries the
// demand peak (every slot's plant kW <= M, M >= the period's peak so far).
import type { Diagnosis } from './diagnose';
import { startsUnderLimit } from './diagnose';
import type { Placement } from './evaluate';
import { latestFinishes } from './greedy';
import { type Load, type Problem, slotCost } from './problem';

export interface MilpModel {
  lp: string;
  /** Column names in this model's own order (the order of values in encode/decode). */
  columns: string[];
  binaries: number;
  rows: number;
  /** Objective offset included through the fixed column K (base-load energy, optional values). */
  decode(values: ArrayLike<number>): Placement[];
  encode(placements: Placement[]): number[];
}

type Term = [coef: number, col: number];

const num = (x: number) => (Math.abs(x) < 1e-12 ? '0' : Number(x.toPrecision(12)).toString());

export function buildMilp(problem: Problem, diagnosis: Diagnosis): MilpModel {
  const { loads, horizon } = problem;
  const columns: string[] = [];
  const lower: number[] = [];
  const upper: number[] = [];
  const cost: number[] = [];
  const binary: boolean[] = [];
  const rows: string[] = [];
  const col = (name: string, lo: number, hi: number, c: number, isBin: boolean) => {
    columns.push(name);
    lower.push(lo);
    upper.push(hi);
    cost.push(c);
    binary.push(isBin);
    return columns.length - 1;
  };
  const row = (name: string, terms: Term[], sense: '<=' | '>=' | '=', rhs: number) => {
    const parts: string[] = [];
    for (const [c, j] of terms) if (c !== 0) parts.push(`${c < 0 ? '-' : '+'} ${num(Math.abs(c))} ${columns[j]}`);
    if (parts.length === 0) return;
    const lines: string[] = [];
    for (let k = 0; k < parts.length; k += 12) lines.push(parts.slice(k, k + 12).join(' '));
    rows.push(` ${name}: ${lines.join('\n   ')} ${sense} ${num(rhs)}`);
  };

  const lf = latestFinishes(problem, diagnosis);
  const base = problem.baseLoadKw.slice();
  const slotTerms: Term[][] = Array.from({ length: horizon }, () => []);

  // Block and running loads.
  const x: Array<Map<number, number>> = loads.map(() => new Map());
  const o: Array<Map<number, number>> = loads.map(() => new Map());
  const u: Array<Map<number, number>> = loads.map(() => new Map());
  const v: Array<Map<number, number>> = loads.map(() => new Map());
  const r: Array<number | undefined> = loads.map(() => undefined);
  const lo = loads.map((l, i) => diagnosis.readyAt[i] ?? l.earliest);
  const hi = loads.map((l, i) => Math.min(l.deadline, lf[i]));
  const need = (l: Load) => (l.splittable ? l.duration - l.done : l.duration);

  let optionalValue = 0;
  loads.forEach((l, i) => {
    if (l.fixedStart !== undefined) {
      for (let k = 0; k < l.duration; k++) {
        const s = l.fixedStart + k;
        if (s >= 0 && s < horizon) base[s] += l.profile[k];
      }
      return;
    }
    if (diagnosis.excluded.has(l.id)) return;
    if (l.optional) {
      r[i] = col(`r${i}`, 0, 1, -l.value, true);
      optionalValue += l.value;
    }
    if (!l.splittable) {
      const starts = startsUnderLimit(problem, l, lo[i], hi[i] - l.duration);
      for (const s of starts) {
        let c = 0;
        for (let k = 0; k < l.duration; k++) c += slotCost(problem, s + k) * l.profile[k];
        const j = col(`x${i}_${s}`, 0, 1, c, true);
        x[i].set(s, j);
        for (let k = 0; k < l.duration; k++) slotTerms[s + k].push([l.profile[k], j]);
      }
      const terms: Term[] = [...x[i].values()].map((j) => [1, j]);
      if (r[i] !== undefined) row(`one${i}`, [...terms, [-1, r[i] as number]], '=', 0);
      else row(`one${i}`, terms, '=', 1);
      return;
    }
    // Splittable.
    const first = l.runningFor ? 0 : lo[i];
    const last = hi[i];
    const p = l.profile[0];
    const forcedOn = l.runningFor ? Math.min(need(l), Math.max(0, l.minOn - l.runningFor)) : 0;
    for (let t = first; t < last; t++) {
      const j = col(`o${i}_${t}`, t - first < forcedOn ? 1 : 0, 1, slotCost(problem, t) * p, true);
      o[i].set(t, j);
      slotTerms[t].push([p, j]);
    }
    const onTerms: Term[] = [...o[i].values()].map((j) => [1, j]);
    if (r[i] !== undefined) row(`work${i}`, [...onTerms, [-need(l), r[i] as number]], '=', 0);
    else row(`work${i}`, onTerms, '=', need(l));
    const needUV = l.minOn > 1 || l.minOff > 0 || Number.isFinite(l.maxStartsPerDay);
    if (!needUV) return;
    for (let t = first; t < last; t++) {
      u[i].set(t, col(`u${i}_${t}`, 0, 1, 0, true));
      v[i].set(t, col(`v${i}_${t}`, 0, 1, 0, true));
    }
    for (let t = first; t < last; t++) {
      const terms: Term[] = [[1, u[i].get(t) as number], [-1, v[i].get(t) as number], [-1, o[i].get(t) as number]];
      const prev = o[i].get(t - 1);
      if (prev !== undefined) terms.push([1, prev]);
      row(`sw${i}_${t}`, terms, '=', t === first && l.runningFor ? -1 : 0);
    }
    if (l.minOn > 1) {
      for (let t = first; t < last + l.minOn - 1; t++) {
        const terms: Term[] = [];
        for (let tau = Math.max(first, t - l.minOn + 1); tau <= Math.min(t, last - 1); tau++) terms.push([1, u[i].get(tau) as number]);
        const on = o[i].get(t);
        if (on !== undefined) terms.push([-1, on]);
        row(`up${i}_${t}`, terms, '<=', 0);
      }
    }
    if (l.minOff > 0) {
      for (let t = first; t < last; t++) {
        const terms: Term[] = [];
        for (let tau = Math.max(first, t - l.minOff + 1); tau <= t; tau++) terms.push([1, v[i].get(tau) as number]);
        terms.push([1, o[i].get(t) as number]);
        row(`dn${i}_${t}`, terms, '<=', 1);
      }
    }
    if (Number.isFinite(l.maxStartsPerDay)) {
      const days = [...problem.dayStarts, horizon];
      for (let d = 0; d + 1 < days.length; d++) {
        const terms: Term[] = [];
        for (let t = Math.max(first, days[d]); t < Math.min(last, days[d + 1]); t++) terms.push([1, u[i].get(t) as number]);
        row(`st${i}_${d}`, terms, '<=', l.maxStartsPerDay);
      }
    }
  });

  // Precedence: j may have started by t only if i has finished by t.
  const byId = new Map(loads.map((l, i) => [l.id, i]));
  loads.forEach((lj, j) => {
    if (lj.fixedStart !== undefined || diagnosis.excluded.has(lj.id)) return;
    for (const a of lj.after) {
      const i = byId.get(a);
      if (i === undefined) continue;
      const li = loads[i];
      const jSlots = lj.splittable ? [...o[j].keys()] : [...x[j].keys()];
      for (const t of jSlots) {
        const started: Term[] = lj.splittable ? [[1, o[j].get(t) as number]] : [...x[j]].filter(([s]) => s <= t).map(([, c]) => [1, c] as Term);
        if (li.fixedStart !== undefined) {
          if (li.fixedStart + li.duration > t) row(`pr${j}_${i}_${t}`, started, '<=', 0);
          continue;
        }
        if (li.splittable) {
          const done: Term[] = [...o[i]].filter(([s]) => s < t).map(([, c]) => [-1, c] as Term);
          row(`pr${j}_${i}_${t}`, [...started.map(([c, k]) => [c * need(li), k] as Term), ...done], '<=', 0);
        } else {
          const done: Term[] = [...x[i]].filter(([s]) => s + li.duration <= t).map(([, c]) => [-1, c] as Term);
          row(`pr${j}_${i}_${t}`, [...started, ...done], '<=', 0);
        }
      }
    }
  });

  // Peak: plant kW in every slot <= M; M >= the period's peak so far; the contracted limit.
  let peakFloor = problem.peakSoFarKw;
  for (const b of base) peakFloor = Math.max(peakFloor, b);
  const limit = problem.contractLimitKw;
  const limitOnM = limit !== undefined && limit >= peakFloor;
  const M = col('M', peakFloor, limitOnM ? (limit as number) : Infinity, problem.demandCharge, false);
  for (let t = 0; t < horizon; t++) {
    row(`pk${t}`, [...slotTerms[t], [-1, M]], '<=', -base[t]);
    if (limit !== undefined && !limitOnM && slotTerms[t].length) row(`lim${t}`, slotTerms[t], '<=', limit - base[t]);
  }
  // Valid cuts that the relaxation misses when it spreads a load thinly over many starts: wherever a
  // load runs, the peak is at least the base load plus that load in its highest slot.
  loads.forEach((l, i) => {
    if (x[i].size > 1) {
      const terms: Term[] = [[1, M]];
      for (const [s, j] of x[i]) {
        let h = 0;
        for (let k = 0; k < l.duration; k++) h = Math.max(h, base[s + k] + l.profile[k]);
        if (h > peakFloor) terms.push([-h, j]);
      }
      if (terms.length > 1) row(`cut${i}`, terms, '>=', 0);
    } else if (o[i].size > need(l) && need(l) > 0) {
      const terms: Term[] = [[1, M]];
      for (const [t, j] of o[i]) terms.push([-(base[t] + l.profile[0]) / need(l), j]);
      row(`cut${i}`, terms, '>=', 0);
    }
  });
  let baseEnergy = 0;
  for (let t = 0; t < horizon; t++) baseEnergy += slotCost(problem, t) * base[t];
  col('K', 1, 1, baseEnergy + optionalValue, false);

  const objective: string[] = [];
  cost.forEach((c, j) => {
    if (c !== 0) objective.push(`${c < 0 ? '-' : '+'} ${num(Math.abs(c))} ${columns[j]}`);
  });
  const objLines: string[] = [];
  for (let k = 0; k < objective.length; k += 12) objLines.push(objective.slice(k, k + 12).join(' '));
  const bounds: string[] = [];
  const bins: string[] = [];
  columns.forEach((name, j) => {
    if (binary[j]) {
      bins.push(name);
      if (lower[j] > 0) bounds.push(` ${name} = ${num(lower[j])}`);
      else bounds.push(` 0 <= ${name} <= 1`);
    } else bounds.push(` ${num(lower[j])} <= ${name} <= ${Number.isFinite(upper[j]) ? num(upper[j]) : '+inf'}`);
  });
  const binLines: string[] = [];
  for (let k = 0; k < bins.length; k += 20) binLines.push(' ' + bins.slice(k, k + 20).join(' '));
  const lp = ['Minimize', ` obj: ${objLines.join('\n   ') || '0 K'}`, 'Subject To', ...rows, 'Bounds', ...bounds, ...(bins.length ? ['Binaries', ...binLines] : []), 'End', ''].join('\n');

  const decode = (values: ArrayLike<number>): Placement[] =>
    loads.map((l, i) => {
      if (l.fixedStart !== undefined) return { skipped: false, start: l.fixedStart };
      if (diagnosis.excluded.has(l.id)) return { skipped: true };
      if (r[i] !== undefined && values[r[i] as number] < 0.5) return { skipped: true };
      if (!l.splittable) {
        let bestS = -1;
        let bestV = -1;
        for (const [s, j] of x[i]) if (values[j] > bestV) [bestS, bestV] = [s, values[j]];
        return bestS < 0 ? { skipped: true } : { skipped: false, start: bestS };
      }
      const slots = [...o[i]].filter(([, j]) => values[j] > 0.5).map(([t]) => t).sort((a, b) => a - b);
      return { skipped: false, slots };
    });

  const encode = (placements: Placement[]): number[] => {
    const values = new Array(columns.length).fill(0);
    const profile = base.slice();
    loads.forEach((l, i) => {
      const p = placements[i];
      if (l.fixedStart !== undefined || diagnosis.excluded.has(l.id)) return;
      if (r[i] !== undefined) values[r[i] as number] = p.skipped ? 0 : 1;
      if (p.skipped) return;
      if (!l.splittable) {
        const j = x[i].get(p.start ?? -1);
        if (j !== undefined) values[j] = 1;
        for (let k = 0; k < l.duration; k++) profile[(p.start ?? 0) + k] += l.profile[k];
        return;
      }
      const on = new Set(p.slots ?? []);
      for (const [t, j] of o[i]) {
        values[j] = on.has(t) ? 1 : 0;
        if (on.has(t)) profile[t] += l.profile[0];
      }
      for (const [t, j] of u[i]) {
        const prev = t === (l.runningFor ? 0 : lo[i]) ? (l.runningFor ? 1 : 0) : on.has(t - 1) ? 1 : 0;
        const now = on.has(t) ? 1 : 0;
        values[j] = now > prev ? 1 : 0;
        values[v[i].get(t) as number] = prev > now ? 1 : 0;
      }
    });
    values[M] = Math.max(peakFloor, ...profile);
    values[columns.length - 1] = 1;
    return values;
  };

  return { lp, columns, binaries: bins.length, rows: rows.length, decode, encode };
}
