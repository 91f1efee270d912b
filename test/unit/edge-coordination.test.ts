// Plant-wide energy coordination: merging offers, splitting the plan, and gateways on a real broker
// choosing one coordinator, getting their assignments, and failing over when the coordinator dies.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPlan } from '../../lib/energy/scheduler';
import type { ProblemInput } from '../../lib/energy/problem';
import { mergeOffers, splitSchedule, type GatewayOffer, type PlantTariff } from '../../lib/edge/plant-coordination';
import { PlantCoordinator } from '../../lib/edge/plant-coordinator';
import { Broker, mosquittoSkipReason } from '../helpers/mosquitto';

const START = Date.UTC(2026, 0, 5, 0, 0, 0);
// A flat price and a demand charge: the only way to save is not to stack the loads.
const tariff: PlantTariff = { startTime: START, intervalMinutes: 15, horizon: 16, prices: 0.2, demandCharge: 15 };

function offer(gatewayId: string): Omit<GatewayOffer, 'gatewayId' | 'at'> {
  return {
    baseLoadKw: 20,
    loads: [
      { id: 'press', powerKw: 100, durationMinutes: 60, earliestStart: START, deadline: START + 4 * 3600_000 },
      { id: 'oven', powerKw: 60, durationMinutes: 30, earliestStart: START, deadline: START + 4 * 3600_000, after: ['press'] },
    ],
  };
}

const plan = async (problem: ProblemInput) => (await startPlan(problem, { solver: 'none', now: START }).outcome).schedule;

describe('merging and splitting gateway offers', () => {
  it('qualifies load ids per gateway, adds base loads, and hands each gateway its own loads back', async () => {
    const offers = ['g1', 'g2'].map((g) => ({ ...offer(g), gatewayId: g, at: 0 }));
    const merged = mergeOffers(offers, tariff);
    assert.deepEqual(merged.loads.map((l) => l.id), ['g1/press', 'g1/oven', 'g2/press', 'g2/oven']);
    assert.deepEqual(merged.loads[1].after, ['g1/press']);
    assert.deepEqual(merged.baseLoadKw, new Array(16).fill(40));
    const parts = splitSchedule(await plan(merged), ['g1', 'g2'], 1);
    assert.deepEqual(parts.map((p) => p.loads.map((l) => l.id).sort()), [['oven', 'press'], ['oven', 'press']]);
  });

  it('rejects ambiguous gateway ids and short base-load series', () => {
    assert.throws(() => mergeOffers([{ ...offer('a'), gatewayId: 'a/b', at: 0 }], tariff), /contain no/);
    assert.throws(() => mergeOffers([{ ...offer('a'), gatewayId: 'a', at: 0 }, { ...offer('a'), gatewayId: 'a', at: 0 }], tariff), /twice/);
    assert.throws(() => mergeOffers([{ ...offer('a'), gatewayId: 'a', at: 0, baseLoadKw: [1, 2] }], tariff), /base load has 2 values/);
    const member = (url: string, gatewayId = 'g1') => new PlantCoordinator({ url, gatewayId, root: 'r', candidate: true, tariff: () => tariff, plan });
    assert.throws(() => member('not a url'), /broker URL "not a url" is not a URL/);
    assert.throws(() => member('http://broker:80'), /must start with mqtt/);
    assert.throws(() => member('mqtt://127.0.0.1:1883', 'a/b'), /gateway id/);
  });

  it('a coordinated plan has a lower plant peak than gateways planning alone', async () => {
    const ids = ['g1', 'g2', 'g3'];
    const alone = await Promise.all(ids.map((g) => plan(mergeOffers([{ ...offer(g), gatewayId: g, at: 0 }], tariff))));
    const independentPeak = Math.max(...alone[0].profileKw.map((_, i) => alone.reduce((s, p) => s + p.profileKw[i], 0)));
    const together = await plan(mergeOffers(ids.map((g) => ({ ...offer(g), gatewayId: g, at: 0 })), tariff));
    assert.ok(together.peakKw < independentPeak, `coordinated ${together.peakKw} kW vs independent ${independentPeak} kW`);
  });
});

const skip = mosquittoSkipReason();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean, ms: number, what: string): Promise<number> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
  return Date.now() - t0;
}

describe('gateways coordinating through a real broker', { skip }, () => {
  const broker = new Broker();
  before(() => broker.start());
  after(() => broker.dispose());

  it('elects one coordinator, delivers every assignment, and fails over when the coordinator dies', async () => {
    const make = (id: string, rank: number, candidate: boolean) =>
      new PlantCoordinator({ url: broker.url, gatewayId: id, root: 'test/energy', candidate, rank, tariff: () => tariff, plan, heartbeatMs: 300 });
    const a = make('gwA', 0, true);
    const b = make('gwB', 1, true);
    const c = make('gwC', 0, false);
    const all = [a, b, c];
    try {
      for (const g of all) g.start();
      await sleep(200);
      for (const g of all) g.offer(offer(g === a ? 'gwA' : g === b ? 'gwB' : 'gwC'));
      await waitFor(() => all.every((g) => g.coordinator !== undefined) && all.filter((g) => g.currentRole === 'coordinator').length === 1, 5000, 'one coordinator');
      await waitFor(() => all.every((g) => g.assignment !== undefined), 5000, 'assignments');
      assert.equal(all.filter((g) => g.currentRole === 'coordinator').length, 1);
      assert.equal(c.currentRole, 'follower');
      assert.deepEqual(c.assignment!.loads.map((l) => l.id).sort(), ['oven', 'press']);

      const holder = all.find((g) => g.currentRole === 'coordinator')!;
      const survivors = all.filter((g) => g !== holder);
      await holder.crash();
      const crashedAt = Date.now();
      const failoverMs = await waitFor(() => survivors.some((g) => g.currentRole === 'coordinator'), 8000, 'a new coordinator');
      assert.ok(c.assignment && c.assignment.loads.length === 2, 'the follower keeps its last plan meanwhile');
      assert.ok(failoverMs < 8000);
      const next = survivors.find((g) => g.currentRole === 'coordinator')!;
      assert.notEqual(next, c, 'a gateway that is no candidate never coordinates');
      // The new coordinator re-plans from the retained offers.
      await waitFor(() => c.assignment!.planAt > crashedAt, 5000, 'a new plan from the new coordinator');
    } finally {
      for (const g of all) await g.stop();
    }
  });
});
