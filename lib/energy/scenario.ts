// Generated plant scenarios (fixed seeds) for tests and benchmarks: a day of quarter-hours, a
// time-of-use tariff, a demand charge, a base load and N flexible motor loads with windows.
import { seededRandom } from '../shared/seeded-random';
import type { FlexibleLoadInput, ProblemInput } from './problem';

/** Kept under its old name for the callers that import it from here. */

export interface ScenarioOptions {
  loads: number;
  seed: number;
  slots?: number;
  startTime?: number;
}

/** Time-of-use price per kWh for a quarter-hour slot of the day: night, shoulder, peak. */
export function touPrice(slotOfDay: number): number {
  const hour = slotOfDay / 4;
  if (hour < 6 || hour >= 22) return 0.12;
  if (hour >= 16 && hour < 20) return 0.32;
  return 0.2;
}

export function generateScenario(o: ScenarioOptions): ProblemInput {
  const rnd = seededRandom(o.seed);
  const slots = o.slots ?? 96;
  const startTime = o.startTime ?? Date.UTC(2026, 0, 5);
  const slotMs = 15 * 60_000;
  const prices = Array.from({ length: slots }, (_, s) => touPrice(s % 96));
  // Base load: day shift hump plus noise, scaled with the number of loads.
  const scale = 20 + o.loads * 6;
  const baseLoadKw = Array.from({ length: slots }, (_, s) => {
    const h = (s % 96) / 4;
    const shift = h >= 6 && h < 22 ? 1 : 0.45;
    return Math.round(scale * shift * (0.9 + 0.2 * rnd()) * 10) / 10;
  });
  const loads: FlexibleLoadInput[] = [];
  for (let i = 0; i < o.loads; i++) {
    const duration = 2 + Math.floor(rnd() * 10); // 30 min .. 2.75 h
    const powerKw = Math.round((15 + rnd() * 85) * 10) / 10;
    // Naive operation starts most motors with the morning shift: the coincident start-up peak.
    const earliest = rnd() < 0.7 ? 24 + Math.floor(rnd() * 8) : Math.floor(rnd() * (slots - duration - 8));
    const slack = duration + 8 + Math.floor(rnd() * 40);
    const deadline = Math.min(slots, earliest + slack);
    const load: FlexibleLoadInput = {
      id: `m${String(i + 1).padStart(3, '0')}`,
      powerKw,
      durationMinutes: duration * 15,
      earliestStart: startTime + earliest * slotMs,
      deadline: startTime + deadline * slotMs,
      priority: 1 + Math.floor(rnd() * 5),
    };
    if (rnd() < 0.25) {
      load.splittable = true;
      load.minOnMinutes = 30;
      load.minOffMinutes = 15;
      load.maxStartsPerDay = 3;
    }
    if (i > 0 && rnd() < 0.1) {
      // Precedence only where the follower can still fit after its predecessor's earliest finish.
      const pred = loads[Math.floor(rnd() * i)];
      const predEarliest = Math.round(((pred.earliestStart as number) - startTime) / slotMs);
      const predDeadline = Math.round(((pred.deadline as number) - startTime) / slotMs);
      const from = predEarliest + Math.ceil((pred.durationMinutes as number) / 15);
      if (from + duration <= slots) {
        load.after = [pred.id];
        load.earliestStart = startTime + from * slotMs;
        load.deadline = startTime + Math.min(slots, Math.max(from + duration + 4, predDeadline + duration + 4)) * slotMs;
      }
    }
    loads.push(load);
  }
  return { startTime, intervalMinutes: 15, prices, demandCharge: 12, baseLoadKw, loads };
}
