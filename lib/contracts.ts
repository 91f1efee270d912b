// The message contracts that flow between Millwright nodes: the one place their shapes are defined.
// Every node reads and writes these; the validators turn a malformed msg into an error that names
// the field at fault, so a technician sees "payload.timestamp: expected ..." rather than a crash.

export type Quality = 'good' | 'uncertain' | 'bad';
export const QUALITIES: readonly Quality[] = ['good', 'uncertain', 'bad'];

/** One tag reading from a protocol node or the simulator. */
export interface Sample {
  tag: string;
  /** A scalar, or a block of samples (a vibration waveform) when sampleRate is set. */
  value: number | boolean | string | number[];
  /** Milliseconds since the Unix epoch. */
  timestamp: number;
  quality: Quality;
  /** Where the reading came from: endpoint, connection or machine. */
  source?: string;
  unit?: string;
  /** Samples per second of an array block. */
  sampleRate?: number;
  /** Why the quality is not good (timeout, device exception...), for the people reading it. */
  error?: string;
}

/** A window's summary, produced by the feature window. */
export interface FeatureVector {
  /** Window key: msg.topic or the tag the window was keyed by. */
  key: string;
  features: Record<string, number>;
  windowStart: number;
  windowEnd: number;
  sampleCount: number;
  sourceTags: string[];
}

export interface FeatureContribution {
  feature: string;
  /** Share of the score this feature explains, 0..1. */
  contribution: number;
}

/** The anomaly detector's verdict on one sample or feature vector. */
export interface AnomalyScore {
  key: string;
  /** 0 (normal) .. 1 (certainly anomalous). */
  score: number;
  anomaly: boolean;
  timestamp: number;
  detector: string;
  regime?: string;
  explanation: FeatureContribution[];
}

export type RulUnit = 'cycles' | 'hours' | 'seconds';

/** Remaining useful life with its interval. */
export interface RulEstimate {
  asset: string;
  estimate: number;
  lower: number;
  upper: number;
  /** Confidence of [lower, upper], 0..1 (0.9 = 90 %). */
  confidence: number;
  unit: RulUnit;
  /** 1 = as new, 0 = at the failure threshold. */
  healthIndex: number;
  model: string;
  timestamp: number;
  /** When the estimate crosses the warning horizon (ms epoch), null when it does not. */
  warningAt: number | null;
}

export interface ScheduledLoad {
  id: string;
  /** Interval start and end, ms epoch. */
  start: number;
  end: number;
  powerKw: number;
  /** Higher is more important (shed last). */
  priority?: number;
  /** kW per interval of this run, when the load's power varies. */
  profileKw?: number[];
}

/** One row of a Gantt chart: a load and the runs the plan gives it. */
export interface GanttRow {
  id: string;
  label: string;
  segments: Array<{ start: number; end: number; powerKw: number }>;
}

export type ScheduleStatus = 'optimal' | 'feasible' | 'time-limit' | 'greedy' | 'infeasible';

/** An energy plan from the scheduler. */
export interface Schedule {
  startTime: number;
  intervalMinutes: number;
  loads: ScheduledLoad[];
  /** Plant profile per interval, kW (base load plus scheduled loads). */
  profileKw: number[];
  cost: { energy: number; demand: number; total: number };
  peakKw: number;
  /** Relative optimality gap reported by the solver, 0 when proven optimal. */
  gap: number;
  status: ScheduleStatus;
  saving: { money: number; peakKw: number };
  /** Why the plan is infeasible, or which optional loads were left out and why. */
  problems?: string[];
  /** What the status means in words (e.g. "time limit: best plan found, gap 2.1 %"). */
  message?: string;
  /** Cost and peak of running every load at its earliest start, the reference for saving. */
  naive?: { cost: number; peakKw: number };
  solveSeconds?: number;
  /** Rows for a Gantt chart, one per load. */
  gantt?: GanttRow[];
  /** The timed commands that carry out this plan. */
  commands?: Command[];
}

/**
 * What a command asks of a load's run switch. `start` and `release` switch it on, `stop` and `shed`
 * switch it off. `shed` is the demand guard taking a running load off to hold the peak, and
 * `release` is the guard giving a shed load back (it has checked that the load fits under the
 * target), so a write node runs the load again on `release` exactly as on `start`.
 */
export type CommandAction = 'start' | 'stop' | 'shed' | 'release';
export const COMMAND_ACTIONS: readonly CommandAction[] = ['start', 'stop', 'shed', 'release'];

/** A timed command to a load, for the write nodes. */
export interface Command {
  loadId: string;
  action: CommandAction;
  /** When it takes effect, ms epoch. */
  at: number;
  reason: string;
  /** kW the load draws when running. */
  powerKw?: number;
  priority?: number;
}

export type AlarmState = 'normal' | 'unack-active' | 'ack-active' | 'unack-rtn';
export const ALARM_STATES: readonly AlarmState[] = ['normal', 'unack-active', 'ack-active', 'unack-rtn'];

/** An alarm state change, shaped after OPC UA Part 9 alarms & conditions. */
export interface AlarmEvent {
  alarmId: string;
  source: string;
  condition: string;
  /** 1..1000 as in OPC UA. */
  severity: number;
  state: AlarmState;
  active: boolean;
  acked: boolean;
  shelved: boolean;
  suppressed: boolean;
  outOfService: boolean;
  message: string;
  timestamp: number;
  /** What changed: raise, clear, ack, shelve, unshelve, suppress, comment... */
  transition: string;
  by?: string;
  comment?: string;
  /** Why it changed (the rule, limit or operator reason), for the audit log. */
  reason?: string;
  previousState?: AlarmState;
  /** The severity's band: low (1-400), medium (401-600), high (601-800), critical (801-1000). */
  priority?: AlarmPriority;
  area?: string;
  machine?: string;
  /** The value, score or time to warning that drove the change. */
  value?: number;
  /** When a shelve ends, ms epoch. */
  shelvedUntil?: number;
  chattering?: boolean;
  /** Increases by one per event of one alarm engine, so a consumer can see a gap. */
  seq?: number;
}

export type AlarmPriority = 'low' | 'medium' | 'high' | 'critical';
export const ALARM_PRIORITIES: readonly AlarmPriority[] = ['low', 'medium', 'high', 'critical'];

export class ContractError extends Error {
  constructor(readonly contract: string, readonly path: string, detail: string) {
    super(`${contract}: ${path}: ${detail}`);
    this.name = 'ContractError';
  }
}

// ---- validation ---------------------------------------------------------------------------------

type Obj = Record<string, unknown>;

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return `"${value.length > 40 ? value.slice(0, 40) + '...' : value}"`;
  return typeof value;
}

class Checker {
  constructor(private readonly contract: string, private readonly prefix: string) {}

  fail(path: string, detail: string): never {
    throw new ContractError(this.contract, this.prefix ? `${this.prefix}.${path}` : path, detail);
  }

  object(value: unknown, path = ''): Obj {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ContractError(this.contract, this.prefix || path || 'value', `expected an object, got ${describe(value)}`);
    }
    return value as Obj;
  }

  string(o: Obj, key: string, optional = false): string | undefined {
    const v = o[key];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string' || v.length === 0) this.fail(key, `expected a non-empty string, got ${describe(v)}`);
    return v;
  }

  finite(o: Obj, key: string, optional = false): number | undefined {
    const v = o[key];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(key, `expected a finite number, got ${describe(v)}`);
    return v;
  }

  boolean(o: Obj, key: string): boolean {
    const v = o[key];
    if (typeof v !== 'boolean') this.fail(key, `expected true or false, got ${describe(v)}`);
    return v;
  }

  oneOf<T extends string>(o: Obj, key: string, allowed: readonly T[]): T {
    const v = o[key];
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      this.fail(key, `expected one of ${allowed.join(', ')}, got ${describe(v)}`);
    }
    return v as T;
  }

  timestamp(o: Obj, key: string): number {
    const v = this.finite(o, key) as number;
    if (v < 0) this.fail(key, `expected milliseconds since 1970, got ${v}`);
    return v;
  }

  range(o: Obj, key: string, min: number, max: number): number {
    const v = this.finite(o, key) as number;
    if (v < min || v > max) this.fail(key, `expected a number in [${min}, ${max}], got ${v}`);
    return v;
  }
}

/** Accepts a Date, an ISO string or epoch milliseconds; returns epoch ms or undefined when unusable. */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const ms = Date.parse(value);
    return Number.isFinite(ms) && ms >= 0 ? ms : undefined;
  }
  return undefined;
}

export function validateSample(value: unknown, where = ''): Sample {
  const c = new Checker('sample', where);
  const o = c.object(value);
  const tag = c.string(o, 'tag') as string;
  const v = o.value;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] !== 'number' || !Number.isFinite(v[i])) c.fail(`value[${i}]`, `expected a finite number, got ${describe(v[i])}`);
    }
  } else if (typeof v === 'number') {
    if (!Number.isFinite(v)) c.fail('value', `expected a finite number, got ${describe(v)}`);
  } else if (typeof v !== 'boolean' && typeof v !== 'string') {
    c.fail('value', `expected a number, boolean, string or array of numbers, got ${describe(v)}`);
  }
  const timestamp = c.timestamp(o, 'timestamp');
  const quality = c.oneOf(o, 'quality', QUALITIES);
  const sample: Sample = { tag, value: v as Sample['value'], timestamp, quality };
  const source = c.string(o, 'source', true);
  if (source !== undefined) sample.source = source;
  const unit = o.unit;
  if (unit !== undefined) {
    if (typeof unit !== 'string') c.fail('unit', `expected a string, got ${describe(unit)}`);
    sample.unit = unit as string;
  }
  const sampleRate = c.finite(o, 'sampleRate', true);
  if (sampleRate !== undefined) {
    if (sampleRate <= 0) c.fail('sampleRate', `expected a positive rate in Hz, got ${sampleRate}`);
    sample.sampleRate = sampleRate;
  }
  const error = o.error;
  if (error !== undefined) {
    if (typeof error !== 'string') c.fail('error', `expected a string, got ${describe(error)}`);
    sample.error = error as string;
  }
  return sample;
}

export function validateFeatureVector(value: unknown, where = ''): FeatureVector {
  const c = new Checker('feature vector', where);
  const o = c.object(value);
  const key = c.string(o, 'key') as string;
  const featuresObj = o.features;
  if (typeof featuresObj !== 'object' || featuresObj === null || Array.isArray(featuresObj)) {
    c.fail('features', `expected an object of name: number, got ${describe(featuresObj)}`);
  }
  const features: Record<string, number> = {};
  for (const [name, f] of Object.entries(featuresObj as Obj)) {
    if (typeof f !== 'number' || !Number.isFinite(f)) c.fail(`features.${name}`, `expected a finite number, got ${describe(f)}`);
    features[name] = f as number;
  }
  const windowStart = c.timestamp(o, 'windowStart');
  const windowEnd = c.timestamp(o, 'windowEnd');
  if (windowEnd < windowStart) c.fail('windowEnd', `is before windowStart (${windowEnd} < ${windowStart})`);
  const sampleCount = c.finite(o, 'sampleCount') as number;
  if (!Number.isInteger(sampleCount) || sampleCount < 0) c.fail('sampleCount', `expected a count, got ${sampleCount}`);
  const tags = o.sourceTags;
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) c.fail('sourceTags', `expected an array of strings, got ${describe(tags)}`);
  return { key, features, windowStart, windowEnd, sampleCount, sourceTags: [...(tags as string[])] };
}

function validateExplanation(c: Checker, o: Obj): FeatureContribution[] {
  const list = o.explanation;
  if (!Array.isArray(list)) c.fail('explanation', `expected an array, got ${describe(list)}`);
  return (list as unknown[]).map((item, i) => {
    if (typeof item !== 'object' || item === null) c.fail(`explanation[${i}]`, `expected an object, got ${describe(item)}`);
    const e = item as Obj;
    if (typeof e.feature !== 'string') c.fail(`explanation[${i}].feature`, `expected a string, got ${describe(e.feature)}`);
    if (typeof e.contribution !== 'number' || !Number.isFinite(e.contribution)) {
      c.fail(`explanation[${i}].contribution`, `expected a finite number, got ${describe(e.contribution)}`);
    }
    return { feature: e.feature as string, contribution: e.contribution as number };
  });
}

export function validateAnomalyScore(value: unknown, where = ''): AnomalyScore {
  const c = new Checker('anomaly score', where);
  const o = c.object(value);
  const result: AnomalyScore = {
    key: c.string(o, 'key') as string,
    score: c.range(o, 'score', 0, 1),
    anomaly: c.boolean(o, 'anomaly'),
    timestamp: c.timestamp(o, 'timestamp'),
    detector: c.string(o, 'detector') as string,
    explanation: validateExplanation(c, o),
  };
  const regime = c.string(o, 'regime', true);
  if (regime !== undefined) result.regime = regime;
  return result;
}

export function validateRulEstimate(value: unknown, where = ''): RulEstimate {
  const c = new Checker('RUL estimate', where);
  const o = c.object(value);
  const estimate = c.finite(o, 'estimate') as number;
  const lower = c.finite(o, 'lower') as number;
  const upper = c.finite(o, 'upper') as number;
  if (!(lower <= estimate && estimate <= upper)) c.fail('estimate', `expected lower <= estimate <= upper, got ${lower} / ${estimate} / ${upper}`);
  const warningAt = o.warningAt;
  if (warningAt !== null && (typeof warningAt !== 'number' || !Number.isFinite(warningAt))) {
    c.fail('warningAt', `expected epoch ms or null, got ${describe(warningAt)}`);
  }
  return {
    asset: c.string(o, 'asset') as string,
    estimate,
    lower,
    upper,
    confidence: c.range(o, 'confidence', 0, 1),
    unit: c.oneOf(o, 'unit', ['cycles', 'hours', 'seconds'] as const),
    healthIndex: c.finite(o, 'healthIndex') as number,
    model: c.string(o, 'model') as string,
    timestamp: c.timestamp(o, 'timestamp'),
    warningAt: warningAt as number | null,
  };
}

export function validateCommand(value: unknown, where = ''): Command {
  const c = new Checker('command', where);
  const o = c.object(value);
  return {
    loadId: c.string(o, 'loadId') as string,
    action: c.oneOf(o, 'action', COMMAND_ACTIONS),
    at: c.timestamp(o, 'at'),
    reason: typeof o.reason === 'string' ? o.reason : '',
  };
}

export function validateSchedule(value: unknown, where = ''): Schedule {
  const c = new Checker('schedule', where);
  const o = c.object(value);
  const loads = o.loads;
  if (!Array.isArray(loads)) c.fail('loads', `expected an array, got ${describe(loads)}`);
  const parsedLoads = (loads as unknown[]).map((l, i) => {
    const lc = new Checker('schedule', `${where ? where + '.' : ''}loads[${i}]`);
    const lo = lc.object(l);
    const start = lc.timestamp(lo, 'start');
    const end = lc.timestamp(lo, 'end');
    if (end < start) lc.fail('end', `is before start`);
    return { id: lc.string(lo, 'id') as string, start, end, powerKw: lc.finite(lo, 'powerKw') as number };
  });
  const profile = o.profileKw;
  if (!Array.isArray(profile) || profile.some((p) => typeof p !== 'number' || !Number.isFinite(p))) {
    c.fail('profileKw', `expected an array of finite numbers, got ${describe(profile)}`);
  }
  const cost = c.object(o.cost, 'cost');
  const saving = c.object(o.saving, 'saving');
  const costC = new Checker('schedule', 'cost');
  const savingC = new Checker('schedule', 'saving');
  return {
    startTime: c.timestamp(o, 'startTime'),
    intervalMinutes: c.range(o, 'intervalMinutes', 1, 1440),
    loads: parsedLoads,
    profileKw: [...(profile as number[])],
    cost: {
      energy: costC.finite(cost, 'energy') as number,
      demand: costC.finite(cost, 'demand') as number,
      total: costC.finite(cost, 'total') as number,
    },
    peakKw: c.finite(o, 'peakKw') as number,
    gap: c.finite(o, 'gap') as number,
    status: c.oneOf(o, 'status', ['optimal', 'feasible', 'time-limit', 'greedy', 'infeasible'] as const),
    saving: { money: savingC.finite(saving, 'money') as number, peakKw: savingC.finite(saving, 'peakKw') as number },
  };
}

export function validateAlarmEvent(value: unknown, where = ''): AlarmEvent {
  const c = new Checker('alarm event', where);
  const o = c.object(value);
  const event: AlarmEvent = {
    alarmId: c.string(o, 'alarmId') as string,
    source: c.string(o, 'source') as string,
    condition: c.string(o, 'condition') as string,
    severity: c.range(o, 'severity', 1, 1000),
    state: c.oneOf(o, 'state', ALARM_STATES),
    active: c.boolean(o, 'active'),
    acked: c.boolean(o, 'acked'),
    shelved: c.boolean(o, 'shelved'),
    suppressed: c.boolean(o, 'suppressed'),
    outOfService: c.boolean(o, 'outOfService'),
    message: typeof o.message === 'string' ? o.message : '',
    timestamp: c.timestamp(o, 'timestamp'),
    transition: c.string(o, 'transition') as string,
  };
  if (typeof o.by === 'string') event.by = o.by;
  if (typeof o.comment === 'string') event.comment = o.comment;
  if (typeof o.reason === 'string') event.reason = o.reason;
  if (o.previousState !== undefined) event.previousState = c.oneOf(o, 'previousState', ALARM_STATES);
  if (o.priority !== undefined) event.priority = c.oneOf(o, 'priority', ALARM_PRIORITIES);
  if (typeof o.area === 'string') event.area = o.area;
  if (typeof o.machine === 'string') event.machine = o.machine;
  const drivenBy = c.finite(o, 'value', true);
  if (drivenBy !== undefined) event.value = drivenBy;
  const shelvedUntil = c.finite(o, 'shelvedUntil', true);
  if (shelvedUntil !== undefined) event.shelvedUntil = shelvedUntil;
  if (typeof o.chattering === 'boolean') event.chattering = o.chattering;
  const seq = c.finite(o, 'seq', true);
  if (seq !== undefined) event.seq = seq;
  return event;
}
