// One MQTT connection that never loses a message within its buffer's bound: everything to send goes
// through a store-and-forward buffer and leaves it only when the broker has acknowledged it (QoS 1),
// in order. The link owns its reconnects (a fresh client each time, so no message is resent twice by
// the library) with a backoff capped so that it is back within a few seconds of the broker's return.
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { StoreAndForward, type BufferedMessage } from './store-and-forward';

export type LinkState = 'connecting' | 'connected' | 'reconnecting' | 'stopped';

export interface OutgoingPacket {
  topic: string;
  payload: Buffer | string;
  qos: 0 | 1;
  retain: boolean;
}

export interface MqttLinkOptions {
  url: string;
  clientId: string;
  username?: string;
  password?: string;
  /** TLS: CA, client certificate and key as PEM text, and whether to verify the broker. */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  passphrase?: string;
  rejectUnauthorized?: boolean;
  buffer: StoreAndForward;
  /** Topics to subscribe to after each connect (e.g. Sparkplug NCMD). */
  subscriptions?: string[];
  /** The last will for the next connect (Sparkplug NDEATH). */
  will?: () => OutgoingPacket | undefined;
  /** Sent first after each connect, before any buffered message (Sparkplug births). */
  onConnected?: () => OutgoingPacket[];
  onDisconnected?: () => void;
  /** Turns a buffered entry into packets; `historical` is true for entries produced before this connect. */
  encode?: (entry: BufferedMessage, historical: boolean) => OutgoingPacket[];
  onState?: (state: LinkState, detail: string) => void;
  onMessage?: (topic: string, payload: Buffer) => void;
  /**
   * A disk error of the store-and-forward buffer (ENOSPC, EIO...). The link keeps running: messages stay
   * buffered in memory and the buffer retries its writes. Repeats of the same error are reported once.
   */
  onError?: (err: Error) => void;
  /** Longest wait between reconnect attempts, ms. */
  maxBackoffMs?: number;
  connectTimeoutMs?: number;
}

/** Throws a clear error unless url is an MQTT broker URL (mqtt, mqtts, ws, wss). */
export function checkBrokerUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`broker URL "${url}" is not a URL; use mqtt://host:1883 or mqtts://host:8883`);
  }
  if (!['mqtt:', 'mqtts:', 'ws:', 'wss:', 'tcp:', 'ssl:'].includes(parsed.protocol)) {
    throw new Error(`broker URL must start with mqtt://, mqtts://, ws:// or wss://, got ${parsed.protocol}//`);
  }
}

/** True for a broker URL without TLS (mqtt://, ws://, tcp://): user name, password and data travel in clear text. */
export function isUnencryptedBrokerUrl(url: string): boolean {
  return /^(mqtt|ws|tcp):\/\//i.test(url.trim());
}

function defaultEncode(entry: BufferedMessage): OutgoingPacket[] {
  return [{ topic: entry.topic, payload: entry.payload, qos: entry.qos, retain: entry.retain }];
}

export class MqttLink {
  private client: MqttClient | undefined;
  private state: LinkState = 'connecting';
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private pumping = false;
  /** Bumped on every connection loss, so late callbacks of an old client change nothing. */
  private generation = 0;
  private connectedAt = 0;
  private sent = 0;
  private bytesOut = 0;
  private stopped = false;
  private lastBufferError: string | undefined;

  constructor(private readonly options: MqttLinkOptions) {
    checkBrokerUrl(options.url);
    options.buffer.onBackgroundError = (err) => this.bufferFailed(err);
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  get connected(): boolean {
    return this.state === 'connected';
  }

  stats(): { state: LinkState; sent: number; bytesOut: number; buffered: number; dropped: number } {
    const b = this.options.buffer.stats();
    return { state: this.state, sent: this.sent, bytesOut: this.bytesOut, buffered: b.buffered, dropped: b.dropped };
  }

  /** Queues a message; it goes out now when connected, else after the next connect. */
  send(entry: BufferedMessage): void {
    this.bufferCall(() => this.options.buffer.push(entry));
    this.pump();
  }

  /** Writes packets now, ahead of the buffer (Sparkplug rebirth); false when not connected. */
  sendNow(packets: OutgoingPacket[]): boolean {
    const client = this.client;
    if (!client || this.state !== 'connected') return false;
    for (const p of packets) this.write(client, p, () => undefined);
    return true;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const client = this.client;
    this.client = undefined;
    this.setState('stopped', 'closed');
    this.bufferCall(() => this.options.buffer.flush());
    if (client) await new Promise<void>((resolve) => client.end(true, {}, () => resolve()));
  }

  /** Runs a buffer call that writes to disk; a disk error is reported, never thrown (this may run in an mqtt.js callback). */
  private bufferCall(call: () => void): void {
    try {
      call();
      this.lastBufferError = undefined;
    } catch (err) {
      this.bufferFailed(err as Error);
    }
  }

  private bufferFailed(err: Error): void {
    const text = `store-and-forward buffer: ${err?.message ?? String(err)}`;
    // By code when there is one: the same full disk names a different temporary file each time.
    const key = (err as NodeJS.ErrnoException)?.code ?? text;
    if (key === this.lastBufferError) return;
    this.lastBufferError = key;
    try {
      this.options.onError?.(new Error(text, { cause: err }));
    } catch {
      // a handler's failure must not take the link down
    }
  }

  private setState(state: LinkState, detail: string): void {
    this.state = state;
    this.options.onState?.(state, detail);
  }

  private connect(): void {
    if (this.stopped) return;
    const will = this.options.will?.();
    const clientOptions: IClientOptions & { passphrase?: string } = {
      passphrase: this.options.passphrase || undefined,
      clientId: this.options.clientId,
      clean: true,
      reconnectPeriod: 0,
      connectTimeout: this.options.connectTimeoutMs ?? 5000,
      keepalive: 10,
      username: this.options.username || undefined,
      password: this.options.password || undefined,
      ca: this.options.ca || undefined,
      cert: this.options.cert || undefined,
      key: this.options.key || undefined,
      rejectUnauthorized: this.options.rejectUnauthorized ?? true,
      will: will ? { topic: will.topic, payload: Buffer.from(will.payload), qos: will.qos, retain: will.retain } : undefined,
    };
    const client = mqtt.connect(this.options.url, clientOptions);
    this.client = client;
    client.on('connect', () => {
      if (client !== this.client) return;
      this.attempt = 0;
      this.connectedAt = Date.now();
      this.setState('connected', this.options.url);
      if (this.options.subscriptions?.length) client.subscribe(this.options.subscriptions, { qos: 1 }, () => undefined);
      const first = this.options.onConnected?.() ?? [];
      for (const p of first) this.write(client, p, () => undefined);
      this.pump();
    });
    client.on('message', (topic, payload) => {
      try {
        this.options.onMessage?.(topic, payload);
      } catch {
        // a handler's failure must not take the connection down
      }
    });
    const lost = (detail: string) => {
      if (client !== this.client || this.stopped) return;
      this.client = undefined;
      this.generation++;
      this.pumping = false;
      client.end(true);
      if (this.state === 'connected') this.options.onDisconnected?.();
      this.attempt++;
      this.setState('reconnecting', `attempt ${this.attempt}: ${detail}`);
      const cap = this.options.maxBackoffMs ?? 3000;
      const delay = Math.min(cap, 250 * 2 ** Math.min(this.attempt - 1, 8)) * (0.7 + 0.3 * Math.random());
      this.timer = setTimeout(() => this.connect(), delay);
    };
    client.on('error', (err) => lost(err.message));
    client.on('close', () => lost('connection closed'));
  }

  private write(client: MqttClient, p: OutgoingPacket, done: (err?: Error) => void): void {
    const payload = typeof p.payload === 'string' ? Buffer.from(p.payload) : p.payload;
    this.bytesOut += payload.length + p.topic.length;
    client.publish(p.topic, payload, { qos: p.qos, retain: p.retain }, (err) => done(err ?? undefined));
  }

  /** Sends the oldest buffered entry, waits for its acknowledgement, then the next: strict order. */
  private pump(): void {
    if (this.pumping) return;
    const client = this.client;
    const entry = this.options.buffer.peek();
    if (!client || this.state !== 'connected' || !entry) return;
    this.pumping = true;
    const generation = this.generation;
    let packets: OutgoingPacket[];
    try {
      packets = (this.options.encode ?? defaultEncode)(entry, entry.producedAt < this.connectedAt);
    } catch {
      // an entry that cannot be encoded would block the queue forever: drop it
      this.bufferCall(() => this.options.buffer.shift());
      this.pumping = false;
      return this.pump();
    }
    let pending = packets.length;
    let failed = false;
    const finish = (err?: Error) => {
      if (err) failed = true;
      if (--pending > 0 || generation !== this.generation) return;
      this.pumping = false;
      if (failed) return; // the connection is going down: resent after the next connect
      this.bufferCall(() => this.options.buffer.shift());
      this.sent++;
      setImmediate(() => this.pump());
    };
    if (pending === 0) {
      pending = 1;
      finish();
      return;
    }
    for (const p of packets) this.write(client, p, finish);
  }
}
