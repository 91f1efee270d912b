// The scheduling problem: what the user sends (times as epoch ms or ISO strings, durations in
// minutes) parsed into a slot-indexed instance the greedy and the MILP both work on.
import { toEpochMs } from '../contracts';

export interface FlexibleLoadInput {
  id: string;
  /** Constant power while running, kW (or give profileKw). */
  powerKw?: number;
  /** Power per interval of one run of the load, kW; its length is the duration unless durationMinutes is given. */
  profileKw?: number[];
  durationMinutes?: number;
  earliestStart?: number | string;
  deadline?: number | string;
  /** May run in several pieces (constant power); otherwise one block. */
  splittable?: boolean;
  minOnMinutes?: number;
  minOffMinutes?: number;
  maxStartsPerDay?: number;
  /** Ids of loads that must finish before this one starts. */
  after?: string[];
  /** Higher is more important: shed last, placed first. */
  priority?: number;
  /** May be left out of the plan when it does not fit or costs more than its value. */
  optional?: boolean;
  /** What running an optional load is worth, in money. */
  value?: number;
}

export interface RunningLoadInput {
  id: string;
  /** When the current run started (epoch ms or ISO). */
  since: number | string;
  /** Splittable loads: minutes of work already done before this plan, including the current run. */
  doneMinutes?: number;
}

export interface ProblemInput {
  startTime?: number | string;
  intervalMinutes?: number;
  /** Number of intervals planned; defaults to the length of prices. */
  horizon?: number;
  /** Price per kWh for each interval (time of use). A single number means a flat price. */
  prices: number[] | number;
  /** Money per kW of the billing period's highest interval-average demand. */
  demandCharge?: number;
  /** Highest interval-average kW already reached in this billing period. */
  peakSoFarKw?: number;
  contractLimitKw?: number;
  /** Forecast base load per interval (kW), or one number for all. */
  baseLoadKw?: number[] | number;
  loads: FlexibleLoadInput[];
  running?: RunningLoadInput[];
  /** Ids of loads already finished (satisfy precedence, are not planned). */
  completed?: string[];
}

export interface Load {
  id: string;
  index: number;
  /** Power per slot of a run (block) or a constant repeated (splittable). */
  profile: number[];
  duration: number;
  /** First and one-past-last slot the load may occupy. */
  earliest: number;
  deadline: number;
  splittable: boolean;
  minOn: number;
  minOff: number;
  maxStartsPerDay: number;
  after: string[];
  priority: number;
  optional: boolean;
  value: number;
  /** Block loads already running: fixed start slot (may be negative, before the plan). */
  fixedStart?: number;
  /** Splittable loads running now: slots on in the current run, work already done. */
  runningFor?: number;
  done: number;
}

export interface Problem {
  startTime: number;
  intervalMinutes: number;
  horizon: number;
  prices: number[];
  demandCharge: number;
  peakSoFarKw: number;
  contractLimitKw?: number;
  baseLoadKw: number[];
  loads: Load[];
  completed: string[];
  /** Slot index where each calendar day starts (for max starts per day), ascending, first is 0. */
  dayStarts: number[];
}

export class ProblemError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProblemError';
  }
}

const fail = (msg: string): never => {
  throw new ProblemError(msg);
};

function finiteNumber(v: unknown, what: string, min = -Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`${what}: expected a finite number, got ${JSON.stringify(v)}`);
  if ((v as number) < min) fail(`${what}: expected a number >= ${min}, got ${v}`);
  return v as number;
}

function series(v: unknown, what: string, length: number, min = -Infinity): number[] {
  if (typeof v === 'number') return new Array(length).fill(finiteNumber(v, what, min));
  if (!Array.isArray(v)) return fail(`${what}: expected a number or an array of numbers, got ${v === null ? 'null' : typeof v}`);
  if (v.length < length) fail(`${what}: has ${v.length} values, the plan needs ${length}`);
  return v.slice(0, length).map((x, i) => finiteNumber(x, `${what}[${i}]`, min));
}

function time(v: unknown, what: string): number {
  const ms = toEpochMs(v);
  if (ms === undefined) fail(`${what}: expected epoch ms or an ISO date, got ${JSON.stringify(v)}`);
  return ms as number;
}

/** Calendar-day boundaries (local time of the runtime) inside the horizon, as slot indexes. */
function dayStartSlots(startTime: number, slotMs: number, horizon: number): number[] {
  const starts = [0];
  for (let s = 1; s < horizon; s++) {
    const d0 = new Date(startTime + (s - 1) * slotMs);
    const d1 = new Date(startTime + s * slotMs);
    if (d0.getDate() !== d1.getDate()) starts.push(s);
  }
  return starts;
}

/** Validates and converts a problem; every error names the field and the load at fault. */
export function parseProblem(input: unknown, now = Date.now()): Problem {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) fail('plan request: expected an object with prices and loads');
  const o = input as ProblemInput;
  const intervalMinutes = o.intervalMinutes === undefined ? 15 : finiteNumber(o.intervalMinutes, 'intervalMinutes', 1);
  const slotMs = intervalMinutes * 60_000;
  const startTime = o.startTime === undefined ? Math.floor(now / slotMs) * slotMs : time(o.startTime, 'startTime');
  if (o.prices === undefined) fail('prices: required (price per kWh per interval, or one flat price)');
  const horizon =
    o.horizon !== undefined ? finiteNumber(o.horizon, 'horizon', 1) : Array.isArray(o.prices) ? o.prices.length : Array.isArray(o.baseLoadKw) ? o.baseLoadKw.length : 96;
  if (!Number.isInteger(horizon) || horizon < 1 || horizon > 2000) fail(`horizon: expected 1..2000 intervals, got ${horizon}`);
  const prices = series(o.prices, 'prices', horizon);
  const baseLoadKw = o.baseLoadKw === undefined ? new Array(horizon).fill(0) : series(o.baseLoadKw, 'baseLoadKw', horizon);
  const demandCharge = o.demandCharge === undefined ? 0 : finiteNumber(o.demandCharge, 'demandCharge', 0);
  const peakSoFarKw = o.peakSoFarKw === undefined ? 0 : finiteNumber(o.peakSoFarKw, 'peakSoFarKw', 0);
  const contractLimitKw = o.contractLimitKw === undefined || o.contractLimitKw === null ? undefined : finiteNumber(o.contractLimitKw, 'contractLimitKw', 0);
  if (!Array.isArray(o.loads)) fail('loads: expected an array of flexible loads');
  const completed = Array.isArray(o.completed) ? o.completed.map(String) : [];
  const running = new Map<string, RunningLoadInput>();
  if (o.running !== undefined) {
    if (!Array.isArray(o.running)) fail('running: expected an array of {id, since}');
    o.running.forEach((r, i) => {
      if (typeof r !== 'object' || r === null || typeof r.id !== 'string') fail(`running[${i}]: expected {id, since}`);
      running.set(r.id, r);
    });
  }

  const toSlot = (ms: number) => Math.round((ms - startTime) / slotMs);
  const ids = new Set<string>();
  const loads = o.loads.map((raw, index): Load => {
    const where = `loads[${index}]`;
    if (typeof raw !== 'object' || raw === null) fail(`${where}: expected an object`);
    if (typeof raw.id !== 'string' || raw.id === '') fail(`${where}.id: expected a non-empty string`);
    const id = raw.id;
    const at = `load "${id}"`;
    if (ids.has(id)) fail(`${at}: id used twice`);
    ids.add(id);
    let profile: number[];
    let duration: number;
    if (raw.profileKw !== undefined) {
      if (!Array.isArray(raw.profileKw) || raw.profileKw.length === 0) fail(`${at}.profileKw: expected a non-empty array of kW`);
      profile = raw.profileKw.map((p, i) => finiteNumber(p, `${at}.profileKw[${i}]`, 0));
      duration = raw.durationMinutes === undefined ? profile.length : Math.ceil(finiteNumber(raw.durationMinutes, `${at}.durationMinutes`, 1) / intervalMinutes);
      while (profile.length < duration) profile.push(profile[profile.length - 1]);
      profile = profile.slice(0, duration);
    } else {
      const p = finiteNumber(raw.powerKw, `${at}.powerKw`, 0);
      duration = Math.ceil(finiteNumber(raw.durationMinutes, `${at}.durationMinutes`, 1) / intervalMinutes);
      profile = new Array(duration).fill(p);
    }
    const splittable = raw.splittable === true;
    if (splittable && profile.some((p) => p !== profile[0])) fail(`${at}: a splittable load needs a constant powerKw, not a varying profileKw`);
    const earliest = raw.earliestStart === undefined ? 0 : Math.max(0, Math.ceil((time(raw.earliestStart, `${at}.earliestStart`) - startTime) / slotMs));
    const deadline = raw.deadline === undefined ? horizon : Math.min(horizon, Math.floor((time(raw.deadline, `${at}.deadline`) - startTime) / slotMs));
    const minutes = (v: unknown, f: string) => (v === undefined ? 0 : Math.ceil(finiteNumber(v, `${at}.${f}`, 0) / intervalMinutes));
    const maxStarts = raw.maxStartsPerDay === undefined ? Infinity : finiteNumber(raw.maxStartsPerDay, `${at}.maxStartsPerDay`, 1);
    const after = raw.after === undefined ? [] : Array.isArray(raw.after) ? raw.after.map(String) : fail(`${at}.after: expected an array of load ids`);
    const priority = raw.priority === undefined ? 0 : finiteNumber(raw.priority, `${at}.priority`);
    const optional = raw.optional === true;
    const load: Load = {
      id,
      index,
      profile,
      duration,
      earliest,
      deadline,
      splittable,
      minOn: Math.min(minutes(raw.minOnMinutes, 'minOnMinutes'), duration),
      minOff: minutes(raw.minOffMinutes, 'minOffMinutes'),
      maxStartsPerDay: maxStarts,
      after,
      priority,
      optional,
      value: 0,
      done: 0,
    };
    const run = running.get(id);
    if (run) {
      const since = toSlot(time(run.since, `running "${id}".since`));
      if (since > 0) fail(`running "${id}".since: is after the plan start`);
      if (splittable) {
        load.runningFor = Math.max(1, -since);
        load.done = Math.min(duration, run.doneMinutes === undefined ? load.runningFor : Math.ceil(finiteNumber(run.doneMinutes, `running "${id}".doneMinutes`, 0) / intervalMinutes));
      } else {
        load.fixedStart = since;
      }
      load.earliest = 0;
      load.optional = false;
    }
    if (optional) {
      // Default worth: clearly more than running it can cost, so "optional" means "if it fits".
      const energy = profile.reduce((a, b) => a + b, 0) * (intervalMinutes / 60);
      const defaultValue = 10 * (energy * Math.max(0, ...prices) + demandCharge * Math.max(...profile)) + 1;
      load.value = raw.value === undefined ? defaultValue : finiteNumber(raw.value, `${at}.value`, 0);
    }
    return load;
  });
  for (const r of running.keys()) if (!ids.has(r)) fail(`running "${r}": not in loads`);
  for (const l of loads) {
    for (const a of l.after) {
      if (a === l.id) fail(`load "${l.id}".after: a load cannot follow itself`);
      if (!ids.has(a) && !completed.includes(a)) fail(`load "${l.id}".after: unknown load "${a}" (neither planned nor completed)`);
    }
  }
  return {
    startTime,
    intervalMinutes,
    horizon,
    prices,
    demandCharge,
    peakSoFarKw,
    contractLimitKw,
    baseLoadKw,
    loads,
    completed,
    dayStarts: dayStartSlots(startTime, slotMs, horizon),
  };
}

/** Work slots still to do in this plan. */
export function remaining(load: Load): number {
  if (load.fixedStart !== undefined) return Math.max(0, load.fixedStart + load.duration);
  return load.duration - load.done;
}

/** Latest start slot of a block load that still meets its deadline. */
export function latestStart(load: Load): number {
  return load.deadline - load.duration;
}

/** Energy price of one kW for one slot, money. */
export function slotCost(problem: Problem, slot: number): number {
  return problem.prices[slot] * (problem.intervalMinutes / 60);
}
