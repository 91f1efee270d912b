// Turns what arrives at the alert sink (a msg-like object) into engine observations or commands:
// anomaly scores, RUL estimates, samples with bad quality (communication lost), and generic msgs
// (payload + topic + severity) so any flow can raise an alarm. Errors name the field at fault.
import {
  validateAnomalyScore,
  validateRulEstimate,
  validateSample,
  type AnomalyScore,
  type RulEstimate,
  type Sample,
} from '../contracts';
import type { AlarmTarget, Observation } from './engine';
import type { Matcher } from './inhibition';
import { parseSeverity, severityFromRul, severityFromScore } from './severity';

export interface InputOptions {
  /** Dotted msg path naming the alarm source of generic msgs (default 'topic'). */
  sourceProperty: string;
  /** Dotted msg path naming the condition of generic msgs (default 'condition'). */
  conditionProperty: string;
  defaultCondition: string;
  defaultSeverity: number;
  /** Limit for numeric payloads; undefined: any non-zero number is active. */
  limit?: number;
  deadband: number;
  /** Limit on anomaly scores; undefined: the detector's own anomaly flag decides. */
  scoreLimit?: number;
  scoreDeadband: number;
  /** Lead time: a RUL estimate raises this long before the predictor's warning point (0: when reached). */
  rulHorizonMs: number;
  /** msg.topic (or a sample's tag) that switches maintenance mode: alarms of msg.machine/msg.area are suppressed by design. */
  maintenanceTopic: string;
}

export const DEFAULT_INPUT_OPTIONS: InputOptions = {
  sourceProperty: 'topic',
  conditionProperty: 'condition',
  defaultCondition: 'alarm',
  defaultSeverity: 500,
  deadband: 0,
  scoreDeadband: 0.05,
  rulHorizonMs: 0,
  maintenanceTopic: 'maintenance',
};

export type CommandName = 'ack' | 'shelve' | 'unshelve' | 'comment' | 'suppress' | 'unsuppress' | 'out-of-service' | 'in-service' | 'list';

const COMMAND_ALIASES: Record<string, CommandName> = {
  ack: 'ack',
  acknowledge: 'ack',
  shelve: 'shelve',
  unshelve: 'unshelve',
  comment: 'comment',
  suppress: 'suppress',
  unsuppress: 'unsuppress',
  'out-of-service': 'out-of-service',
  'in-service': 'in-service',
  list: 'list',
};
export const COMMANDS = Object.keys(COMMAND_ALIASES);

export interface ParsedCommand {
  command: CommandName;
  target: AlarmTarget;
  by: string;
  comment?: string;
  durationMs?: number;
}

export type ParsedInput =
  | { kind: 'observations'; observations: Observation[] }
  | { kind: 'quality'; tags: TagQuality[] }
  | { kind: 'command'; command: ParsedCommand }
  | { kind: 'maintenance'; on: boolean; scope: Matcher; by: string };

type Obj = Record<string, unknown>;
const MAX_NAME = 200;
const MAX_TEXT = 2000;
const MAX_SAMPLES = 10_000;

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

function shown(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 40) + '...' : v}"`;
  if (typeof v === 'number') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v;
}

/** Reads a dotted path of own properties (never the prototype chain). */
export function readPath(msg: Obj, path: string): unknown {
  let cur: unknown = msg;
  for (const part of path.split('.')) {
    if (!isObject(cur) || !Object.prototype.hasOwnProperty.call(cur, part)) return undefined;
    cur = cur[part];
  }
  return cur;
}

function optionalName(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') throw new Error(`${field} must be a string, got ${shown(v)}`);
  if (v.length > MAX_NAME) throw new Error(`${field} is longer than ${MAX_NAME} characters`);
  return v;
}

function optionalText(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(`${field} must be a string, got ${shown(v)}`);
  return v.length > MAX_TEXT ? v.slice(0, MAX_TEXT) : v;
}

/** Seconds as a number, or a string like "90", "30s", "15m", "2h", "1d"; returns ms. */
export function parseDuration(v: unknown, field: string): number {
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 };
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.round(v * 1000);
  if (typeof v === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(v);
    if (m && Number(m[1]) > 0) return Math.round(Number(m[1]) * units[(m[2] ?? 's').toLowerCase()]);
  }
  throw new Error(`${field} must be a duration > 0 in seconds or like "30m", "2h"; got ${shown(v)}`);
}

/** A field from the msg itself, else from an object payload. */
function field(msg: Obj, key: string): unknown {
  const own = Object.prototype.hasOwnProperty.call(msg, key) ? msg[key] : undefined;
  if (own !== undefined) return own;
  return isObject(msg.payload) && Object.prototype.hasOwnProperty.call(msg.payload, key) ? msg.payload[key] : undefined;
}

export function parseCommand(msg: Obj, name: string, defaultBy = 'msg'): ParsedCommand {
  const command = Object.prototype.hasOwnProperty.call(COMMAND_ALIASES, name) ? COMMAND_ALIASES[name] : undefined;
  if (!command) throw new Error(`unknown command ${shown(name)}: use one of ${COMMANDS.join(', ')}`);
  const target: AlarmTarget = {};
  const alarmId = optionalName(field(msg, 'alarmId'), 'alarmId');
  if (alarmId !== undefined) target.alarmId = alarmId;
  for (const key of ['source', 'condition', 'area', 'machine'] as const) {
    const v = optionalName(field(msg, key), key);
    if (v !== undefined) target[key] = v;
  }
  const parsed: ParsedCommand = { command, target, by: optionalName(field(msg, 'by'), 'by') ?? defaultBy };
  const comment = optionalText(field(msg, 'comment'), 'comment');
  if (comment !== undefined) parsed.comment = comment;
  const duration = field(msg, 'duration');
  if (duration !== undefined && command === 'shelve') parsed.durationMs = parseDuration(duration, 'duration');
  if (command !== 'list' && Object.keys(target).length === 0) {
    throw new Error(`${command} needs to know which alarms: set alarmId, or source (and condition), area or machine`);
  }
  if ((command === 'suppress' || command === 'unsuppress') && target.alarmId !== undefined) {
    throw new Error(`${command} works on a scope (source, condition, area, machine), not an alarmId`);
  }
  return parsed;
}

/** The scope of a suppress command as an inhibition-style matcher. */
export function scopeOf(target: AlarmTarget): Matcher {
  const scope: Matcher = {};
  for (const key of ['source', 'condition', 'area', 'machine'] as const) if (target[key] !== undefined) scope[key] = target[key];
  return scope;
}

function labels(msg: Obj): { area?: string; machine?: string } {
  const out: { area?: string; machine?: string } = {};
  const area = optionalName(field(msg, 'area'), 'area');
  const machine = optionalName(field(msg, 'machine'), 'machine');
  if (area) out.area = area;
  if (machine) out.machine = machine;
  return out;
}

function explain(score: AnomalyScore): string {
  const top = [...score.explanation]
    .sort((a, b) => b.contribution - a.contribution)
    .slice(0, 3)
    .map((e) => `${e.feature} ${Math.round(e.contribution * 100)}%`);
  return `anomaly score ${score.score.toFixed(2)} from ${score.detector}${score.regime ? ` in regime ${score.regime}` : ''}${top.length ? `; top features: ${top.join(', ')}` : ''}`;
}

function fromAnomaly(msg: Obj, score: AnomalyScore, o: InputOptions): Observation {
  const condition = optionalName(msg.condition, 'condition') ?? 'anomaly';
  const obs: Observation = {
    source: score.key,
    condition,
    value: score.score,
    severity: severityFromScore(score.score, o.scoreLimit ?? 0.5),
    message: explain(score),
    by: score.detector,
    ...labels(msg),
  };
  if (o.scoreLimit === undefined) {
    obs.active = score.anomaly;
    obs.reason = score.anomaly ? `detector ${score.detector} flagged an anomaly` : `detector ${score.detector} sees normal behaviour`;
  } else {
    obs.limit = o.scoreLimit;
    obs.deadband = o.scoreDeadband;
  }
  return obs;
}

function fromRul(msg: Obj, est: RulEstimate, o: InputOptions): Observation {
  const condition = optionalName(msg.condition, 'condition') ?? 'rul-warning';
  const base = { source: est.asset, condition, by: est.model, ...labels(msg) };
  if (est.warningAt === null) return { ...base, active: false, reason: 'RUL estimate has no warning point' };
  const msToWarning = est.warningAt - est.timestamp;
  const hours = msToWarning / 3600_000;
  const active = msToWarning <= o.rulHorizonMs;
  const lead = o.rulHorizonMs > 0 ? ` (lead ${o.rulHorizonMs / 3600_000} h)` : '';
  return {
    ...base,
    active,
    value: Math.round(hours * 100) / 100,
    severity: severityFromRul(msToWarning, o.rulHorizonMs, est.healthIndex),
    message: `remaining useful life ${est.estimate} ${est.unit} (${est.lower}..${est.upper} at ${Math.round(est.confidence * 100)} %), health ${Math.round(est.healthIndex * 100)} %; warning point ${hours <= 0 ? 'reached' : `in ${hours.toFixed(1)} h`}`,
    reason: active ? `RUL warning point ${hours <= 0 ? 'reached' : 'within the lead time'}${lead}` : `RUL warning point ahead${lead}`,
  };
}

/** A sample's quality for one tag of a source; CommQuality turns these into comm-lost observations. */
export interface TagQuality {
  source: string;
  tag: string;
  bad: boolean;
  error?: string;
  area?: string;
  machine?: string;
}

function fromSample(msg: Obj, s: Sample): TagQuality | undefined {
  if (s.quality === 'uncertain') return undefined;
  const q: TagQuality = { source: s.source ?? s.tag, tag: s.tag, bad: s.quality === 'bad', ...labels(msg) };
  if (s.error) q.error = s.error.slice(0, MAX_TEXT);
  return q;
}

const ACTIVE_WORDS: Record<string, boolean> = { true: true, on: true, raise: true, active: true, alarm: true, '1': true, false: false, off: false, clear: false, normal: false, ok: false, '0': false };

function fromGeneric(msg: Obj, o: InputOptions): Observation {
  const srcPath = o.sourceProperty;
  const source = optionalName(readPath(msg, srcPath), `msg.${srcPath}`);
  if (!source) throw new Error(`msg.${srcPath} must name the alarm source (a non-empty string), got ${shown(readPath(msg, srcPath))}`);
  const condition = optionalName(readPath(msg, o.conditionProperty), `msg.${o.conditionProperty}`) ?? o.defaultCondition;
  const p = msg.payload;
  const severityRaw = field(msg, 'severity');
  const obs: Observation = {
    source,
    condition,
    severity: severityRaw === undefined ? o.defaultSeverity : parseSeverity(severityRaw, 'msg.severity'),
    by: optionalName(field(msg, 'by'), 'by') ?? 'flow',
    ...labels(msg),
  };
  const message = optionalText(field(msg, 'message'), 'message');
  if (message !== undefined) obs.message = message;
  const limitRaw = field(msg, 'limit');
  const limit = limitRaw === undefined ? o.limit : Number(limitRaw);
  if (limit !== undefined && !Number.isFinite(limit)) throw new Error(`msg.limit must be a finite number, got ${shown(limitRaw)}`);
  const setValue = (v: number, where: string) => {
    if (!Number.isFinite(v)) throw new Error(`${where} must be a finite number, got ${shown(v)}`);
    obs.value = v;
    if (limit !== undefined) {
      obs.limit = limit;
      obs.deadband = o.deadband;
    }
  };
  if (typeof p === 'boolean') obs.active = p;
  else if (typeof p === 'number') setValue(p, 'payload');
  else if (typeof p === 'string' && Object.prototype.hasOwnProperty.call(ACTIVE_WORDS, p.trim().toLowerCase())) obs.active = ACTIVE_WORDS[p.trim().toLowerCase()];
  else if (isObject(p) && (typeof p.active === 'boolean' || typeof p.value === 'number')) {
    if (typeof p.active === 'boolean') obs.active = p.active;
    else setValue(p.value as number, 'payload.value');
  } else {
    throw new Error(
      `payload must be true/false, a number, "raise"/"clear", {active, severity, message}, an anomaly score, a RUL estimate or a sample; got ${shown(p)}`,
    );
  }
  return obs;
}

/** Recognises the msg and returns what the engine should do with it; throws a clear error if unusable. */
export function parseInput(msg: Obj, o: InputOptions): ParsedInput {
  if (msg.command !== undefined) {
    if (typeof msg.command !== 'string') throw new Error(`msg.command must be a string (${COMMANDS.join(', ')}), got ${shown(msg.command)}`);
    return { kind: 'command', command: parseCommand(msg, msg.command.trim().toLowerCase()) };
  }
  const p = msg.payload;
  const maintenance = parseMaintenance(msg, o);
  if (maintenance) return maintenance;
  if (Array.isArray(p) && p.length > 0 && isObject(p[0]) && 'quality' in p[0]) {
    if (p.length > MAX_SAMPLES) throw new Error(`payload holds ${p.length} samples; at most ${MAX_SAMPLES} per msg`);
    const samples = p.map((s, i) => validateSample(s, `payload[${i}]`));
    return { kind: 'quality', tags: samples.map((s) => fromSample(msg, s)).filter((x): x is TagQuality => x !== undefined) };
  }
  if (isObject(p)) {
    if ('score' in p && 'detector' in p) return { kind: 'observations', observations: [fromAnomaly(msg, validateAnomalyScore(p, 'payload'), o)] };
    if ('estimate' in p && 'warningAt' in p) return { kind: 'observations', observations: [fromRul(msg, validateRulEstimate(p, 'payload'), o)] };
    if ('quality' in p && 'tag' in p) {
      const q = fromSample(msg, validateSample(p, 'payload'));
      return { kind: 'quality', tags: q ? [q] : [] };
    }
  }
  return { kind: 'observations', observations: [fromGeneric(msg, o)] };
}

/** Maintenance mode from a msg on the maintenance topic, or a sample with that tag. */
function parseMaintenance(msg: Obj, o: InputOptions): ParsedInput | undefined {
  if (!o.maintenanceTopic) return undefined;
  const p = msg.payload;
  let on: boolean | undefined;
  let machine = optionalName(field(msg, 'machine'), 'machine');
  if (msg.topic === o.maintenanceTopic) {
    if (typeof p === 'boolean') on = p;
    else if (typeof p === 'number' && Number.isFinite(p)) on = p !== 0;
    else if (isObject(p) && typeof p.active === 'boolean') on = p.active;
    else throw new Error(`a msg on the maintenance topic "${o.maintenanceTopic}" needs payload true/false (maintenance on/off), got ${shown(p)}`);
  } else if (isObject(p) && p.tag === o.maintenanceTopic && 'quality' in p) {
    const sample = validateSample(p, 'payload');
    if (typeof sample.value !== 'boolean' && typeof sample.value !== 'number') throw new Error('payload.value of a maintenance sample must be a boolean or number');
    on = sample.value !== false && sample.value !== 0;
    machine = machine ?? sample.source;
  } else return undefined;
  const area = optionalName(field(msg, 'area'), 'area');
  const scope: Matcher = {};
  if (machine) scope.machine = machine;
  if (area) scope.area = area;
  if (!machine && !area) throw new Error('maintenance mode needs msg.machine or msg.area to say whose alarms are suppressed');
  return { kind: 'maintenance', on, scope, by: optionalName(field(msg, 'by'), 'by') ?? 'maintenance mode' };
}
