// One alarm's state inside the engine, and its bounded, validated serialisation for snapshots.
import { ALARM_STATES, type AlarmState } from '../contracts';
import { isAcked, isActive } from './lifecycle';
import type { Labels } from './inhibition';
import { priorityOf } from './severity';

export interface AlarmRecord {
  id: string;
  source: string;
  condition: string;
  area: string;
  machine: string;
  state: AlarmState;
  severity: number;
  /** Highest severity of the current activation (escalation events compare against it). */
  peakSeverity: number;
  message: string;
  value?: number;
  /** The condition as last evaluated (after deadband), before on/off delays. */
  raw: boolean;
  /** null when not shelved. */
  shelvedUntil: number | null;
  suppressed: boolean;
  outOfService: boolean;
  chattering: boolean;
  chatterEpisodes: number;
  /** Times of recent active/normal transitions, for chatter detection (bounded). */
  transitions: number[];
  raises: number;
  activeSince: number | null;
  lastChange: number;
  lastComment?: string;
  readonly active: boolean;
  readonly acked: boolean;
}

export function alarmIdOf(source: string, condition: string): string {
  return `${source}#${condition}`;
}

export function createRecord(fields: Omit<AlarmRecord, 'active' | 'acked'>): AlarmRecord {
  const record = fields as AlarmRecord;
  Object.defineProperty(record, 'active', { get: () => isActive(record.state), enumerable: false });
  Object.defineProperty(record, 'acked', { get: () => isAcked(record.state), enumerable: false });
  return record;
}

export function labelsOf(r: AlarmRecord): Labels {
  return { source: r.source, condition: r.condition, area: r.area, machine: r.machine, priority: priorityOf(r.severity) };
}

/** A row of the alarm list (dashboard table). */
export interface AlarmRow {
  alarmId: string;
  source: string;
  condition: string;
  area: string;
  machine: string;
  state: AlarmState;
  active: boolean;
  acked: boolean;
  severity: number;
  priority: string;
  message: string;
  value?: number;
  shelved: boolean;
  shelvedUntil: number | null;
  suppressed: boolean;
  outOfService: boolean;
  chattering: boolean;
  activeSince: number | null;
  lastChange: number;
  comment?: string;
}

export function rowOf(r: AlarmRecord): AlarmRow {
  const row: AlarmRow = {
    alarmId: r.id,
    source: r.source,
    condition: r.condition,
    area: r.area,
    machine: r.machine,
    state: r.state,
    active: r.active,
    acked: r.acked,
    severity: r.severity,
    priority: priorityOf(r.severity),
    message: r.message,
    shelved: r.shelvedUntil !== null,
    shelvedUntil: r.shelvedUntil,
    suppressed: r.suppressed,
    outOfService: r.outOfService,
    chattering: r.chattering,
    activeSince: r.activeSince,
    lastChange: r.lastChange,
  };
  if (r.value !== undefined) row.value = r.value;
  if (r.lastComment !== undefined) row.comment = r.lastComment;
  return row;
}

export function serialiseRecord(r: AlarmRecord): Record<string, unknown> {
  return { ...r, transitions: r.transitions.slice(-20) };
}

/** Rebuilds a record from a snapshot entry, or undefined when the entry is unusable. */
export function restoreRecord(value: unknown): AlarmRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const str = (x: unknown) => (typeof x === 'string' && x.length > 0 && x.length <= 1000 ? x : undefined);
  const num = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x : undefined);
  const source = str(v.source);
  const condition = str(v.condition);
  const state = v.state as AlarmState;
  if (!source || !condition || !ALARM_STATES.includes(state)) return undefined;
  const record = createRecord({
    id: alarmIdOf(source, condition),
    source,
    condition,
    area: str(v.area) ?? 'plant',
    machine: str(v.machine) ?? source,
    state,
    severity: Math.min(1000, Math.max(1, num(v.severity) ?? 500)),
    peakSeverity: Math.min(1000, Math.max(1, num(v.peakSeverity) ?? num(v.severity) ?? 500)),
    message: typeof v.message === 'string' ? v.message.slice(0, 2000) : '',
    raw: v.raw === true,
    shelvedUntil: num(v.shelvedUntil) ?? null,
    suppressed: v.suppressed === true,
    outOfService: v.outOfService === true,
    chattering: v.chattering === true,
    chatterEpisodes: num(v.chatterEpisodes) ?? 0,
    transitions: Array.isArray(v.transitions) ? v.transitions.filter((t): t is number => typeof t === 'number').slice(-20) : [],
    raises: num(v.raises) ?? 0,
    activeSince: num(v.activeSince) ?? null,
    lastChange: num(v.lastChange) ?? 0,
  });
  const value_ = num(v.value);
  if (value_ !== undefined) record.value = value_;
  if (typeof v.lastComment === 'string') record.lastComment = v.lastComment.slice(0, 2000);
  return record;
}
