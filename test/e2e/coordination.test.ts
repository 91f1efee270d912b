// Three Node-RED runtimes on loopback, each a gateway with the packed pack, coordinate their loads
// through a real mosquitto: one coordinator plans everyone; killing it (SIGKILL) hands the role to the
// next candidate; restarting the broker in the middle of the run loses no gateway.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Broker, mosquittoSkipReason } from '../helpers/mosquitto';
import { makeUserDir, removeDir, startNodeRed, type RunningNodeRed } from './support/packed-node-red';

const skip = mosquittoSkipReason();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function gatewayFlow(gatewayId: string, brokerUrl: string, rank: number, candidate: boolean): unknown[] {
  const tab = 'coord_tab';
  const offer = `const now = Date.now();\nmsg.payload = { baseLoadKw: 50, loads: [\n  { id: 'press', powerKw: 100, durationMinutes: 60, earliestStart: now, deadline: now + 6 * 3600000 },\n  { id: 'oven', powerKw: 60, durationMinutes: 45, earliestStart: now, deadline: now + 6 * 3600000 }\n] };\nreturn msg;`;
  return [
    { id: tab, type: 'tab', label: 'gateway' },
    { id: 'coord_inject', type: 'inject', z: tab, props: [{ p: 'payload' }], repeat: '', once: true, onceDelay: '0.5', payload: '', payloadType: 'date', wires: [['coord_offer']] },
    { id: 'coord_offer', type: 'function', z: tab, func: offer, outputs: 1, wires: [['coord_node']] },
    {
      id: 'coord_node', type: 'millwright-energy-coordination', z: tab, name: '', broker: brokerUrl, gatewayId, root: 'e2e/energy',
      candidate, rank, prices: '0.2', demandCharge: 15, intervalMinutes: 15, horizon: 32, timeLimit: 2, wires: [['coord_keep'], []],
    },
    { id: 'coord_keep', type: 'function', z: tab, func: "global.set('assignment', msg.payload); return null;", outputs: 1, wires: [[]] },
    { id: 'coord_status', type: 'status', z: tab, scope: ['coord_node'], wires: [['coord_status_keep']] },
    { id: 'coord_status_keep', type: 'function', z: tab, func: "global.set('status', msg.status.text); return null;", outputs: 1, wires: [[]] },
    { id: 'coord_http', type: 'http in', z: tab, url: '/gateway', method: 'get', wires: [['coord_report']] },
    { id: 'coord_report', type: 'function', z: tab, func: "msg.payload = { status: global.get('status'), assignment: global.get('assignment') }; return msg;", outputs: 1, wires: [['coord_out']] },
    { id: 'coord_out', type: 'http response', z: tab, statusCode: '', headers: {}, wires: [] },
  ];
}

interface GatewayView {
  status?: string;
  assignment?: { planAt: number; loads: Array<{ id: string }>; plantPeakKw: number };
}

describe('three gateways coordinating through a real broker', { skip }, () => {
  const broker = new Broker();
  const gateways: Array<{ id: string; red: RunningNodeRed; userDir: string }> = [];

  before(async () => {
    await broker.start();
    for (const [i, id] of ['gw1', 'gw2', 'gw3'].entries()) {
      const userDir = makeUserDir();
      const red = await startNodeRed(userDir, { flows: gatewayFlow(id, broker.url, i, i < 2) });
      gateways.push({ id, red, userDir });
    }
  });

  after(async () => {
    for (const g of gateways) {
      await g.red.stop();
      removeDir(g.userDir);
    }
    await broker.dispose();
  });

  async function view(g: { red: RunningNodeRed }): Promise<GatewayView | undefined> {
    if (!g.red.alive()) return undefined;
    try {
      return (await (await fetch(`${g.red.url}/gateway`)).json()) as GatewayView;
    } catch {
      return undefined;
    }
  }

  async function until(cond: () => Promise<boolean>, ms: number, what: string): Promise<number> {
    const t0 = Date.now();
    while (!(await cond())) {
      if (Date.now() - t0 > ms) {
        const states = await Promise.all(gateways.map(async (g) => `${g.id}: ${JSON.stringify(await view(g))}`));
        throw new Error(`timed out after ${ms} ms waiting for ${what}\n${states.join('\n')}`);
      }
      await sleep(200);
    }
    return Date.now() - t0;
  }

  const coordinators = async () => (await Promise.all(gateways.map(async (g) => ((await view(g))?.status ?? '').startsWith('coordinator') ? g : undefined))).filter(Boolean);

  it('plans all gateways from one coordinator, survives a broker restart, and fails over when the coordinator is killed', async () => {
    await until(async () => (await Promise.all(gateways.map(view))).every((v) => (v?.assignment?.loads.length ?? 0) === 2), 60_000, 'every gateway assigned');
    assert.equal((await coordinators()).length, 1, 'exactly one coordinator');
    const peak = (await view(gateways[0]))!.assignment!.plantPeakKw;
    // Three gateways, base 150 kW together; stacking all six loads would be 150 + 480 kW.
    assert.ok(peak < 150 + 480, `the plant peak ${peak} kW is below every load at once`);

    // Broker restart in the middle of the run: the gateways reconnect, re-offer and are planned again.
    const restartAt = Date.now();
    await broker.stop();
    await sleep(1500);
    await broker.start();
    await until(async () => (await Promise.all(gateways.map(view))).every((v) => (v?.assignment?.planAt ?? 0) > restartAt), 30_000, 'plans after the broker restart');

    const holder = (await coordinators())[0]!;
    const killedAt = Date.now();
    await holder.red.kill();
    const survivors = gateways.filter((g) => g !== holder);
    const failoverMs = await until(async () => (await coordinators()).length === 1, 20_000, 'a new coordinator');
    console.log(`coordination: fail-over ${failoverMs} ms after SIGKILL of ${holder.id}`);
    await until(async () => (await Promise.all(survivors.map(view))).every((v) => (v?.assignment?.planAt ?? 0) > killedAt), 20_000, 'a new plan for the survivors');
    const nonCandidate = gateways[2];
    if (nonCandidate !== holder) assert.ok(!((await view(nonCandidate))?.status ?? '').startsWith('coordinator'), 'a gateway that may not coordinate never does');
  });
});
