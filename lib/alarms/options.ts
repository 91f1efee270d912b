// The engine's settings, with defaults from ISA-18.2 (flood: more than 10 new alarms in 10 minutes;
// chattering: 3 transitions in 60 s) and Alertmanager (group wait 30 s, interval 5 min, repeat 4 h).
import { parseInhibitionRules, type InhibitionRule } from './inhibition';
import { parseSeverity } from './severity';

export type GroupBy = 'area' | 'machine' | 'area+machine' | 'alarm';
export const GROUP_BYS: readonly GroupBy[] = ['area', 'machine', 'area+machine', 'alarm'];

export interface AlarmOptions {
  defaultArea: string;
  defaultSeverity: number;
  onDelayMs: number;
  offDelayMs: number;
  /** Transitions (raise or clear) within chatterWindowMs that mark an alarm chattering; 0 = off. */
  chatterCount: number;
  chatterWindowMs: number;
  /** A chattering alarm clears only after its condition stayed normal this long. */
  chatterHoldMs: number;
  /** More than floodCount new alarms within floodWindowMs in one area is a flood; 0 = off. */
  floodCount: number;
  floodWindowMs: number;
  groupBy: GroupBy;
  groupWaitMs: number;
  groupIntervalMs: number;
  /** 0 = never repeat. */
  repeatIntervalMs: number;
  sendResolved: boolean;
  inhibitRules: InhibitionRule[];
  shelveDefaultMs: number;
  shelveMaxMs: number;
  /** Active longer than this counts as a stale alarm in the KPIs. */
  staleAfterMs: number;
  maxAlarms: number;
  maxEvents: number;
  retentionMs: number;
}

export const DEFAULT_INHIBIT_RULES: InhibitionRule[] = [
  { source: { condition: 'comm-lost' }, target: {}, equal: ['machine'] },
  { source: { condition: 'line-down' }, target: {}, equal: ['area'] },
];

export const DEFAULT_OPTIONS: AlarmOptions = {
  defaultArea: 'plant',
  defaultSeverity: 500,
  onDelayMs: 0,
  offDelayMs: 0,
  chatterCount: 3,
  chatterWindowMs: 60_000,
  chatterHoldMs: 60_000,
  floodCount: 10,
  floodWindowMs: 600_000,
  groupBy: 'area',
  groupWaitMs: 30_000,
  groupIntervalMs: 300_000,
  repeatIntervalMs: 4 * 3600_000,
  sendResolved: true,
  inhibitRules: DEFAULT_INHIBIT_RULES,
  shelveDefaultMs: 3600_000,
  shelveMaxMs: 24 * 3600_000,
  staleAfterMs: 24 * 3600_000,
  maxAlarms: 5000,
  maxEvents: 2000,
  retentionMs: 7 * 24 * 3600_000,
};

const MAX_MS = 366 * 24 * 3600_000;

function blank(v: unknown): boolean {
  return v === undefined || v === null || (typeof v === 'string' && v.trim() === '');
}

/** Seconds from editor config (a number or numeric string) to ms, field named in the error. */
export function secondsField(v: unknown, field: string, fallbackMs: number): number {
  if (blank(v)) return fallbackMs;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n * 1000 > MAX_MS) throw new Error(`${field} must be a number of seconds >= 0, got "${String(v)}"`);
  return Math.round(n * 1000);
}

function countField(v: unknown, field: string, fallback: number, min: number, max: number): number {
  if (blank(v)) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${field} must be a whole number ${min}..${max}, got "${String(v)}"`);
  return n;
}

/** Raw editor config (strings, numbers, booleans) to engine options, or an error naming the field. */
export function parseAlarmOptions(raw: Record<string, unknown>): AlarmOptions {
  const d = DEFAULT_OPTIONS;
  const groupBy = blank(raw.groupBy) ? d.groupBy : (String(raw.groupBy) as GroupBy);
  if (!GROUP_BYS.includes(groupBy)) throw new Error(`Group by must be one of ${GROUP_BYS.join(', ')}, got "${String(raw.groupBy)}"`);
  const chatterWindowMs = secondsField(raw.chatterWindow, 'Chatter window', d.chatterWindowMs);
  const options: AlarmOptions = {
    defaultArea: blank(raw.area) ? d.defaultArea : String(raw.area).trim(),
    defaultSeverity: blank(raw.severity) ? d.defaultSeverity : parseSeverity(raw.severity, 'Default severity'),
    onDelayMs: secondsField(raw.onDelay, 'On-delay', d.onDelayMs),
    offDelayMs: secondsField(raw.offDelay, 'Off-delay', d.offDelayMs),
    chatterCount: countField(raw.chatterCount, 'Chatter count', d.chatterCount, 0, 1000),
    chatterWindowMs,
    chatterHoldMs: secondsField(raw.chatterHold, 'Chatter hold', chatterWindowMs),
    floodCount: countField(raw.floodCount, 'Flood count', d.floodCount, 0, 100000),
    floodWindowMs: secondsField(raw.floodWindow, 'Flood window', d.floodWindowMs),
    groupBy,
    groupWaitMs: secondsField(raw.groupWait, 'Group wait', d.groupWaitMs),
    groupIntervalMs: secondsField(raw.groupInterval, 'Group interval', d.groupIntervalMs),
    repeatIntervalMs: secondsField(raw.repeatInterval, 'Repeat interval', d.repeatIntervalMs),
    sendResolved: raw.sendResolved === undefined ? d.sendResolved : raw.sendResolved === true || raw.sendResolved === 'true',
    inhibitRules: blank(raw.inhibitRules) ? d.inhibitRules : parseInhibitionRules(raw.inhibitRules),
    shelveDefaultMs: secondsField(raw.shelveDefault, 'Default shelve time', d.shelveDefaultMs),
    shelveMaxMs: secondsField(raw.shelveMax, 'Longest shelve', d.shelveMaxMs),
    staleAfterMs: secondsField(raw.staleAfter, 'Stale after', d.staleAfterMs),
    maxAlarms: countField(raw.maxAlarms, 'Most alarms kept', d.maxAlarms, 1, 1_000_000),
    maxEvents: countField(raw.maxEvents, 'Most events kept', d.maxEvents, 0, 1_000_000),
    retentionMs: blank(raw.retentionDays) ? d.retentionMs : secondsField(Number(raw.retentionDays) * 86400, 'Retention (days)', d.retentionMs),
  };
  if (options.floodWindowMs === 0 && options.floodCount > 0) throw new Error('Flood window must be > 0 s when flood detection is on');
  if (options.chatterWindowMs === 0 && options.chatterCount > 0) throw new Error('Chatter window must be > 0 s when chatter detection is on');
  if (options.shelveDefaultMs > options.shelveMaxMs) options.shelveDefaultMs = options.shelveMaxMs;
  return options;
}

export function withDefaults(partial: Partial<AlarmOptions> = {}): AlarmOptions {
  return { ...DEFAULT_OPTIONS, ...partial };
}
