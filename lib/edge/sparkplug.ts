// Sparkplug B edge-node session: topics, birth and death certificates, sequence numbers, metric typing
// and rebirth, encoded with the Eclipse Tahu payload codec (sparkplug-payload).
// eslint-disable-next-line @typescript-eslint/no-require-imports
import sparkplugPayload = require('sparkplug-payload');

// The typings describe the payload loosely; the codec validates what it encodes.
const codec = sparkplugPayload.get('spBv1.0') as unknown as {
  encodePayload(payload: Record<string, unknown>): Uint8Array;
  decodePayload(payload: Uint8Array): Record<string, unknown>;
};

export type MetricValue = number | boolean | string;

export interface Metric {
  name: string;
  value: MetricValue;
  unit?: string;
  timestamp?: number;
}

interface WireMetric {
  name: string;
  type: string;
  value: unknown;
  timestamp?: number;
  isHistorical?: boolean;
  properties?: Record<string, { type: string; value: unknown }>;
}

export interface SparkplugMessage {
  topic: string;
  payload: Buffer;
}

const SEGMENT = /^[^+#/]+$/;

export function checkSparkplugId(kind: string, id: string): string {
  if (!SEGMENT.test(id)) throw new Error(`Sparkplug ${kind} "${id}" must be non-empty and contain none of + # /`);
  return id;
}

function metricType(value: MetricValue): string {
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'string') return 'String';
  return 'Double';
}

function wire(metric: Metric, historical: boolean, withUnit: boolean): WireMetric {
  const w: WireMetric = { name: metric.name, type: metricType(metric.value), value: metric.value };
  if (metric.timestamp !== undefined) w.timestamp = metric.timestamp;
  if (historical) w.isHistorical = true;
  if (withUnit && metric.unit) w.properties = { engUnit: { type: 'String', value: metric.unit } };
  return w;
}

export function decodeSparkplug(payload: Buffer): { timestamp?: number; seq?: number; metrics: Array<{ name: string; type: string; value: unknown; isHistorical?: boolean }> } {
  const decoded = codec.decodePayload(payload) as Record<string, any>;
  const num = (v: any) => (v === undefined || v === null ? undefined : typeof v === 'number' ? v : Number(v.toString()));
  return {
    timestamp: num(decoded.timestamp),
    seq: num(decoded.seq),
    metrics: (decoded.metrics ?? []).map((m: any) => ({ name: m.name, type: m.type, value: typeof m.value === 'object' && m.value && 'low' in m.value ? Number(m.value.toString()) : m.value, isHistorical: m.isHistorical })),
  };
}

/**
 * One edge node's Sparkplug state. The caller sends what it returns over MQTT, and must register
 * deathCertificate() as the MQTT last will before connecting.
 */
export class SparkplugEdgeNode {
  private seq = 0;
  private bdSeq: number;
  private readonly devices = new Map<string, Map<string, Metric>>();
  private born = false;

  constructor(
    readonly groupId: string,
    readonly edgeNodeId: string,
    private readonly clock: () => number = Date.now,
    initialBdSeq = 0,
  ) {
    checkSparkplugId('group id', groupId);
    checkSparkplugId('edge node id', edgeNodeId);
    this.bdSeq = initialBdSeq & 0xff;
  }

  topic(type: 'NBIRTH' | 'NDEATH' | 'NDATA' | 'NCMD' | 'DBIRTH' | 'DDATA' | 'DDEATH', deviceId?: string): string {
    return `spBv1.0/${this.groupId}/${type}/${this.edgeNodeId}${deviceId ? '/' + deviceId : ''}`;
  }

  private nextSeq(): number {
    const s = this.seq;
    this.seq = (this.seq + 1) % 256;
    return s;
  }

  /** The NDEATH payload for the MQTT will; call before each (re)connect. */
  deathCertificate(): SparkplugMessage {
    return {
      topic: this.topic('NDEATH'),
      payload: Buffer.from(codec.encodePayload({ timestamp: this.clock(), metrics: [{ name: 'bdSeq', type: 'UInt64', value: this.bdSeq }] })),
    };
  }

  /** After a connect: NBIRTH then a DBIRTH per known device. Sequence numbers restart at 0. */
  births(): SparkplugMessage[] {
    this.seq = 0;
    this.born = true;
    const out: SparkplugMessage[] = [
      {
        topic: this.topic('NBIRTH'),
        payload: Buffer.from(
          codec.encodePayload({
            timestamp: this.clock(),
            seq: this.nextSeq(),
            metrics: [
              { name: 'bdSeq', type: 'UInt64', value: this.bdSeq },
              { name: 'Node Control/Rebirth', type: 'Boolean', value: false },
            ],
          }),
        ),
      },
    ];
    for (const device of this.devices.keys()) out.push(this.deviceBirth(device));
    return out;
  }

  /** Called when the connection is lost: the next connect uses the next bdSeq. */
  disconnected(): void {
    this.born = false;
    this.bdSeq = (this.bdSeq + 1) % 256;
  }

  private deviceBirth(deviceId: string): SparkplugMessage {
    const metrics = [...(this.devices.get(deviceId) ?? new Map()).values()].map((m) => wire(m, false, true));
    return { topic: this.topic('DBIRTH', deviceId), payload: Buffer.from(codec.encodePayload({ timestamp: this.clock(), seq: this.nextSeq(), metrics })) };
  }

  /**
   * DDATA for a device; a device or metric not yet born first gets a (re)birth, as the specification
   * requires every metric to appear in a birth before it appears in data.
   */
  data(deviceId: string, metrics: Metric[], historical = false): SparkplugMessage[] {
    checkSparkplugId('device id', deviceId);
    if (!this.born) throw new Error('Sparkplug: data before birth; send births() after connecting');
    let known = this.devices.get(deviceId);
    const out: SparkplugMessage[] = [];
    const unknown = !known || metrics.some((m) => !known!.has(m.name) || metricType(known!.get(m.name)!.value) !== metricType(m.value));
    if (!known) {
      known = new Map();
      this.devices.set(deviceId, known);
    }
    for (const m of metrics) known.set(m.name, m);
    if (unknown) out.push(this.deviceBirth(deviceId));
    out.push({
      topic: this.topic('DDATA', deviceId),
      payload: Buffer.from(codec.encodePayload({ timestamp: this.clock(), seq: this.nextSeq(), metrics: metrics.map((m) => wire(m, historical, false)) })),
    });
    return out;
  }

  /** True when an NCMD payload asks for a rebirth. */
  isRebirthRequest(topic: string, payload: Buffer): boolean {
    if (topic !== this.topic('NCMD')) return false;
    try {
      return decodeSparkplug(payload).metrics.some((m) => m.name === 'Node Control/Rebirth' && m.value === true);
    } catch {
      return false;
    }
  }
}
