// The alarm engine: identity by source + condition, the ISA-18.2 lifecycle, on/off delays,
// deadband, chattering, shelving, suppression, out of service, flood and grouped notifications.
// Every change is an AlarmEvent with who, when and why. Time comes only from the injected clock.
import type { AlarmEvent, AlarmPriority, AlarmState } from '../contracts';
import type { Clock } from './clock';
import { EventLog } from './event-log';
import { FloodDetector, type FloodChange } from './flood';
import { inhibits, matches, type Matcher } from './inhibition';
import { KpiTracker, type AlarmKpis } from './kpis';
import { nextState, type LifecycleAction } from './lifecycle';
import { buildNotification, summaryOf, type AlarmNotification } from './notification';
import { Notifier } from './notifier';
import type { AlarmOptions } from './options';
import { alarmIdOf, createRecord, labelsOf, restoreRecord, rowOf, serialiseRecord, type AlarmRecord, type AlarmRow } from './record';
import { priorityOf } from './severity';
import { TimerSet } from './timers';

/** One reading of a condition: explicit `active`, or a value judged against a limit with deadband. */
export interface Observation {
  source: string;
  condition: string;
  active?: boolean;
  value?: number;
  limit?: number;
  /** The value must fall below limit - deadband before the condition counts as normal again. */
  deadband?: number;
  severity?: number;
  message?: string;
  area?: string;
  machine?: string;
  by?: string;
  reason?: string;
}

/** Which alarms a command is for: one alarmId, or every alarm whose labels match all given fields. */
export interface AlarmTarget {
  alarmId?: string;
  source?: string;
  condition?: string;
  area?: string;
  machine?: string;
}

export interface Actor {
  by: string;
  comment?: string;
}

/** A command that cannot be carried out (unknown alarm, nothing to acknowledge...). */
export class AlarmCommandError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AlarmCommandError';
  }
}

export interface EngineListeners {
  onEvent?: (event: AlarmEvent) => void;
  onNotification?: (notification: AlarmNotification) => void;
  /** The alarm list or KPIs changed. */
  onChange?: () => void;
}

export interface AlarmSnapshot {
  version: 1;
  savedAt: number;
  seq: number;
  alarms: Record<string, unknown>[];
  suppressions: Matcher[];
  kpis: Record<string, unknown>;
  flood: unknown;
  events: AlarmEvent[];
}

/** What is wrong with a stored alarm snapshot's shape, or undefined when it can be restored. */
export function alarmSnapshotProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not an alarm snapshot object';
  const s = value as Partial<AlarmSnapshot>;
  if (s.version !== 1) return `unknown snapshot version ${JSON.stringify(s.version)}`;
  if (typeof s.seq !== 'number' || !Number.isFinite(s.seq)) return 'seq must be a number';
  if (!Array.isArray(s.alarms)) return 'alarms must be an array';
  return undefined;
}

const MAX_SUPPRESSIONS = 1000;
const PRIORITY_RANK: Record<AlarmPriority, number> = { low: 0, medium: 1, high: 2, critical: 3 };
const MAX_NAME = 500;
const TARGET_KEYS = ['source', 'condition', 'area', 'machine'] as const;

function describeTarget(t: AlarmTarget): string {
  if (t.alarmId) return `alarm "${t.alarmId}"`;
  const parts = TARGET_KEYS.filter((k) => t[k] !== undefined).map((k) => `${k}=${t[k]}`);
  return parts.length ? `alarms with ${parts.join(', ')}` : 'no alarm (give alarmId, source, condition, area or machine)';
}

export class AlarmEngine {
  private readonly records = new Map<string, AlarmRecord>();
  private readonly timers: TimerSet;
  private readonly log: EventLog;
  private readonly flood: FloodDetector;
  private readonly kpiTracker: KpiTracker;
  private readonly notifier: Notifier;
  private suppressions: Matcher[] = [];
  private seq = 0;
  private readonly hasInhibitionSources: (r: AlarmRecord) => boolean;

  constructor(readonly options: AlarmOptions, private readonly clock: Clock, private readonly listeners: EngineListeners = {}) {
    this.timers = new TimerSet(clock);
    this.log = new EventLog(options.maxEvents, options.retentionMs);
    this.flood = new FloodDetector(options.floodCount, options.floodWindowMs);
    this.kpiTracker = new KpiTracker(clock.now());
    this.hasInhibitionSources = (r) => options.inhibitRules.some((rule) => matches(labelsOf(r), rule.source));
    this.notifier = new Notifier({
      now: () => this.clock.now(),
      timers: this.timers,
      options,
      alarms: () => this.records.values(),
      get: (alarmId) => this.records.get(alarmId),
      notifiable: (r, inhibitors) => this.notifiable(r, inhibitors),
      inhibitors: () => this.inhibitors(),
      flooding: (area) => this.flood.isFlooding(area),
      emit: (n) => this.listeners.onNotification?.(n),
    });
  }

  // ---- inputs -----------------------------------------------------------------------------------

  /** Feeds one reading of a condition. Throws on an unusable observation. */
  observe(obs: Observation): void {
    if (typeof obs.source !== 'string' || obs.source === '') throw new Error('alarm source must be a non-empty string');
    if (typeof obs.condition !== 'string' || obs.condition === '') throw new Error('alarm condition must be a non-empty string');
    if (obs.source.length > MAX_NAME || obs.condition.length > MAX_NAME) throw new Error(`alarm source and condition must be at most ${MAX_NAME} characters`);
    const id = alarmIdOf(obs.source, obs.condition);
    let r = this.records.get(id);
    const wantsActive = this.evaluate(r?.raw ?? false, obs);
    if (!r) {
      if (!wantsActive) return;
      r = this.create(obs);
    }
    if ((obs.area && obs.area !== r.area) || (obs.machine && obs.machine !== r.machine)) this.relabel(r, obs.area || r.area, obs.machine || r.machine, obs.by);
    if (obs.value !== undefined) r.value = obs.value;
    if (wantsActive) {
      if (obs.message !== undefined) r.message = obs.message;
      if (obs.severity !== undefined && obs.severity !== r.severity) {
        r.severity = obs.severity;
        // Only an escalation past the highest priority of this activation is an event, so a score
        // wandering across a band boundary does not flood the log.
        if (r.active && PRIORITY_RANK[priorityOf(obs.severity)] > PRIORITY_RANK[priorityOf(r.peakSeverity)]) {
          this.emitEvent(r, 'severity', { by: obs.by ?? 'system', reason: `escalated from ${priorityOf(r.peakSeverity)} to ${priorityOf(obs.severity)}` });
        }
        if (r.active) r.peakSeverity = Math.max(r.peakSeverity, obs.severity);
      }
    }
    if (wantsActive !== r.raw) {
      r.raw = wantsActive;
      this.rawChanged(r, obs);
    }
  }

  /** An alarm moved to another area or machine: it joins that group and that scope's suppression. */
  private relabel(r: AlarmRecord, area: string, machine: string, by = 'system'): void {
    this.notifier.forget(r);
    r.area = area;
    r.machine = machine;
    const suppressed = this.suppressions.some((s) => matches(labelsOf(r), s));
    if (suppressed !== r.suppressed) {
      r.suppressed = suppressed;
      this.emitEvent(r, suppressed ? 'suppress' : 'unsuppress', { by, reason: `moved to area ${area}, machine ${machine}` });
    }
    if (r.active) this.notifier.firing(r);
  }

  private evaluate(wasActive: boolean, obs: Observation): boolean {
    if (obs.active !== undefined) return obs.active;
    if (obs.value === undefined || !Number.isFinite(obs.value)) throw new Error('an observation needs active (true/false) or a finite value');
    if (obs.limit === undefined) return obs.value !== 0;
    const deadband = Math.max(0, obs.deadband ?? 0);
    return wasActive ? obs.value >= obs.limit - deadband : obs.value >= obs.limit;
  }

  private create(obs: Observation): AlarmRecord {
    if (this.records.size >= this.options.maxAlarms) this.evictOne();
    const now = this.clock.now();
    const r = createRecord({
      id: alarmIdOf(obs.source, obs.condition),
      source: obs.source,
      condition: obs.condition,
      area: obs.area || this.options.defaultArea,
      machine: obs.machine || obs.source,
      state: 'normal',
      severity: obs.severity ?? this.options.defaultSeverity,
      peakSeverity: obs.severity ?? this.options.defaultSeverity,
      message: obs.message ?? '',
      raw: false,
      shelvedUntil: null,
      suppressed: false,
      outOfService: false,
      chattering: false,
      chatterEpisodes: 0,
      transitions: [],
      raises: 0,
      activeSince: null,
      lastChange: now,
    });
    r.suppressed = this.suppressions.some((s) => matches(labelsOf(r), s));
    this.records.set(r.id, r);
    return r;
  }

  /** Makes room by forgetting the quietest alarm that is normal and holds no operator state. */
  private evictOne(): void {
    let victim: AlarmRecord | undefined;
    for (const r of this.records.values()) {
      if (r.state !== 'normal' || r.raw || r.shelvedUntil !== null || r.outOfService || r.chattering) continue;
      if (this.timers.has(`on:${r.id}`)) continue;
      if (!victim || r.lastChange < victim.lastChange) victim = r;
    }
    if (!victim) throw new Error(`alarm table full: ${this.options.maxAlarms} alarms are active or held (raise "Most alarms kept")`);
    this.notifier.forget(victim);
    this.records.delete(victim.id);
  }

  private rawChanged(r: AlarmRecord, obs: Observation): void {
    const by = obs.by ?? 'system';
    if (r.raw) {
      this.timers.cancel(`off:${r.id}`);
      if (r.active) return;
      const reason = obs.reason ?? (obs.limit !== undefined ? `value ${obs.value} >= limit ${obs.limit}` : 'condition active');
      if (this.options.onDelayMs > 0) {
        this.timers.at(`on:${r.id}`, this.clock.now() + this.options.onDelayMs, () => this.activate(r, by, `${reason}, held for the on-delay of ${this.options.onDelayMs / 1000} s`));
      } else this.activate(r, by, reason);
    } else {
      this.timers.cancel(`on:${r.id}`);
      if (!r.active) return;
      const reason = obs.reason ?? (obs.limit !== undefined ? `value ${obs.value} < limit ${obs.limit} - deadband ${obs.deadband ?? 0}` : 'condition normal');
      const hold = r.chattering ? Math.max(this.options.offDelayMs, this.options.chatterHoldMs) : this.options.offDelayMs;
      if (hold > 0) {
        const why = r.chattering ? `${reason}, held ${hold / 1000} s because the alarm chatters` : `${reason}, for the off-delay of ${hold / 1000} s`;
        this.timers.at(`off:${r.id}`, this.clock.now() + hold, () => this.deactivate(r, by, why));
      } else this.deactivate(r, by, reason);
    }
  }

  private activate(r: AlarmRecord, by: string, reason: string): void {
    if (this.records.get(r.id) !== r || !this.transition(r, 'raise', { by, reason })) return;
    const now = this.clock.now();
    r.activeSince = now;
    r.peakSeverity = r.severity;
    r.raises++;
    this.kpiTracker.recordRaise(now);
    this.noteTransition(r, by);
    const change = this.flood.record(r.area, now);
    if (change) this.floodChanged(change);
    this.notifier.firing(r);
  }

  private deactivate(r: AlarmRecord, by: string, reason: string): void {
    const wasChattering = r.chattering;
    if (this.records.get(r.id) !== r || !this.transition(r, 'clear', { by, reason })) return;
    r.activeSince = null;
    if (wasChattering) {
      r.chattering = false;
      r.transitions = [];
      this.emitEvent(r, 'chatter-end', { by: 'system', reason: `quiet for ${this.options.chatterHoldMs / 1000} s` });
    } else this.noteTransition(r, by);
    this.notifier.resolved(r);
    if (this.hasInhibitionSources(r)) this.notifier.recheck();
  }

  /** Counts a transition for chatter detection; marks the alarm chattering when there are too many. */
  private noteTransition(r: AlarmRecord, by: string): void {
    const { chatterCount, chatterWindowMs } = this.options;
    if (chatterCount <= 0) return;
    const now = this.clock.now();
    r.transitions.push(now);
    r.transitions = r.transitions.filter((t) => t > now - chatterWindowMs).slice(-chatterCount);
    if (!r.chattering && r.transitions.length >= chatterCount) {
      r.chattering = true;
      r.chatterEpisodes++;
      this.emitEvent(r, 'chatter', { by, reason: `${r.transitions.length} transitions within ${chatterWindowMs / 1000} s` });
    }
  }

  private transition(r: AlarmRecord, action: LifecycleAction, actor: { by: string; reason?: string; comment?: string }): boolean {
    const next = nextState(r.state, action);
    if (!next) return false;
    const previous = r.state;
    r.state = next;
    r.lastChange = this.clock.now();
    this.emitEvent(r, action, actor, previous);
    return true;
  }

  // ---- commands ---------------------------------------------------------------------------------

  private resolve(target: AlarmTarget): AlarmRecord[] {
    if (target.alarmId !== undefined) {
      const r = this.records.get(target.alarmId);
      if (!r) throw new AlarmCommandError(`no alarm "${target.alarmId}"`);
      return [r];
    }
    const given = TARGET_KEYS.filter((k) => target[k] !== undefined);
    if (given.length === 0) throw new AlarmCommandError('say which alarm: give alarmId, or source (and condition), area or machine');
    const found = [...this.records.values()].filter((r) => given.every((k) => r[k] === target[k]));
    if (found.length === 0) throw new AlarmCommandError(`no ${describeTarget(target)}`);
    return found;
  }

  acknowledge(target: AlarmTarget, actor: Actor): number {
    const found = this.resolve(target);
    let n = 0;
    for (const r of found) {
      if (this.transition(r, 'ack', { by: actor.by, comment: actor.comment, reason: 'acknowledged' })) {
        n++;
        if (actor.comment) r.lastComment = actor.comment;
      }
    }
    if (n === 0) throw new AlarmCommandError(`nothing to acknowledge: ${describeTarget(target)} ${found.length === 1 ? `is ${found[0].state}` : 'are all acknowledged'}`);
    return n;
  }

  shelve(target: AlarmTarget, actor: Actor & { durationMs?: number }): number {
    const duration = actor.durationMs ?? this.options.shelveDefaultMs;
    if (!Number.isFinite(duration) || duration <= 0) throw new AlarmCommandError(`shelve duration must be > 0, got ${duration}`);
    if (duration > this.options.shelveMaxMs) {
      throw new AlarmCommandError(`shelve duration ${duration / 1000} s is longer than the longest allowed (${this.options.shelveMaxMs / 1000} s)`);
    }
    const found = this.resolve(target);
    const now = this.clock.now();
    const until = now + duration;
    for (const r of found) {
      r.shelvedUntil = until;
      if (actor.comment) r.lastComment = actor.comment;
      this.timers.at(`shelve:${r.id}`, until, () => this.endShelve(r, 'system', 'shelve time expired'));
      this.notifier.muted(r);
      this.emitEvent(r, 'shelve', { by: actor.by, comment: actor.comment, reason: `shelved for ${Math.round(duration / 1000)} s`, at: now });
    }
    return found.length;
  }

  unshelve(target: AlarmTarget, actor: Actor): number {
    const found = this.resolve(target).filter((r) => r.shelvedUntil !== null);
    if (found.length === 0) throw new AlarmCommandError(`nothing to unshelve: ${describeTarget(target)} is not shelved`);
    for (const r of found) this.endShelve(r, actor.by, 'unshelved', actor.comment);
    return found.length;
  }

  private endShelve(r: AlarmRecord, by: string, reason: string, comment?: string): void {
    if (r.shelvedUntil === null) return;
    r.shelvedUntil = null;
    this.timers.cancel(`shelve:${r.id}`);
    this.emitEvent(r, 'unshelve', { by, reason, comment });
    if (r.active) this.notifier.firing(r);
  }

  comment(target: AlarmTarget, actor: Actor): number {
    if (!actor.comment || !actor.comment.trim()) throw new AlarmCommandError('a comment needs text (msg.comment or payload.comment)');
    const found = this.resolve(target);
    for (const r of found) {
      r.lastComment = actor.comment;
      this.emitEvent(r, 'comment', { by: actor.by, comment: actor.comment });
    }
    return found.length;
  }

  /** Suppression by design (a machine in maintenance): alarms matching the scope, now and later. */
  suppress(scope: Matcher, actor: Actor): number {
    const key = JSON.stringify(scope);
    if (Object.keys(scope).length === 0) throw new AlarmCommandError('suppress needs a scope: area, machine, source or condition');
    if (!this.suppressions.some((s) => JSON.stringify(s) === key)) {
      if (this.suppressions.length >= MAX_SUPPRESSIONS) throw new AlarmCommandError(`too many suppressions (${MAX_SUPPRESSIONS})`);
      this.suppressions.push(scope);
    }
    let n = 0;
    for (const r of this.records.values()) {
      if (r.suppressed || !matches(labelsOf(r), scope)) continue;
      r.suppressed = true;
      this.notifier.muted(r);
      this.emitEvent(r, 'suppress', { by: actor.by, comment: actor.comment, reason: `suppressed by design (${key})` });
      n++;
    }
    this.listeners.onChange?.();
    return n;
  }

  unsuppress(scope: Matcher, actor: Actor): number {
    const key = JSON.stringify(scope);
    const before = this.suppressions.length;
    this.suppressions = this.suppressions.filter((s) => JSON.stringify(s) !== key);
    if (this.suppressions.length === before) throw new AlarmCommandError(`no suppression for ${key}; active: ${JSON.stringify(this.suppressions)}`);
    let n = 0;
    for (const r of this.records.values()) {
      if (!r.suppressed || this.suppressions.some((s) => matches(labelsOf(r), s))) continue;
      r.suppressed = false;
      this.emitEvent(r, 'unsuppress', { by: actor.by, comment: actor.comment, reason: `suppression ${key} lifted` });
      if (r.active) this.notifier.firing(r);
      n++;
    }
    this.listeners.onChange?.();
    return n;
  }

  setOutOfService(target: AlarmTarget, outOfService: boolean, actor: Actor): number {
    const found = this.resolve(target).filter((r) => r.outOfService !== outOfService);
    if (found.length === 0) throw new AlarmCommandError(`${describeTarget(target)} ${outOfService ? 'is already out of service' : 'is already in service'}`);
    for (const r of found) {
      r.outOfService = outOfService;
      if (outOfService) this.notifier.muted(r);
      this.emitEvent(r, outOfService ? 'out-of-service' : 'in-service', { by: actor.by, comment: actor.comment });
      if (!outOfService && r.active) this.notifier.firing(r);
    }
    return found.length;
  }

  // ---- notification filters -------------------------------------------------------------------

  private inhibitors(): AlarmRecord[] {
    const out: AlarmRecord[] = [];
    for (const r of this.records.values()) if (r.active && !r.outOfService && this.hasInhibitionSources(r)) out.push(r);
    return out;
  }

  private notifiable(r: AlarmRecord, inhibitors: AlarmRecord[]): boolean {
    if (r.shelvedUntil !== null || r.suppressed || r.outOfService) return false;
    if (inhibitors.length === 0) return true;
    const labels = labelsOf(r);
    return !inhibitors.some((i) => this.options.inhibitRules.some((rule) => inhibits(rule, labelsOf(i), labels)));
  }

  /** True when an active alarm silences this one through an inhibition rule. */
  isInhibited(alarmId: string): boolean {
    const r = this.records.get(alarmId);
    if (!r) return false;
    const inhibitors = this.inhibitors();
    const labels = labelsOf(r);
    return inhibitors.some((i) => this.options.inhibitRules.some((rule) => inhibits(rule, labelsOf(i), labels)));
  }

  private floodChanged(change: FloodChange): void {
    this.kpiTracker.setFlooding(this.flood.floodedAreas().length > 0, change.at);
    const firing = [...this.records.values()]
      .filter((r) => r.area === change.area && r.active)
      .sort((a, b) => b.severity - a.severity)
      .slice(0, 10)
      .map(summaryOf);
    this.listeners.onNotification?.(
      buildNotification({ kind: change.flooding ? 'flood-start' : 'flood-end', groupKey: `area:${change.area}`, area: change.area, timestamp: change.at, firing, resolved: [], floodCount: change.count }),
    );
    this.scheduleFloodCheck();
  }

  private scheduleFloodCheck(): void {
    const at = this.flood.nextCheckAt(this.clock.now());
    if (at === undefined) return this.timers.cancel('flood');
    this.timers.at('flood', at, () => {
      for (const ended of this.flood.check(this.clock.now())) this.floodChanged(ended);
      this.scheduleFloodCheck();
      this.notifier.recheck();
      this.listeners.onChange?.();
    });
  }

  // ---- events -----------------------------------------------------------------------------------

  private emitEvent(r: AlarmRecord, transition: string, actor: { by?: string; reason?: string; comment?: string; at?: number }, previous?: AlarmState): void {
    const event: AlarmEvent = {
      alarmId: r.id,
      source: r.source,
      condition: r.condition,
      severity: r.severity,
      state: r.state,
      active: r.active,
      acked: r.acked,
      shelved: r.shelvedUntil !== null,
      suppressed: r.suppressed,
      outOfService: r.outOfService,
      message: r.message,
      timestamp: actor.at ?? this.clock.now(),
      transition,
      by: actor.by ?? 'system',
      priority: priorityOf(r.severity),
      area: r.area,
      machine: r.machine,
      chattering: r.chattering,
      seq: ++this.seq,
    };
    if (actor.reason) event.reason = actor.reason;
    if (actor.comment) event.comment = actor.comment;
    if (previous) event.previousState = previous;
    if (r.value !== undefined) event.value = r.value;
    if (r.shelvedUntil !== null) event.shelvedUntil = r.shelvedUntil;
    this.log.add(event);
    this.listeners.onEvent?.(event);
    this.listeners.onChange?.();
  }

  // ---- views ------------------------------------------------------------------------------------

  get(alarmId: string): AlarmRow | undefined {
    const r = this.records.get(alarmId);
    return r ? rowOf(r) : undefined;
  }

  /** Alarms an operator should see: not normal, or shelved, suppressed, out of service; worst first. */
  list(all = false): AlarmRow[] {
    const rows: AlarmRow[] = [];
    for (const r of this.records.values()) {
      if (all || r.state !== 'normal' || r.shelvedUntil !== null || r.suppressed || r.outOfService) rows.push(rowOf(r));
    }
    return rows.sort((a, b) => b.severity - a.severity || (b.activeSince ?? 0) - (a.activeSince ?? 0) || (a.alarmId < b.alarmId ? -1 : 1));
  }

  size(): number {
    return this.records.size;
  }

  events(): AlarmEvent[] {
    return this.log.list(this.clock.now());
  }

  suppressionScopes(): Matcher[] {
    return this.suppressions.map((s) => ({ ...s }));
  }

  kpis(): AlarmKpis {
    const now = this.clock.now();
    return this.kpiTracker.report(now, this.records.values(), this.options.staleAfterMs, this.flood.floodedAreas());
  }

  /** Timers waiting, optionally only one kind: on:, off:, shelve:, flush:, repeat:, flood. */
  pendingTimers(kind = ''): number {
    return this.timers.size(kind);
  }

  // ---- persistence ------------------------------------------------------------------------------

  snapshot(): AlarmSnapshot {
    return {
      version: 1,
      savedAt: this.clock.now(),
      seq: this.seq,
      alarms: [...this.records.values()].map(serialiseRecord),
      suppressions: this.suppressionScopes(),
      kpis: this.kpiTracker.toJSON(),
      flood: this.flood.toJSON(),
      events: this.log.list(this.clock.now()),
    };
  }

  /** Loads a snapshot (after a restart); damaged entries are skipped. Returns the alarms restored. */
  restore(value: unknown): number {
    if (typeof value !== 'object' || value === null) return 0;
    const s = value as Partial<AlarmSnapshot>;
    const now = this.clock.now();
    if (typeof s.seq === 'number' && Number.isFinite(s.seq)) this.seq = Math.max(this.seq, s.seq);
    if (Array.isArray(s.suppressions)) {
      this.suppressions = s.suppressions
        .filter((m): m is Matcher => typeof m === 'object' && m !== null && !Array.isArray(m) && Object.values(m).every((v) => typeof v === 'string'))
        .slice(0, MAX_SUPPRESSIONS);
    }
    this.kpiTracker.load(s.kpis);
    this.flood.load(s.flood);
    this.log.load(s.events, now);
    let n = 0;
    for (const item of Array.isArray(s.alarms) ? s.alarms : []) {
      if (this.records.size >= this.options.maxAlarms) break;
      const r = restoreRecord(item);
      if (!r) continue;
      this.records.set(r.id, r);
      n++;
    }
    for (const r of this.records.values()) {
      if (r.shelvedUntil !== null) {
        if (r.shelvedUntil <= now) this.endShelve(r, 'system', 'shelve time expired while stopped');
        else this.timers.at(`shelve:${r.id}`, r.shelvedUntil, () => this.endShelve(r, 'system', 'shelve time expired'));
      }
      // A delay that was running at shutdown starts again from now.
      if (r.raw !== r.active) this.rawChanged(r, { source: r.source, condition: r.condition, by: 'system', reason: 'condition changed before the restart' });
    }
    this.notifier.assumeAnnounced();
    this.scheduleFloodCheck();
    return n;
  }

  /** Releases every timer; the engine must not be used afterwards. */
  dispose(): void {
    this.timers.dispose();
  }
}
