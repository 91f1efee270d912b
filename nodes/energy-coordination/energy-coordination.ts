// Energy coordination: this gateway's flexible loads go to the plant's MQTT broker; whichever gateway
// holds the coordinator role plans every gateway's loads against the one demand charge, and each
// gateway receives its own assignment and timed commands (lib/edge does the work).
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { parseProblem, type ProblemInput } from '../../lib/energy/problem';
import { startPlan } from '../../lib/energy/scheduler';
import { assignmentCommands, mergeOffers, type GatewayOffer, type PlantTariff } from '../../lib/edge/plant-coordination';
import { PlantCoordinator, type CoordinationRole } from '../../lib/edge/plant-coordinator';
import { isUnencryptedBrokerUrl } from '../../lib/edge/mqtt-link';
import { errorText, onInput, status, refuseForBadConfig, numberSetting } from '../shared/glue';

interface EnergyCoordinationDef extends NodeDef {
  broker: string;
  gatewayId: string;
  root: string;
  candidate: boolean;
  rank: string;
  prices: string;
  demandCharge: string;
  intervalMinutes: string;
  horizon: string;
  timeLimit: string;
}

interface Credentials {
  username?: string;
  password?: string;
}

function parsePrices(text: string | undefined): number[] | number {
  const t = (text ?? '').trim();
  if (!t) return 0.2;
  if (/^[\d.]+$/.test(t)) return Number(t);
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    throw new Error('Prices must be one number or a JSON array of numbers, one per interval');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.some((p) => typeof p !== 'number' || !Number.isFinite(p))) {
    throw new Error('Prices must be one number or a JSON array of numbers, one per interval');
  }
  return parsed as number[];
}

/** The plan starts at the current interval boundary. */
function intervalStart(now: number, minutes: number): number {
  const ms = minutes * 60_000;
  return Math.floor(now / ms) * ms;
}

export = function register(RED: NodeAPI): void {
  function EnergyCoordinationNode(this: Node<Credentials>, config: EnergyCoordinationDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let coordinator: PlantCoordinator;
    let tariffBase: Omit<PlantTariff, 'startTime'>;
    let timeLimitSeconds: number;
    let role: CoordinationRole = 'follower';
    let healthy = (text: string) => status.ok(node, text);
    try {
      const intervalMinutes = numberSetting(config.intervalMinutes, 'Interval', 15, 1);
      const horizon = Math.floor(numberSetting(config.horizon, 'Horizon', 96, 1));
      tariffBase = { intervalMinutes, horizon, prices: parsePrices(config.prices), demandCharge: numberSetting(config.demandCharge, 'Demand charge', 0) };
      timeLimitSeconds = numberSetting(config.timeLimit, 'Time limit', 5, 0.1);
      const url = config.broker || 'mqtt://127.0.0.1:1883';
      // Over a plain broker URL, every healthy state shows yellow with the reason, as UNS publish does.
      const unencrypted = isUnencryptedBrokerUrl(url);
      healthy = (text: string) => (unencrypted ? status.warn(node, `${text} (unencrypted)`) : status.ok(node, text));
      if (unencrypted) node.warn(`unencrypted: ${url} carries plans and offers in clear text; use mqtts:// and a broker account for this gateway`);
      coordinator = new PlantCoordinator({
        url,
        gatewayId: config.gatewayId || 'gateway',
        root: config.root || 'millwright/energy',
        candidate: config.candidate !== false,
        rank: numberSetting(config.rank, 'Rank', 0),
        username: node.credentials?.username || undefined,
        password: node.credentials?.password || undefined,
        tariff: () => ({ ...tariffBase, startTime: intervalStart(Date.now(), tariffBase.intervalMinutes ?? 15) }),
        plan: async (problem: ProblemInput) => {
          status.busy(node, 'coordinator: planning the plant');
          return (await startPlan(problem, { timeLimitSeconds }).outcome).schedule;
        },
        onRole: (r, holder) => {
          role = r;
          if (r === 'coordinator') healthy('coordinator');
          else healthy(`follower of ${holder ?? '?'}`);
        },
        onAssignment: (a) => {
          const commands = assignmentCommands(a);
          healthy(`${role === 'coordinator' ? 'coordinator' : 'follower'}: ${a.loads.length} loads, peak ${a.plantPeakKw.toFixed(0)} kW`);
          node.send([{ topic: 'assignment', payload: a }, null]);
          for (const c of commands) node.send([null, { topic: c.loadId, payload: c }]);
        },
        onError: (err) => status.error(node, errorText(err)),
        onConnection: (connected) => {
          if (connected) healthy(`connected, ${role}`);
          else status.error(node, `broker unreachable: keeping the last plan, reconnecting`);
        },
      });
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }

    onInput(node, (msg, _send, done) => {
      const p = msg.payload as Record<string, unknown> | null;
      if (typeof p !== 'object' || p === null || !Array.isArray(p.loads)) {
        throw new Error('payload must be an offer {loads: [...], baseLoadKw?, running?, completed?} as the energy scheduler takes them');
      }
      const offer = { loads: p.loads, baseLoadKw: p.baseLoadKw, running: p.running, completed: p.completed } as Omit<GatewayOffer, 'gatewayId' | 'at'>;
      // Checked here, alone against the plant tariff, so a bad load is this gateway's error, not the coordinator's.
      const now = Date.now();
      parseProblem(mergeOffers([{ ...offer, gatewayId: config.gatewayId || 'gateway', at: now }], { ...tariffBase, startTime: intervalStart(now, tariffBase.intervalMinutes ?? 15) }), now);
      coordinator.offer(offer);
      healthy(`${role}: offered ${offer.loads.length} loads`);
      done();
    });

    status.warn(node, 'connecting to the broker');
    coordinator.start();
    node.on('close', (_removed: boolean, done: () => void) => {
      coordinator
        .stop()
        .catch(() => undefined)
        .finally(() => done());
    });
  }

  RED.nodes.registerType('millwright-energy-coordination', EnergyCoordinationNode as unknown as (this: Node, config: EnergyCoordinationDef) => void, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
  });
};
