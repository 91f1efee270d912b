// Subscriptions over a shared OPC UA connection: one ClientSubscription per publishing interval,
// each consumer (a subscribe node) owning a monitored-item group in it. Everything is rebuilt from
// this registry on every new session, and a watchdog rebuilds a subscription that goes quiet
// (no data and no keep-alive) while the connection still looks fine.
import {
  DataChangeFilter,
  DataChangeTrigger,
  DeadbandType,
  AttributeIds,
  TimestampsToReturn,
  ClientMonitoredItemGroup,
  type ClientSession,
  type ClientSubscription,
  type DataChangeNotification,
  type NotificationMessage,
} from 'node-opcua-client';
import type { Sample } from '../contracts';
import type { OpcuaConnection } from './opcua-session';
import { resolveNodeIds } from './opcua-namespaces';
import { toSample } from './opcua-values';

export type DeadbandKind = 'none' | 'absolute' | 'percent';

export interface MonitorItem {
  nodeId: string;
  /** Tag name in the samples; the node id when empty. */
  tag?: string;
}

export interface SubscribeSpec {
  items: MonitorItem[];
  publishingIntervalMs: number;
  samplingIntervalMs: number;
  queueSize: number;
  deadband: { type: DeadbandKind; value: number };
  discardOldest?: boolean;
}

export type SubscriptionStatus =
  | { state: 'waiting'; message: string }
  | { state: 'active'; message: string; rejected: Array<{ nodeId: string; status: string }> }
  | { state: 'stale'; message: string }
  | { state: 'error'; message: string };

export interface SubscriptionConsumer {
  /** All changes of one publish for this consumer's items, in arrival order. */
  onData(samples: Sample[]): void;
  onStatus(status: SubscriptionStatus): void;
}

export interface SubscriptionHandle {
  close(): Promise<void>;
}

export interface SubscriptionTuning {
  /** Publishing intervals without a keep-alive before a subscription counts as stale. */
  keepAliveCount?: number;
  /** Stale after max(staleFactor × keep-alive period, minStaleMs) of silence. */
  staleFactor?: number;
  minStaleMs?: number;
  log?: (level: 'info' | 'warn' | 'error', text: string) => void;
}

/** Checks a subscribe spec, naming the field at fault. */
export function checkSubscribeSpec(spec: SubscribeSpec): SubscribeSpec {
  if (!Array.isArray(spec.items) || spec.items.length === 0) throw new Error('no node ids to subscribe: add at least one');
  for (const item of spec.items) {
    if (typeof item.nodeId !== 'string' || !/^(ns=\d+;)?[isgb]=.+$|^nsu=.+;[isgb]=.+$/.test(item.nodeId.trim()))
      throw new Error(`node id "${String(item.nodeId)}" is not valid: expected e.g. ns=2;s=Machine.Speed or ns=1;i=1001`);
  }
  for (const [field, v, min] of [
    ['publishing interval', spec.publishingIntervalMs, 10],
    ['sampling interval', spec.samplingIntervalMs, 0],
    ['queue size', spec.queueSize, 1],
  ] as const) {
    if (!Number.isFinite(v) || v < min) throw new Error(`${field} must be a number >= ${min}, got ${v}`);
  }
  if (!['none', 'absolute', 'percent'].includes(spec.deadband.type)) throw new Error(`deadband "${spec.deadband.type}" is unknown: none, absolute or percent`);
  if (spec.deadband.type !== 'none') {
    const d = spec.deadband.value;
    if (!Number.isFinite(d) || d < 0) throw new Error(`deadband must be a number >= 0, got ${d}`);
    if (spec.deadband.type === 'percent' && d > 100) throw new Error(`percent deadband must be 0..100, got ${d}`);
  }
  return spec;
}

interface Consumer {
  spec: SubscribeSpec;
  listener: SubscriptionConsumer;
  group?: ClientMonitoredItemGroup;
  /** Last sample delivered per tag: flags stale data on a loss, and drops re-deliveries after a rebuild. */
  delivered: Map<string, Sample>;
}

function sameReading(a: Sample, b: Sample): boolean {
  return a.timestamp === b.timestamp && a.quality === b.quality && JSON.stringify(a.value) === JSON.stringify(b.value);
}

interface Entry {
  consumer: Consumer;
  tag: string;
  /** Last value seen, carried by a later value-less (bad) reading. */
  last?: Sample['value'];
}

/** All consumers sharing one publishing interval, and their live subscription. */
class Channel {
  readonly consumers = new Set<Consumer>();
  subscription?: ClientSubscription;
  session?: ClientSession;
  byHandle = new Map<number, Entry>();
  readonly unindexed = new Set<Consumer>();
  lastAlive = 0;
  building?: Promise<void>;
  rebuildWanted = false;
  watchdog?: NodeJS.Timeout;
  stale = false;
  constructor(readonly intervalMs: number) {}
}

export class OpcuaSubscriptions {
  private readonly channels = new Map<number, Channel>();
  private closed = false;
  private readonly keepAliveCount: number;
  private readonly staleFactor: number;
  private readonly minStaleMs: number;
  /** Subscriptions created, including re-creations (diagnostics and tests). */
  created = 0;
  /** Re-creations the stale-data watchdog triggered. */
  staleRecoveries = 0;

  constructor(
    private readonly connection: OpcuaConnection,
    private readonly tuning: SubscriptionTuning = {},
  ) {
    this.keepAliveCount = tuning.keepAliveCount ?? 5;
    this.staleFactor = tuning.staleFactor ?? 3;
    this.minStaleMs = tuning.minStaleMs ?? 3000;
    connection.on('session', this.onSession);
    connection.on('session_lost', this.onSessionLost);
  }

  /** Silence after which a subscription is called stale. */
  staleAfterMs(intervalMs: number, keepAliveCount = this.keepAliveCount): number {
    return Math.max(this.minStaleMs, this.staleFactor * keepAliveCount * intervalMs);
  }

  add(spec: SubscribeSpec, listener: SubscriptionConsumer): SubscriptionHandle {
    checkSubscribeSpec(spec);
    if (this.closed) throw new Error('OPC UA endpoint is closed');
    const consumer: Consumer = { spec, listener, delivered: new Map() };
    let channel = this.channels.get(spec.publishingIntervalMs);
    if (!channel) {
      channel = new Channel(spec.publishingIntervalMs);
      this.channels.set(spec.publishingIntervalMs, channel);
    }
    channel.consumers.add(consumer);
    const session = this.connection.session;
    if (session) {
      // A build in progress attaches late arrivals when it finishes.
      if (channel.building) return { close: () => this.remove(channel!, consumer) };
      if (channel.subscription) void this.attach(channel, consumer).catch((err) => listener.onStatus({ state: 'error', message: String(err) }));
      else this.rebuild(channel, session);
    } else listener.onStatus({ state: 'waiting', message: 'waiting for connection' });
    const owner = channel;
    return { close: () => this.remove(owner, consumer) };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connection.off('session', this.onSession);
    this.connection.off('session_lost', this.onSessionLost);
    const all = [...this.channels.values()];
    this.channels.clear();
    await Promise.allSettled(all.map((c) => this.drop(c, true)));
  }

  private readonly onSession = (session: ClientSession) => {
    for (const channel of this.channels.values()) this.rebuild(channel, session);
  };

  private readonly onSessionLost = (why?: string) => {
    for (const channel of this.channels.values()) {
      void this.drop(channel, false);
      for (const c of channel.consumers) {
        this.flagStale(c, `connection lost${why ? `: ${why}` : ''}`);
        c.listener.onStatus({ state: 'waiting', message: 'connection lost, waiting' });
      }
    }
  };

  /**
   * A subscription only speaks on change, so silence after a loss would read as "unchanged": every
   * tag that last read good gets a bad-quality sample (its last value, the time of the loss) instead.
   */
  private flagStale(consumer: Consumer, why: string): void {
    if (this.closed) return;
    const now = Date.now();
    const source = this.connection.options.endpointUrl;
    const flags: Sample[] = [];
    for (const [tag, last] of consumer.delivered) {
      if (last.quality === 'bad') continue;
      const flag: Sample = { tag, value: last.value, timestamp: Math.max(now, last.timestamp + 1), quality: 'bad', source, error: why };
      consumer.delivered.set(tag, flag);
      flags.push(flag);
    }
    if (flags.length === 0) return;
    try {
      consumer.listener.onData(flags);
    } catch (err) {
      this.tuning.log?.('error', `subscriber failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async remove(channel: Channel, consumer: Consumer): Promise<void> {
    if (!channel.consumers.delete(consumer)) return;
    for (const [handle, entry] of channel.byHandle) if (entry.consumer === consumer) channel.byHandle.delete(handle);
    channel.unindexed.delete(consumer);
    if (channel.consumers.size === 0) {
      if (this.channels.get(channel.intervalMs) === channel) this.channels.delete(channel.intervalMs);
      await this.drop(channel, true);
    } else if (consumer.group && this.connection.session) {
      await bounded(consumer.group.terminate()).catch(() => undefined);
    }
    consumer.group = undefined;
  }

  /** Forgets a channel's live subscription; terminates it on the server when asked and possible. */
  private async drop(channel: Channel, terminate: boolean): Promise<void> {
    if (channel.watchdog) clearInterval(channel.watchdog);
    channel.watchdog = undefined;
    const sub = channel.subscription;
    channel.subscription = undefined;
    channel.session = undefined;
    channel.byHandle = new Map();
    channel.unindexed.clear();
    for (const c of channel.consumers) c.group = undefined;
    if (!sub) return;
    sub.removeAllListeners();
    sub.on('error', () => undefined);
    if (terminate && this.connection.session) await bounded(sub.terminate()).catch(() => undefined);
  }

  private rebuild(channel: Channel, session: ClientSession): void {
    if (this.closed || channel.consumers.size === 0) return;
    if (channel.building) {
      channel.rebuildWanted = true;
      return;
    }
    let failed = false;
    channel.building = this.build(channel, session)
      .catch((err: unknown) => {
        failed = true;
        const message = `subscription failed: ${err instanceof Error ? err.message : String(err)}`;
        this.tuning.log?.('warn', message);
        for (const c of channel.consumers) c.listener.onStatus({ state: 'error', message });
      })
      .finally(() => {
        channel.building = undefined;
        const wanted = channel.rebuildWanted;
        channel.rebuildWanted = false;
        const live = this.connection.session;
        if (!live || this.closed || this.channels.get(channel.intervalMs) !== channel) return;
        if (wanted || failed || !channel.subscription || channel.session !== live) {
          // Retry after a pause on failure; at once when a newer session or request came in.
          const timer = setTimeout(() => {
            const now = this.connection.session;
            if (now && this.channels.get(channel.intervalMs) === channel && (failed || wanted || channel.session !== now || !channel.subscription)) this.rebuild(channel, now);
          }, failed ? 1000 : 0);
          timer.unref();
          return;
        }
        // Consumers that arrived while the subscription was being built.
        for (const c of channel.consumers) if (!c.group) void this.attach(channel, c).catch((err) => c.listener.onStatus({ state: 'error', message: String(err) }));
      });
  }

  private async build(channel: Channel, session: ClientSession): Promise<void> {
    await this.drop(channel, true);
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: channel.intervalMs,
      requestedMaxKeepAliveCount: this.keepAliveCount,
      requestedLifetimeCount: this.keepAliveCount * 10,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    if (this.closed || this.connection.session !== session || this.channels.get(channel.intervalMs) !== channel) {
      await bounded(subscription.terminate()).catch(() => undefined);
      return;
    }
    this.created++;
    channel.subscription = subscription;
    channel.session = session;
    channel.lastAlive = Date.now();
    channel.stale = false;
    subscription.on('raw_notification', (message: NotificationMessage) => this.onNotification(channel, subscription, message));
    subscription.on('error', (err: Error) => this.tuning.log?.('warn', `subscription error: ${err.message}`));
    subscription.on('terminated', () => {
      // Terminated by the server (lifetime expired, deleted): rebuild while the session lives.
      if (channel.subscription !== subscription) return;
      channel.subscription = undefined;
      const live = this.connection.session;
      if (live) this.rebuild(channel, live);
    });
    await Promise.all([...channel.consumers].map((c) => this.attach(channel, c)));
    this.startWatchdog(channel, subscription);
  }

  private async attach(channel: Channel, consumer: Consumer): Promise<void> {
    const subscription = channel.subscription;
    if (!subscription) return;
    const spec = consumer.spec;
    const filter =
      spec.deadband.type === 'none'
        ? undefined
        : new DataChangeFilter({
            trigger: DataChangeTrigger.StatusValue,
            deadbandType: spec.deadband.type === 'absolute' ? DeadbandType.Absolute : DeadbandType.Percent,
            deadbandValue: spec.deadband.value,
          });
    // Created synchronously so its client handles can be indexed the moment data arrives,
    // which may be before the create call's promise settles (initial values).
    const session = channel.session;
    let nodeIds: string[];
    try {
      nodeIds = session ? await resolveNodeIds(session, spec.items.map((i) => i.nodeId)) : spec.items.map((i) => i.nodeId.trim());
    } catch (err) {
      // A configuration problem of this consumer alone: report it, leave the others running.
      consumer.listener.onStatus({ state: 'error', message: err instanceof Error ? err.message : String(err) });
      return;
    }
    if (channel.subscription !== subscription || !channel.consumers.has(consumer)) return;
    const group = ClientMonitoredItemGroup.create(
      subscription,
      nodeIds.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })),
      { samplingInterval: spec.samplingIntervalMs, queueSize: spec.queueSize, discardOldest: spec.discardOldest !== false, filter },
      TimestampsToReturn.Both,
    );
    consumer.group = group;
    channel.unindexed.add(consumer);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('creating monitored items timed out')), 15_000);
      group.once('initialized', () => {
        clearTimeout(timer);
        resolve();
      });
      group.once('terminated', (err?: Error) => {
        clearTimeout(timer);
        reject(err ?? new Error('monitored items terminated'));
      });
    });
    if (channel.subscription !== subscription || !channel.consumers.has(consumer) || consumer.group !== group) {
      await bounded(group.terminate()).catch(() => undefined);
      return;
    }
    this.index(channel, consumer);
    // Changes are taken whole from each publish (raw_notification); the per-item re-emit the group
    // wires up would only cost CPU.
    for (const item of group.monitoredItems) item.removeAllListeners('changed');
    const rejected: Array<{ nodeId: string; status: string }> = [];
    group.monitoredItems.forEach((item, i) => {
      const status = item.statusCode;
      if (status && status.value >>> 30 >= 2) {
        rejected.push({ nodeId: spec.items[i].nodeId, status: status.name });
        channel.byHandle.delete(item.monitoringParameters.clientHandle);
      }
    });
    const ok = spec.items.length - rejected.length;
    const message = rejected.length
      ? `${ok} of ${spec.items.length} items, rejected: ${rejected.map((r) => `${r.nodeId} ${r.status}`).join(', ')}`
      : `${ok} item${ok === 1 ? '' : 's'} @ ${channel.intervalMs} ms`;
    consumer.listener.onStatus({ state: 'active', message, rejected });
  }

  /** Maps a consumer's client handles to its tags (handles exist once the create request is sent). */
  private index(channel: Channel, consumer: Consumer): void {
    const group = consumer.group;
    if (!group) return;
    let complete = true;
    group.monitoredItems.forEach((item, i) => {
      const handle = item.monitoringParameters.clientHandle;
      if (handle === undefined || handle === 0xffffffff) {
        complete = false;
        return;
      }
      const spec = consumer.spec.items[i];
      if (channel.byHandle.get(handle)?.consumer !== consumer) channel.byHandle.set(handle, { consumer, tag: spec.tag || spec.nodeId.trim() });
    });
    if (complete) channel.unindexed.delete(consumer);
  }

  private onNotification(channel: Channel, subscription: ClientSubscription, message: NotificationMessage): void {
    if (channel.subscription !== subscription) return;
    channel.lastAlive = Date.now();
    if (channel.stale) channel.stale = false;
    const data = message.notificationData;
    if (!data || data.length === 0) return;
    let batches: Map<Consumer, Sample[]> | undefined;
    const source = this.connection.options.endpointUrl;
    for (const notification of data) {
      const items = (notification as DataChangeNotification).monitoredItems;
      if (!items) continue;
      for (const change of items) {
        let entry = channel.byHandle.get(change.clientHandle);
        if (!entry && channel.unindexed.size > 0) {
          for (const c of [...channel.unindexed]) this.index(channel, c);
          entry = channel.byHandle.get(change.clientHandle);
        }
        if (!entry) continue;
        const consumer = entry.consumer;
        const sample = toSample(entry.tag, change.value, source, entry.last);
        entry.last = sample.value;
        // A rebuilt subscription starts with the current values: one already delivered is a duplicate.
        const previous = consumer.delivered.get(entry.tag);
        if (previous && sameReading(previous, sample)) continue;
        consumer.delivered.set(entry.tag, sample);
        batches ??= new Map();
        const list = batches.get(consumer);
        if (list) list.push(sample);
        else batches.set(consumer, [sample]);
      }
    }
    if (!batches) return;
    for (const [consumer, samples] of batches) {
      try {
        consumer.listener.onData(samples);
      } catch (err) {
        this.tuning.log?.('error', `subscriber failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private startWatchdog(channel: Channel, subscription: ClientSubscription): void {
    if (channel.watchdog) clearInterval(channel.watchdog);
    // The server may revise both interval and keep-alive count upwards: judge by what it granted.
    const staleMs = this.staleAfterMs(subscription.publishingInterval || channel.intervalMs, subscription.maxKeepAliveCount || this.keepAliveCount);
    const checkEvery = Math.max(100, Math.min(1000, Math.round(staleMs / 4)));
    channel.watchdog = setInterval(() => {
      if (channel.subscription !== subscription || channel.stale) return;
      const silentFor = Date.now() - channel.lastAlive;
      if (silentFor < staleMs) return;
      channel.stale = true;
      this.staleRecoveries++;
      const message = `stale: no data or keep-alive for ${Math.round(silentFor / 1000)} s, re-creating subscription`;
      this.tuning.log?.('warn', message);
      for (const c of channel.consumers) {
        this.flagStale(c, message);
        c.listener.onStatus({ state: 'stale', message });
      }
      const session = this.connection.session;
      if (session) this.rebuild(channel, session);
    }, checkEvery);
    channel.watchdog.unref();
  }
}

function bounded<T>(promise: Promise<T>, ms = 3000): Promise<T | undefined> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]).finally(() => clearTimeout(timer));
}
