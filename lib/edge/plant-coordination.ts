// Plant-wide energy coordination: each gateway offers its flexible loads and base-load forecast; one
// coordinator merges the offers into one problem against the plant's single demand charge, plans it
// with the energy scheduler, and hands each gateway back its own part of the plan.
import type { Command, Schedule, ScheduledLoad } from '../contracts';
import { planCommands } from '../energy/commands';
import type { FlexibleLoadInput, ProblemInput, RunningLoadInput } from '../energy/problem';

export interface GatewayOffer {
  gatewayId: string;
  /** When the offer was made, ms epoch. */
  at: number;
  loads: FlexibleLoadInput[];
  running?: RunningLoadInput[];
  completed?: string[];
  /** This gateway's forecast base load per interval (kW), or one number. */
  baseLoadKw?: number[] | number;
}

/** What the plant shares: the tariff, the demand charge and the horizon. */
export type PlantTariff = Omit<ProblemInput, 'loads' | 'running' | 'completed' | 'baseLoadKw'>;

export interface GatewayAssignment {
  gatewayId: string;
  planAt: number;
  /** Start of the planned horizon, ms epoch. */
  startTime: number;
  loads: ScheduledLoad[];
  plantPeakKw: number;
  status: Schedule['status'];
}

const SEP = '/';

function qualify(gatewayId: string, id: string): string {
  return `${gatewayId}${SEP}${id}`;
}

function horizonOf(tariff: PlantTariff): number {
  if (typeof tariff.horizon === 'number') return tariff.horizon;
  if (Array.isArray(tariff.prices)) return tariff.prices.length;
  throw new Error('plant tariff: give a horizon or a price per interval');
}

function series(v: number[] | number | undefined, length: number, gatewayId: string): number[] {
  if (v === undefined) return new Array(length).fill(0);
  if (typeof v === 'number') return new Array(length).fill(v);
  if (v.length < length) throw new Error(`gateway ${gatewayId}: base load has ${v.length} values, the plan needs ${length}`);
  return v.slice(0, length);
}

/** One problem for the whole plant: load ids become "<gateway>/<load>", base loads add up. */
export function mergeOffers(offers: GatewayOffer[], tariff: PlantTariff): ProblemInput {
  const horizon = horizonOf(tariff);
  const ids = new Set<string>();
  for (const o of offers) {
    if (!o.gatewayId || o.gatewayId.includes(SEP)) throw new Error(`gateway id "${o.gatewayId}" must be non-empty and contain no "/"`);
    if (ids.has(o.gatewayId)) throw new Error(`gateway ${o.gatewayId} offered twice`);
    ids.add(o.gatewayId);
  }
  const base = new Array(horizon).fill(0);
  for (const o of offers) series(o.baseLoadKw, horizon, o.gatewayId).forEach((kw, i) => (base[i] += kw));
  return {
    ...tariff,
    horizon,
    baseLoadKw: base,
    loads: offers.flatMap((o) => o.loads.map((l) => ({ ...l, id: qualify(o.gatewayId, l.id), after: l.after?.map((a) => qualify(o.gatewayId, a)) }))),
    running: offers.flatMap((o) => (o.running ?? []).map((r) => ({ ...r, id: qualify(o.gatewayId, r.id) }))),
    completed: offers.flatMap((o) => (o.completed ?? []).map((c) => qualify(o.gatewayId, c))),
  };
}

/** Each gateway's own loads out of the plant plan, with their local ids. */
export function splitSchedule(schedule: Schedule, gatewayIds: string[], planAt: number): GatewayAssignment[] {
  return gatewayIds.map((gatewayId) => ({
    gatewayId,
    planAt,
    startTime: schedule.startTime,
    plantPeakKw: schedule.peakKw,
    status: schedule.status,
    loads: schedule.loads.filter((l) => l.id.startsWith(gatewayId + SEP)).map((l) => ({ ...l, id: l.id.slice(gatewayId.length + 1) })),
  }));
}

/** The timed start and stop commands of a gateway's assignment, for its sequencer and write nodes. */
export function assignmentCommands(assignment: GatewayAssignment): Command[] {
  return planCommands({ startTime: assignment.startTime, loads: assignment.loads } as Schedule);
}
