// Request planning: turn a tag table into the fewest read requests the protocol allows.
//
// Each tag must lie wholly inside one request; a request reads at most 125 registers (2000 bits),
// per area and unit id. A window [x, x+L-1] contains tag [s, e] exactly when e-L+1 <= x <= s, so the
// count problem is "stab every interval [e-L+1, s] with the fewest points": sorting by s and always
// stabbing at the smallest unstabbed s is optimal (the classic interval-stabbing argument).
// minimumRequestCount() computes that optimum on its own; planRequests() builds the actual requests
// with a dynamic programme that also minimises registers read, and falls back to the greedy windows
// in the rare overlapping-tag case where contiguous groups cannot reach the optimum.
import { isBitArea, type ModbusArea, type ModbusTag } from './modbus-tags';

export const MAX_REGISTERS_PER_READ = 125;
export const MAX_BITS_PER_READ = 2000;

export interface PlanOptions {
  /**
   * Largest run of addresses that belong to no tag which one request may read across. Default:
   * unlimited (bounded only by the request size). 0 never reads an address outside a tag; use it
   * for devices that answer "illegal data address" for holes in their map.
   */
  maxGap?: number;
  /** Lower per-request limits (some devices accept fewer than the protocol maximum). */
  maxRegisters?: number;
  maxBits?: number;
  /** Unit id used for tags that name none. */
  defaultUnitId?: number;
}

export interface ReadRequest {
  unitId: number;
  area: ModbusArea;
  start: number;
  count: number;
  tags: ModbusTag[];
}

export interface Span {
  start: number;
  end: number;
}

function limitFor(area: ModbusArea, o: PlanOptions): number {
  const max = isBitArea(area) ? MAX_BITS_PER_READ : MAX_REGISTERS_PER_READ;
  const wanted = isBitArea(area) ? o.maxBits : o.maxRegisters;
  if (wanted === undefined) return max;
  if (!Number.isInteger(wanted) || wanted < 1) throw new Error(`request size limit must be a whole number >= 1, got ${wanted}`);
  return Math.min(max, wanted);
}

function spanOf(t: ModbusTag): Span {
  return { start: t.address, end: t.address + t.count - 1 };
}

/** Groups tags by unit id and area, in a stable order (unit, then coil, discrete, holding, input). */
export function groupTags(tags: readonly ModbusTag[], defaultUnitId = 1): Array<{ unitId: number; area: ModbusArea; tags: ModbusTag[] }> {
  const order: ModbusArea[] = ['coil', 'discrete', 'holding', 'input'];
  const groups = new Map<string, { unitId: number; area: ModbusArea; tags: ModbusTag[] }>();
  for (const t of tags) {
    const unitId = t.unitId ?? defaultUnitId;
    const key = `${unitId}:${t.area}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { unitId, area: t.area, tags: [] }));
    g.tags.push(t);
  }
  return [...groups.values()].sort((a, b) => a.unitId - b.unitId || order.indexOf(a.area) - order.indexOf(b.area));
}

/** Splits sorted spans into clusters separated by holes longer than maxGap. */
function clusters<T extends Span>(sorted: T[], maxGap: number): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let reach = -Infinity;
  for (const s of sorted) {
    if (current.length && s.start - reach - 1 > maxGap) {
      out.push(current);
      current = [];
    }
    current.push(s);
    reach = Math.max(reach, s.end);
  }
  if (current.length) out.push(current);
  return out;
}

/** Fewest windows of `limit` addresses that each contain whole spans, for spans of one area (greedy stabbing). */
export function minimumWindows(spans: readonly Span[], limit: number, maxGap = Infinity): number {
  let total = 0;
  const sorted = [...spans].sort((a, b) => a.start - b.start || a.end - b.end);
  for (const cluster of clusters(sorted, maxGap)) total += greedyWindows(cluster, limit).length;
  return total;
}

function greedyWindows<T extends Span>(sorted: T[], limit: number): T[][] {
  const windows: T[][] = [];
  const taken = new Array<boolean>(sorted.length).fill(false);
  for (let i = 0; i < sorted.length; i++) {
    if (taken[i]) continue;
    const x = sorted[i].start;
    const group: T[] = [];
    for (let j = i; j < sorted.length && sorted[j].start < x + limit; j++) {
      if (!taken[j] && sorted[j].end <= x + limit - 1) {
        taken[j] = true;
        group.push(sorted[j]);
      }
    }
    windows.push(group);
  }
  return windows;
}

/** Contiguous groups in start order minimising (requests, registers read); undefined cost when infeasible. */
function dpGroups<T extends Span>(sorted: T[], limit: number): T[][] {
  const n = sorted.length;
  const count = new Array<number>(n + 1).fill(Infinity);
  const regs = new Array<number>(n + 1).fill(Infinity);
  const from = new Array<number>(n + 1).fill(-1);
  count[0] = 0;
  regs[0] = 0;
  for (let i = 1; i <= n; i++) {
    let end = -Infinity;
    for (let j = i - 1; j >= 0; j--) {
      end = Math.max(end, sorted[j].end);
      const start = sorted[j].start;
      const length = end - start + 1;
      if (length > limit) {
        // starts only decrease as j falls, so no earlier j can fit either
        break;
      }
      if (count[j] === Infinity) continue;
      const c = count[j] + 1;
      const r = regs[j] + length;
      if (c < count[i] || (c === count[i] && r < regs[i])) {
        count[i] = c;
        regs[i] = r;
        from[i] = j;
      }
    }
  }
  if (count[n] === Infinity) return [];
  const groups: T[][] = [];
  for (let i = n; i > 0; i = from[i]) groups.unshift(sorted.slice(from[i], i));
  return groups;
}

/** Plans the reads for a tag table: fewest requests, then fewest addresses read. */
export function planRequests(tags: readonly ModbusTag[], options: PlanOptions = {}): ReadRequest[] {
  const maxGap = options.maxGap ?? Infinity;
  if (!(maxGap >= 0)) throw new Error(`maxGap must be >= 0, got ${options.maxGap}`);
  const requests: ReadRequest[] = [];
  for (const g of groupTags(tags, options.defaultUnitId ?? 1)) {
    const limit = limitFor(g.area, options);
    const items = g.tags.map((tag) => ({ ...spanOf(tag), tag })).sort((a, b) => a.start - b.start || a.end - b.end);
    for (const cluster of clusters(items, maxGap)) {
      const greedy = greedyWindows(cluster, limit);
      const dp = dpGroups(cluster, limit);
      const groups = dp.length > 0 && dp.length <= greedy.length ? dp : greedy;
      for (const group of groups) {
        let start = Infinity;
        let end = -Infinity;
        for (const s of group) {
          start = Math.min(start, s.start);
          end = Math.max(end, s.end);
        }
        requests.push({ unitId: g.unitId, area: g.area, start, count: end - start + 1, tags: group.map((s) => s.tag) });
      }
    }
  }
  return requests;
}

/** The proven minimum number of requests for a tag table (independent of planRequests). */
export function optimalRequestCount(tags: readonly ModbusTag[], options: PlanOptions = {}): number {
  let total = 0;
  for (const g of groupTags(tags, options.defaultUnitId ?? 1)) {
    total += minimumWindows(g.tags.map(spanOf), limitFor(g.area, options), options.maxGap ?? Infinity);
  }
  return total;
}

/** Requests a naive reader makes: one per run of back-to-back tags (how users wire per-block read nodes). */
export function contiguousBlocks(tags: readonly ModbusTag[], options: PlanOptions = {}): ReadRequest[] {
  return planRequests(tags, { ...options, maxGap: 0 });
}
