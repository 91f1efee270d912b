// Publishes Millwright contracts into a Unified Namespace over MQTT, as plain JSON (one retained topic
// per metric) and/or Sparkplug B, with report by exception and store-and-forward.
import { MqttLink, type LinkState, type MqttLinkOptions, type OutgoingPacket } from './mqtt-link';
import { ReportByException, type DeadbandOptions } from './report-by-exception';
import { SparkplugEdgeNode, type Metric } from './sparkplug';
import { StoreAndForward, type BufferedMessage } from './store-and-forward';
import { classify, segment, unsTopic, type UnsPath } from './uns';

export type UnsFormat = 'json' | 'sparkplug' | 'both';

export interface UnsPublisherOptions {
  path: UnsPath;
  format: UnsFormat;
  /** Sparkplug group and edge node ids (only for sparkplug / both). */
  groupId: string;
  edgeNodeId: string;
  deadband: DeadbandOptions;
  link: Omit<MqttLinkOptions, 'buffer' | 'will' | 'onConnected' | 'onDisconnected' | 'encode' | 'onMessage' | 'subscriptions'>;
  bufferFile?: string;
  maxMessages: number;
  maxBytes: number;
  clock?: () => number;
}

export interface PublishResult {
  published: number;
  suppressed: number;
}

export interface PublisherStats {
  state: LinkState;
  rawBytesIn: number;
  bytesOut: number;
  /** Raw bytes that would have been sent / bytes published. */
  reduction: number;
  buffered: number;
  dropped: number;
  sent: number;
}

export class UnsPublisher {
  private readonly link: MqttLink;
  private readonly rbe: ReportByException;
  private readonly sparkplug: SparkplugEdgeNode | undefined;
  private readonly clock: () => number;
  private rawBytesIn = 0;

  constructor(private readonly options: UnsPublisherOptions) {
    this.clock = options.clock ?? Date.now;
    this.rbe = new ReportByException(options.deadband);
    const usesSparkplug = options.format !== 'json';
    this.sparkplug = usesSparkplug ? new SparkplugEdgeNode(options.groupId, options.edgeNodeId, this.clock) : undefined;
    const buffer = new StoreAndForward({ file: options.bufferFile, maxMessages: options.maxMessages, maxBytes: options.maxBytes });
    const sp = this.sparkplug;
    this.link = new MqttLink({
      ...options.link,
      buffer,
      subscriptions: sp ? [sp.topic('NCMD')] : [],
      will: () => (sp ? { ...sp.deathCertificate(), qos: 1, retain: false } : undefined),
      onConnected: () => (sp ? sp.births().map((m) => ({ ...m, qos: 0 as const, retain: false })) : []),
      onDisconnected: () => sp?.disconnected(),
      encode: (entry, historical) => this.encode(entry, historical),
      onMessage: (topic, payload) => {
        if (sp && sp.isRebirthRequest(topic, payload)) this.rebirth();
      },
    });
  }

  start(): void {
    this.link.start();
  }

  stop(): Promise<void> {
    return this.link.stop();
  }

  /** Publishes (or buffers) one contract payload; `machine` overrides the machine the payload names. */
  publish(payload: unknown, machine?: string): PublishResult {
    const c = classify(payload);
    const now = this.clock();
    this.rawBytesIn += Buffer.byteLength(JSON.stringify(payload) ?? '');
    const device = segment(machine || c.machine || 'plant');
    const fresh = this.rbe.filter(device, c.metrics, now);
    if (fresh.length === 0) return { published: 0, suppressed: c.metrics.length };
    if (this.options.format !== 'sparkplug') {
      for (const m of fresh) {
        this.link.send({
          topic: unsTopic(this.options.path, device, ...m.name.split('/')),
          payload: JSON.stringify({ value: m.value, timestamp: m.timestamp ?? now, ...(m.unit ? { unit: m.unit } : {}) }),
          qos: 1,
          retain: true,
          producedAt: now,
        });
      }
    }
    if (this.sparkplug) {
      this.link.send({ topic: '', payload: '', qos: 1, retain: false, producedAt: now, sparkplug: { deviceId: device, metrics: fresh } });
    }
    return { published: fresh.length, suppressed: c.metrics.length - fresh.length };
  }

  stats(): PublisherStats {
    const s = this.link.stats();
    return {
      state: s.state,
      rawBytesIn: this.rawBytesIn,
      bytesOut: s.bytesOut,
      reduction: s.bytesOut > 0 ? this.rawBytesIn / s.bytesOut : 0,
      buffered: s.buffered,
      dropped: s.dropped,
      sent: s.sent,
    };
  }

  private encode(entry: BufferedMessage, historical: boolean): OutgoingPacket[] {
    if (!entry.sparkplug) return [{ topic: entry.topic, payload: entry.payload, qos: entry.qos, retain: entry.retain }];
    if (!this.sparkplug) return [];
    return this.sparkplug
      .data(entry.sparkplug.deviceId, entry.sparkplug.metrics as Metric[], historical)
      .map((m) => ({ ...m, qos: entry.qos, retain: false }));
  }

  /** A host asked for a rebirth: republish births, then everything current again. */
  private rebirth(): void {
    this.rbe.reset();
    if (!this.sparkplug) return;
    this.link.sendNow(this.sparkplug.births().map((m) => ({ ...m, qos: 0 as const, retain: false })));
  }
}
