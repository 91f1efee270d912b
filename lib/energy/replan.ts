// Re-planning while a plan is being carried out: loads that are running keep running (block loads
// keep their start, splittable loads keep at least their min on time), loads that have finished are
// not run again, and a running load missing from the new request runs on to its planned end.
import type { Schedule } from '../contracts';
import type { FlexibleLoadInput, ProblemInput, RunningLoadInput } from './problem';

export interface ReplanNote {
  running: string[];
  completed: string[];
  carried: string[];
}

/**
 * Adds `running` and `completed` to a request from the active plan at `now`. `started(id, at)` says
 * whether the start command of a run was actually sent. A request that already lists running or
 * completed loads is taken as it is.
 */
export function withActivePlan(input: ProblemInput, active: Schedule | undefined, now: number, started: (id: string, at: number) => boolean): { input: ProblemInput; note: ReplanNote } {
  const note: ReplanNote = { running: [], completed: [], carried: [] };
  if (!active || input.running !== undefined || input.completed !== undefined) return { input, note };
  const loads: FlexibleLoadInput[] = Array.isArray(input.loads) ? [...input.loads] : [];
  const requested = new Map(loads.map((l) => [l?.id, l]));
  const running: RunningLoadInput[] = [];
  const completed: string[] = [];
  const ids = [...new Set(active.loads.map((l) => l.id))];
  for (const id of ids) {
    const segs = active.loads.filter((l) => l.id === id).sort((a, b) => a.start - b.start);
    const wasStarted = (s: { start: number }) => s.start < active.startTime || started(id, s.start);
    const current = segs.find((s) => s.start <= now && now < s.end && wasStarted(s));
    if (current) {
      const req = requested.get(id);
      if (req) {
        const doneMs = segs.filter((s) => s.end <= now && wasStarted(s)).reduce((a, s) => a + s.end - s.start, 0) + (now - current.start);
        running.push({ id, since: current.start, ...(req.splittable ? { doneMinutes: Math.ceil(doneMs / 60_000) } : {}) });
      } else {
        loads.push({ id, powerKw: current.powerKw, durationMinutes: (current.end - current.start) / 60_000, ...(current.priority !== undefined ? { priority: current.priority } : {}) });
        running.push({ id, since: current.start });
        note.carried.push(id);
      }
      note.running.push(id);
      continue;
    }
    if (segs.every((s) => s.end <= now) && segs.some(wasStarted) && requested.has(id)) {
      completed.push(id);
      note.completed.push(id);
    }
  }
  const kept = loads.filter((l) => !completed.includes(l?.id));
  return { input: { ...input, loads: kept, running, completed }, note };
}

/** Base load per plan slot from a forecast (values on the forecast's own grid), or undefined if it does not cover the plan. */
export function baseLoadFromForecast(forecast: { start: number; intervalMinutes: number; values: number[] }, startTime: number, intervalMinutes: number, horizon: number): number[] | undefined {
  const out: number[] = [];
  const fStep = forecast.intervalMinutes * 60_000;
  for (let s = 0; s < horizon; s++) {
    const from = startTime + s * intervalMinutes * 60_000;
    const to = from + intervalMinutes * 60_000;
    const vals: number[] = [];
    for (let t = from; t < to; t += fStep) {
      const k = Math.floor((t - forecast.start) / fStep);
      if (k >= 0 && k < forecast.values.length) vals.push(forecast.values[k]);
    }
    if (vals.length === 0) return undefined;
    out.push(vals.reduce((a, b) => a + b, 0) / vals.length);
  }
  return out;
}
