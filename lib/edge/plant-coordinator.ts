// A gateway's part in plant-wide energy coordination over an MQTT broker. Gateways publish their offers
// (retained); one candidate holds the coordinator role: it announces itself with a retained claim it
// renews every heartbeat, plans the merged offers and publishes each gateway's assignment (retained).
// When the coordinator disappears (its MQTT last will, or no heartbeat), the next candidate by rank
// claims the role. Gateways keep their last assignment in the meantime.
import mqtt, { type MqttClient } from 'mqtt';
import { checkBrokerUrl } from './mqtt-link';
import type { Schedule } from '../contracts';
import type { ProblemInput } from '../energy/problem';
import { mergeOffers, splitSchedule, type GatewayAssignment, type GatewayOffer, type PlantTariff } from './plant-coordination';

export type CoordinationRole = 'follower' | 'coordinator';

export interface PlantCoordinatorOptions {
  url: string;
  gatewayId: string;
  /** Topic root, e.g. "acme/lyon/energy". */
  root: string;
  /** May this gateway coordinate? */
  candidate: boolean;
  /** Lower ranks claim first when the role is free. */
  rank?: number;
  tariff: () => PlantTariff;
  plan: (problem: ProblemInput) => Promise<Schedule>;
  onAssignment?: (assignment: GatewayAssignment) => void;
  onRole?: (role: CoordinationRole, coordinatorId: string | undefined) => void;
  onError?: (err: Error) => void;
  /** The broker connection came up (true) or went down (false). */
  onConnection?: (connected: boolean) => void;
  heartbeatMs?: number;
  /** A coordinator silent this long is taken for gone. */
  deadAfterMs?: number;
  username?: string;
  password?: string;
}

interface Claim {
  id: string;
  at: number;
}

export class PlantCoordinator {
  private client: MqttClient | undefined;
  private coordinatorId: string | undefined;
  private lastHeartbeat = 0;
  private role: CoordinationRole = 'follower';
  private readonly offers = new Map<string, GatewayOffer>();
  private timers: NodeJS.Timeout[] = [];
  private claimTimer: NodeJS.Timeout | undefined;
  private planTimer: NodeJS.Timeout | undefined;
  private planning = false;
  private replanWanted = false;
  private lastAssignment: GatewayAssignment | undefined;
  private lastOffer: GatewayOffer | undefined;
  private readonly heartbeatMs: number;
  private readonly deadAfterMs: number;

  constructor(private readonly options: PlantCoordinatorOptions) {
    if (!options.gatewayId || /[+#/]/.test(options.gatewayId)) throw new Error(`gateway id "${options.gatewayId}" must be non-empty and contain none of + # /`);
    if (!options.root || /[+#]/.test(options.root)) throw new Error(`topic root "${options.root}" must be non-empty and contain no wildcard`);
    checkBrokerUrl(options.url);
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.deadAfterMs = options.deadAfterMs ?? 3 * this.heartbeatMs;
  }

  private topic(...parts: string[]): string {
    return [this.options.root, ...parts].join('/');
  }

  get currentRole(): CoordinationRole {
    return this.role;
  }

  get coordinator(): string | undefined {
    return this.coordinatorId;
  }

  /** The last plan this gateway received; kept while no coordinator is reachable. */
  get assignment(): GatewayAssignment | undefined {
    return this.lastAssignment;
  }

  start(): void {
    const o = this.options;
    const client = mqtt.connect(o.url, {
      clientId: `millwright-coord-${o.gatewayId}`,
      reconnectPeriod: 1000,
      keepalive: Math.max(1, Math.round(this.deadAfterMs / 1500)),
      username: o.username,
      password: o.password,
      will: { topic: this.topic('release', o.gatewayId), payload: Buffer.from(JSON.stringify({ id: o.gatewayId })), qos: 1, retain: false },
    });
    this.client = client;
    client.on('close', () => o.onConnection?.(false));
    client.on('connect', () => {
      o.onConnection?.(true);
      const subs = [this.topic('coordinator'), this.topic('release', '+'), this.topic('plan', o.gatewayId)];
      if (o.candidate) subs.push(this.topic('offers', '+'));
      client.subscribe(subs, { qos: 1 });
      // A broker that restarted without persistence has lost the retained offer: say it again.
      if (this.lastOffer) this.publishOffer(client, this.lastOffer);
    });
    client.on('error', (err) => o.onError?.(err));
    client.on('message', (topic, payload) => {
      try {
        this.onMessage(topic, payload);
      } catch (err) {
        o.onError?.(err as Error);
      }
    });
    this.timers.push(setInterval(() => this.watch(), Math.max(50, Math.round(this.heartbeatMs / 4))));
  }

  /** Publishes (retained) what this gateway wants planned. */
  offer(offer: Omit<GatewayOffer, 'gatewayId' | 'at'>): void {
    this.lastOffer = { ...offer, gatewayId: this.options.gatewayId, at: Date.now() };
    if (this.client?.connected) this.publishOffer(this.client, this.lastOffer);
  }

  private publishOffer(client: MqttClient, offer: GatewayOffer): void {
    client.publish(this.topic('offers', offer.gatewayId), JSON.stringify(offer), { qos: 1, retain: true });
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.claimTimer) clearTimeout(this.claimTimer);
    if (this.planTimer) clearTimeout(this.planTimer);
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (this.role === 'coordinator') {
      client.publish(this.topic('release', this.options.gatewayId), JSON.stringify({ id: this.options.gatewayId }), { qos: 1 });
    }
    await new Promise<void>((resolve) => client.end(false, {}, () => resolve()));
  }

  /** Drops the connection without a goodbye, as a crash or a cable cut would (tests, fail-over bench). */
  async crash(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.claimTimer) clearTimeout(this.claimTimer);
    if (this.planTimer) clearTimeout(this.planTimer);
    const client = this.client;
    this.client = undefined;
    if (client) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }

  private setRole(role: CoordinationRole): void {
    if (role === this.role) return;
    this.role = role;
    this.options.onRole?.(role, this.coordinatorId);
    if (role === 'coordinator') this.schedulePlan(0);
  }

  private onMessage(topic: string, payload: Buffer): void {
    const o = this.options;
    if (topic === this.topic('coordinator')) {
      if (payload.length === 0) return;
      const claim = JSON.parse(String(payload)) as Claim;
      const changed = claim.id !== this.coordinatorId;
      this.coordinatorId = claim.id;
      this.lastHeartbeat = Date.now();
      if (claim.id === o.gatewayId) this.setRole('coordinator');
      else {
        this.setRole('follower');
        if (changed) o.onRole?.('follower', claim.id);
      }
      return;
    }
    if (topic.startsWith(this.topic('release') + '/')) {
      const id = topic.slice(this.topic('release').length + 1);
      if (id === this.coordinatorId) {
        this.coordinatorId = undefined;
        this.lastHeartbeat = 0;
      }
      return;
    }
    if (topic === this.topic('plan', o.gatewayId)) {
      if (payload.length === 0) return;
      this.lastAssignment = JSON.parse(String(payload)) as GatewayAssignment;
      o.onAssignment?.(this.lastAssignment);
      return;
    }
    if (topic.startsWith(this.topic('offers') + '/')) {
      if (payload.length === 0) return;
      const offer = JSON.parse(String(payload)) as GatewayOffer;
      this.offers.set(offer.gatewayId, offer);
      if (this.role === 'coordinator') this.schedulePlan(200);
    }
  }

  /** Heartbeat while coordinating; claim the role when it is free or its holder went silent. */
  private watch(): void {
    const client = this.client;
    if (!client?.connected) return;
    const now = Date.now();
    if (this.role === 'coordinator') {
      client.publish(this.topic('coordinator'), JSON.stringify({ id: this.options.gatewayId, at: now }), { qos: 1, retain: true });
      return;
    }
    if (!this.options.candidate || this.claimTimer) return;
    const free = this.coordinatorId === undefined || now - this.lastHeartbeat > this.deadAfterMs;
    if (!free) return;
    this.claimTimer = setTimeout(() => {
      this.claimTimer = undefined;
      const stillFree = this.coordinatorId === undefined || Date.now() - this.lastHeartbeat > this.deadAfterMs;
      if (stillFree && this.client?.connected) {
        this.client.publish(this.topic('coordinator'), JSON.stringify({ id: this.options.gatewayId, at: Date.now() }), { qos: 1, retain: true });
      }
    }, (this.options.rank ?? 0) * 300 + Math.random() * 50);
  }

  private schedulePlan(delayMs: number): void {
    if (this.planTimer) clearTimeout(this.planTimer);
    this.planTimer = setTimeout(() => {
      this.planTimer = undefined;
      void this.planNow();
    }, delayMs);
  }

  private async planNow(): Promise<void> {
    if (this.planning) {
      this.replanWanted = true;
      return;
    }
    if (this.role !== 'coordinator' || this.offers.size === 0) return;
    this.planning = true;
    try {
      const offers = [...this.offers.values()];
      const schedule = await this.options.plan(mergeOffers(offers, this.options.tariff()));
      if (this.role !== 'coordinator') return;
      const planAt = Date.now();
      for (const a of splitSchedule(schedule, offers.map((o) => o.gatewayId), planAt)) {
        this.client?.publish(this.topic('plan', a.gatewayId), JSON.stringify(a), { qos: 1, retain: true });
      }
    } catch (err) {
      this.options.onError?.(err as Error);
    } finally {
      this.planning = false;
      if (this.replanWanted) {
        this.replanWanted = false;
        this.schedulePlan(0);
      }
    }
  }
}
