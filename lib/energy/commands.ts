// The plan's timed commands and a timeline that hands them out when their time has come, remembers
// what it has sent (so a restart repeats none) and, after downtime, sends what was missed without
// short-cycling: a run that started and ended while nobody was listening is reported, not replayed.
import { validateCommand, type Command, type Schedule } from '../contracts';

export function commandKey(c: Command): string {
  return `${c.loadId}|${c.action}|${c.at}`;
}

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/** Start and stop commands for every run of the plan; runs already going at the plan start get only their stop. */
export function planCommands(schedule: Schedule): Command[] {
  const out: Command[] = [];
  for (const l of schedule.loads) {
    const base = { loadId: l.id, powerKw: l.powerKw, ...(l.priority !== undefined ? { priority: l.priority } : {}) };
    if (l.start >= schedule.startTime) out.push({ ...base, action: 'start', at: l.start, reason: `plan: run ${hhmm(l.start)}-${hhmm(l.end)} UTC` });
    out.push({ ...base, action: 'stop', at: l.end, reason: `plan: run ${hhmm(l.start)}-${hhmm(l.end)} UTC ends` });
  }
  const order = { stop: 0, shed: 1, release: 2, start: 3 } as const;
  return out.sort((a, b) => a.at - b.at || order[a.action] - order[b.action] || a.loadId.localeCompare(b.loadId));
}

export interface TimelineSnapshot {
  commands: Command[];
  sent: string[];
}

export interface DueCommands {
  send: Command[];
  /** Start/stop pairs that both fell due unseen (the run was missed entirely). */
  missed: Command[];
}

export class CommandTimeline {
  private commands: Command[];
  private readonly sent: Set<string>;

  constructor(commands: Command[] = [], sent: Iterable<string> = []) {
    this.commands = [...commands].sort((a, b) => a.at - b.at);
    this.sent = new Set(sent);
  }

  /** Replaces the pending commands (a new plan); what was sent stays sent. */
  replace(commands: Command[]): void {
    this.commands = [...commands].sort((a, b) => a.at - b.at);
    const keys = new Set(this.commands.map(commandKey));
    for (const k of [...this.sent]) if (!keys.has(k)) this.sent.delete(k);
  }

  isSent(c: Command): boolean {
    return this.sent.has(commandKey(c));
  }

  /** Commands due at `now` and not yet sent, marked sent. */
  take(now: number): DueCommands {
    const due = this.commands.filter((c) => c.at <= now && !this.sent.has(commandKey(c)));
    const send: Command[] = [];
    const missed: Command[] = [];
    const byLoad = new Map<string, Command[]>();
    for (const c of due) byLoad.set(c.loadId, [...(byLoad.get(c.loadId) ?? []), c]);
    for (const c of due) {
      this.sent.add(commandKey(c));
      if (c.action === 'start') {
        const stop = byLoad.get(c.loadId)?.find((s) => s.action === 'stop' && s.at > c.at);
        if (stop && stop.at <= now) {
          missed.push(c, stop);
          continue;
        }
      }
      if (c.action === 'stop' && missed.includes(c)) continue;
      send.push(c);
    }
    return { send, missed };
  }

  /** Time of the next unsent command, or undefined. */
  nextAt(): number | undefined {
    return this.commands.find((c) => !this.sent.has(commandKey(c)))?.at;
  }

  pending(): Command[] {
    return this.commands.filter((c) => !this.sent.has(commandKey(c)));
  }

  all(): Command[] {
    return [...this.commands];
  }

  snapshot(): TimelineSnapshot {
    return { commands: this.commands.map((c) => ({ ...c })), sent: [...this.sent] };
  }

  /** Rebuilds a saved timeline; a damaged snapshot throws with the field at fault. */
  static restore(s: TimelineSnapshot | undefined): CommandTimeline {
    const commands = s?.commands ?? [];
    const sent = s?.sent ?? [];
    if (!Array.isArray(commands)) throw new Error('saved timeline: commands must be an array');
    if (!Array.isArray(sent) || sent.some((k) => typeof k !== 'string')) throw new Error('saved timeline: sent must be an array of strings');
    return new CommandTimeline(commands.map((c, i) => validateCommand(c, `saved timeline commands[${i}]`)), sent);
  }
}
