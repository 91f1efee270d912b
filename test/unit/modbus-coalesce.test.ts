import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contiguousBlocks, minimumWindows, optimalRequestCount, planRequests, type ReadRequest } from '../../lib/protocols/modbus-coalesce';
import { parseTag, type ModbusTag } from '../../lib/protocols/modbus-tags';

/** Small deterministic PRNG so failures reproduce. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const TYPES = ['uint16', 'int32', 'float64', 'string(9)'];

function randomTable(rand: () => number, n: number, spread: number, overlap: boolean): ModbusTag[] {
  const tags: ModbusTag[] = [];
  let used = new Set<number>();
  while (tags.length < n) {
    const type = TYPES[Math.floor(rand() * TYPES.length)];
    const t = parseTag({ name: `t${tags.length}`, area: 'holding', address: Math.floor(rand() * spread), type });
    const regs = Array.from({ length: t.count }, (_, i) => t.address + i);
    if (!overlap && regs.some((r) => used.has(r))) continue;
    regs.forEach((r) => used.add(r));
    tags.push(t);
  }
  used = new Set();
  return tags;
}

/** Every partition of the tags into requests, keeping the best feasible one: the ground truth. */
function bruteForce(tags: ModbusTag[], limit: number, maxGap: number): { count: number; registers: number } {
  let best = { count: Infinity, registers: Infinity };
  const covered = (group: ModbusTag[]) => {
    const start = Math.min(...group.map((t) => t.address));
    const end = Math.max(...group.map((t) => t.address + t.count - 1));
    if (end - start + 1 > limit) return undefined;
    // longest run of addresses inside [start, end] that no tag of the table occupies
    const occupied = new Set<number>();
    for (const t of tags) for (let r = t.address; r < t.address + t.count; r++) occupied.add(r);
    let run = 0;
    for (let r = start; r <= end; r++) {
      run = occupied.has(r) ? 0 : run + 1;
      if (run > maxGap) return undefined;
    }
    return end - start + 1;
  };
  const groups: ModbusTag[][] = [];
  const recurse = (i: number, registers: number) => {
    if (groups.length > best.count) return;
    if (i === tags.length) {
      if (groups.length < best.count || (groups.length === best.count && registers < best.registers)) best = { count: groups.length, registers };
      return;
    }
    for (const g of groups) {
      const before = covered(g)!;
      g.push(tags[i]);
      const after = covered(g);
      if (after !== undefined) recurse(i + 1, registers - before + after);
      g.pop();
    }
    groups.push([tags[i]]);
    recurse(i + 1, registers + tags[i].count);
    groups.pop();
  };
  recurse(0, 0);
  return best;
}

function checkPlan(plan: ReadRequest[], tags: ModbusTag[], limit: number) {
  const seen = new Map<string, number>();
  for (const r of plan) {
    assert.ok(r.count <= limit, `request ${r.start}+${r.count} exceeds ${limit}`);
    for (const t of r.tags) {
      assert.ok(t.address >= r.start && t.address + t.count <= r.start + r.count, `tag ${t.name} outside its request`);
      seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
    }
  }
  assert.equal(seen.size, tags.length, 'every tag is read');
  assert.ok([...seen.values()].every((n) => n === 1), 'every tag is read once');
}

describe('modbus request coalescing', () => {
  it('matches a brute-force optimum on random small tables (count and registers read)', () => {
    const rand = rng(42);
    for (let round = 0; round < 150; round++) {
      const limit = 4 + Math.floor(rand() * 20);
      const maxGap = rand() < 0.3 ? 0 : rand() < 0.5 ? Math.floor(rand() * 6) : Infinity;
      const overlap = rand() < 0.3;
      const tags = randomTable(rand, 2 + Math.floor(rand() * 6), 60, overlap).filter((t) => t.count <= limit);
      if (tags.length === 0) continue;
      const truth = bruteForce(tags, limit, maxGap);
      const plan = planRequests(tags, { maxRegisters: limit, maxGap });
      checkPlan(plan, tags, limit);
      const context = `round ${round}, limit ${limit}, maxGap ${maxGap}: ${tags.map((t) => `${t.address}+${t.count}`).join(' ')}`;
      assert.equal(plan.length, truth.count, `requests, ${context}`);
      assert.equal(optimalRequestCount(tags, { maxRegisters: limit, maxGap }), truth.count, `optimum, ${context}`);
      if (!overlap) assert.equal(plan.reduce((s, r) => s + r.count, 0), truth.registers, `registers, ${context}`);
    }
  });

  it('respects 125 registers and 2000 coils per request and splits per area and unit id', () => {
    const tags = [
      ...Array.from({ length: 300 }, (_, i) => parseTag({ name: `h${i}`, area: 'holding', address: i })),
      ...Array.from({ length: 3000 }, (_, i) => parseTag({ name: `c${i}`, area: 'coil', address: i })),
      parseTag({ name: 'other-unit', area: 'holding', address: 0, unitId: 2 }),
      parseTag({ name: 'ir', area: 'input', address: 0 }),
    ];
    const plan = planRequests(tags);
    const summary = plan.map((r) => `${r.unitId}:${r.area}:${r.start}+${r.count}`);
    assert.deepEqual(summary, ['1:coil:0+2000', '1:coil:2000+1000', '1:holding:0+125', '1:holding:125+125', '1:holding:250+50', '1:input:0+1', '2:holding:0+1']);
    assert.equal(optimalRequestCount(tags), plan.length);
  });

  it('merges across gaps when that saves requests, and not across gaps larger than maxGap', () => {
    const tags = [0, 10, 100, 130, 200].map((a, i) => parseTag({ name: `t${i}`, area: 'holding', address: a, type: 'float32' }));
    assert.deepEqual(planRequests(tags).map((r) => [r.start, r.count]), [[0, 12], [100, 102]]);
    assert.deepEqual(planRequests(tags, { maxGap: 30 }).map((r) => [r.start, r.count]), [[0, 12], [100, 32], [200, 2]]);
    assert.equal(contiguousBlocks(tags).length, 5);
  });

  it('finds the optimum where a greedy left-to-right packing of contiguous runs does not', () => {
    // A long tag nested among short ones: optimal windows are not always contiguous in start order.
    const spans = [{ start: 0, end: 0 }, { start: 5, end: 129 }, { start: 6, end: 6 }, { start: 124, end: 124 }];
    assert.equal(minimumWindows(spans, 125), 2);
  });

  it('plans the 200-tag benchmark shape within the protocol limits and at the optimum', () => {
    const rand = rng(7);
    const areas = ['holding', 'input', 'coil'];
    const tags: ModbusTag[] = [];
    for (const [ai, area] of areas.entries()) {
      let address = 0;
      for (let i = 0; i < 67 - ai; i++) {
        address += 1 + Math.floor(rand() * 12);
        tags.push(parseTag({ name: `${area}${i}`, area, address, type: area === 'coil' ? 'bool' : 'float32' }));
        address += area === 'coil' ? 1 : 2;
      }
    }
    const plan = planRequests(tags);
    checkPlan(plan, tags, 2000);
    assert.equal(plan.length, optimalRequestCount(tags));
    assert.ok(plan.length < contiguousBlocks(tags).length);
  });
});
