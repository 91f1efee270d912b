// One Modbus connection (TCP or RTU over serial) that survives a real plant: requests go through a
// bounded queue one at a time, every request ends (reply, exception, timeout or "not connected"),
// and a lost connection is retried forever with capped exponential backoff and jitter.
import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import ModbusRTU from 'modbus-serial';
import type { ModbusArea } from './modbus-tags';
import { REAL_TIMERS, type Timers } from './timers';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting' | 'closed';

export interface StateChange {
  state: ConnectionState;
  /** Reconnect attempt number (1 = first retry after a loss or failed connect). */
  attempt: number;
  /** Why the last attempt failed or the connection was lost. */
  error?: string;
  /** Wait before the next attempt. */
  delayMs?: number;
}

export interface ModbusConnectionOptions {
  transport?: 'tcp' | 'rtu';
  host?: string;
  port?: number;
  /** Serial device, e.g. /dev/ttyUSB0 (RTU). */
  path?: string;
  baudRate?: number;
  parity?: 'none' | 'even' | 'odd';
  dataBits?: number;
  stopBits?: number;
  /** Default unit (slave) id. */
  unitId?: number;
  /** Reply timeout per request, ms. Also bounds a connect attempt (at most 2 s, see connectTimeoutMs). */
  timeoutMs?: number;
  /** Requests that may wait; more are rejected with QueueFullError. */
  queueSize?: number;
  /** First retry delay and cap, ms. The cap keeps recovery within ~5 s of the server's return. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** Consecutive timeouts after which the link is assumed dead and re-opened (half-open TCP). */
  timeoutsBeforeReconnect?: number;
  /** Random source for jitter (tests pass a fixed one). */
  random?: () => number;
  /** Timers for retries and connect attempts (tests pass a simulated clock to replay hour-long outages). */
  timers?: Timers;
}

export type ModbusErrorKind = 'exception' | 'timeout' | 'not-connected' | 'queue-full' | 'closed' | 'io';

export class ModbusRequestError extends Error {
  constructor(message: string, readonly kind: ModbusErrorKind, readonly exceptionCode?: number) {
    super(message);
    this.name = 'ModbusRequestError';
  }
}

export interface ConnectionStats {
  requests: number;
  failures: number;
  timeouts: number;
  exceptions: number;
  /** Requests rejected because the queue was full. */
  drops: number;
  reconnects: number;
  queued: number;
}

export interface RegisterReply {
  /** Raw register bytes, big-endian as on the wire. */
  buffer: Buffer;
}

export interface BitReply {
  bits: boolean[];
}

interface Job {
  label: string;
  run: (client: ModbusRTU, done: (err: unknown, value?: unknown) => void) => void;
  resolve: (value: any) => void;
  reject: (err: Error) => void;
}

const DEFAULTS = {
  transport: 'tcp' as const,
  port: 502,
  unitId: 1,
  timeoutMs: 1000,
  queueSize: 64,
  backoffInitialMs: 250,
  backoffMaxMs: 2500,
  timeoutsBeforeReconnect: 3,
};

/** Backoff before retry `attempt` (1-based): doubling from initial, capped, with "equal jitter" (half fixed, half random). */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const exp = Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(exp / 2 + (exp / 2) * random());
}

function describeError(err: unknown): string {
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  if (err && typeof err === 'object' && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}

export class ModbusConnection extends EventEmitter {
  readonly options: Required<Omit<ModbusConnectionOptions, 'host' | 'path' | 'baudRate' | 'parity' | 'dataBits' | 'stopBits' | 'random' | 'timers'>> & ModbusConnectionOptions;
  readonly stats: ConnectionStats = { requests: 0, failures: 0, timeouts: 0, exceptions: 0, drops: 0, reconnects: 0, queued: 0 };
  private stateNow: StateChange = { state: 'idle', attempt: 0 };
  private client: ModbusRTU | undefined;
  private socket: net.Socket | undefined;
  private queue: Job[] = [];
  private busy = false;
  private retryTimer: unknown;
  private attempt = 0;
  private consecutiveTimeouts = 0;
  private generation = 0;
  private readonly random: () => number;
  private readonly timers: Timers;

  constructor(options: ModbusConnectionOptions) {
    super();
    this.options = { ...DEFAULTS, ...stripUndefined(options) };
    this.random = options.random ?? Math.random;
    this.timers = options.timers ?? REAL_TIMERS;
    validateOptions(this.options);
  }

  get state(): StateChange {
    return { ...this.stateNow };
  }

  get connected(): boolean {
    return this.stateNow.state === 'connected';
  }

  /** A short description for status and logs, never containing secrets. */
  get label(): string {
    const o = this.options;
    return o.transport === 'rtu' ? `${o.path}@${o.baudRate ?? 9600}` : `${o.host}:${o.port}`;
  }

  /** Ms a connect attempt may take before it is abandoned. */
  get connectTimeoutMs(): number {
    return Math.min(2000, Math.max(500, this.options.timeoutMs));
  }

  start(): void {
    if (this.stateNow.state !== 'idle') return;
    this.connect();
  }

  /** Closes for good: pending requests fail, timers stop, the socket is destroyed. */
  async close(): Promise<void> {
    this.generation++;
    if (this.retryTimer) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.setState({ state: 'closed', attempt: 0 });
    this.dropLink(new ModbusRequestError('connection closed', 'closed'));
    this.removeAllListeners('state');
  }

  readRegisters(area: ModbusArea, unitId: number, start: number, count: number): Promise<Buffer> {
    const fc = area === 'holding' ? 'writeFC3' : area === 'input' ? 'writeFC4' : undefined;
    if (!fc) return Promise.reject(new Error(`${area} is not a register area`));
    return this.enqueue(`read ${area} ${start}+${count} unit ${unitId}`, (c, done) =>
      (c as any)[fc](unitId, start, count, (err: unknown, res: { buffer: Buffer }) => done(err, res && res.buffer)),
    );
  }

  readBits(area: ModbusArea, unitId: number, start: number, count: number): Promise<boolean[]> {
    const fc = area === 'coil' ? 'writeFC1' : area === 'discrete' ? 'writeFC2' : undefined;
    if (!fc) return Promise.reject(new Error(`${area} is not a bit area`));
    return this.enqueue(`read ${area} ${start}+${count} unit ${unitId}`, (c, done) =>
      (c as any)[fc](unitId, start, count, (err: unknown, res: { data: boolean[] }) => done(err, res && res.data)),
    );
  }

  writeCoil(unitId: number, address: number, value: boolean): Promise<void> {
    return this.enqueue(`write coil ${address} unit ${unitId}`, (c, done) => c.writeFC5(unitId, address, value, (err) => done(err)));
  }

  writeRegisters(unitId: number, address: number, values: number[]): Promise<void> {
    if (values.length === 1) {
      return this.enqueue(`write holding ${address} unit ${unitId}`, (c, done) => c.writeFC6(unitId, address, values[0], (err) => done(err)));
    }
    return this.enqueue(`write holding ${address}+${values.length} unit ${unitId}`, (c, done) => c.writeFC16(unitId, address, values, (err) => done(err)));
  }

  // ---- queue ------------------------------------------------------------------------------------

  private enqueue<T>(label: string, run: Job['run']): Promise<T> {
    const s = this.stateNow.state;
    if (s === 'closed') return Promise.reject(new ModbusRequestError(`${label}: connection closed`, 'closed'));
    if (s !== 'connected' && s !== 'connecting') {
      const why = this.stateNow.error ? `: ${this.stateNow.error}` : '';
      this.stats.failures++;
      return Promise.reject(new ModbusRequestError(`${label}: not connected to ${this.label} (${s}${this.stateNow.attempt ? `, attempt ${this.stateNow.attempt}` : ''}${why})`, 'not-connected'));
    }
    if (this.queue.length >= this.options.queueSize) {
      this.stats.drops++;
      return Promise.reject(new ModbusRequestError(`${label}: request queue full (${this.options.queueSize} waiting for ${this.label}); poll less often or raise the queue size`, 'queue-full'));
    }
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ label, run, resolve, reject });
      this.stats.queued = this.queue.length;
      this.pump();
    });
  }

  private pump(): void {
    if (this.busy || !this.client || this.stateNow.state !== 'connected') return;
    const job = this.queue.shift();
    this.stats.queued = this.queue.length;
    if (!job) return;
    this.busy = true;
    this.stats.requests++;
    const client = this.client;
    const generation = this.generation;
    let settled = false;
    // modbus-serial's own timer ends a silent request; dropLink() ends one whose link died.
    const finish = (err: unknown, value?: unknown) => {
      if (settled) return;
      settled = true;
      this.busy = false;
      if (err) {
        const e = this.classify(job.label, err);
        job.reject(e);
        if (e.kind === 'timeout' && generation === this.generation && ++this.consecutiveTimeouts >= this.options.timeoutsBeforeReconnect) {
          this.lost(`${this.consecutiveTimeouts} requests in a row timed out`);
        }
      } else {
        this.consecutiveTimeouts = 0;
        job.resolve(value);
      }
      if (generation === this.generation) this.pump();
    };
    this.currentFinish = finish;
    try {
      job.run(client, finish);
    } catch (err) {
      finish(err);
    }
  }

  private currentFinish: ((err: unknown) => void) | undefined;

  private classify(label: string, err: unknown): ModbusRequestError {
    if (err instanceof ModbusRequestError) return err;
    const e = err as { modbusCode?: number; errno?: string; message?: string };
    this.stats.failures++;
    if (typeof e.modbusCode === 'number') {
      this.stats.exceptions++;
      return new ModbusRequestError(`${label}: ${describeError(err)}`, 'exception', e.modbusCode);
    }
    if (e.errno === 'ETIMEDOUT' || e.message === 'Timed out') {
      this.stats.timeouts++;
      return new ModbusRequestError(`${label}: no reply from ${this.label} within ${this.options.timeoutMs} ms`, 'timeout');
    }
    return new ModbusRequestError(`${label}: ${describeError(err)}`, 'io');
  }

  private failQueue(err: ModbusRequestError): void {
    const jobs = this.queue;
    this.queue = [];
    this.stats.queued = 0;
    for (const job of jobs) {
      this.stats.failures++;
      job.reject(new ModbusRequestError(`${job.label}: ${err.message}`, err.kind));
    }
  }

  // ---- connection life cycle --------------------------------------------------------------------

  private setState(change: StateChange): void {
    this.stateNow = change;
    this.emit('state', { ...change });
  }

  private connect(): void {
    const generation = ++this.generation;
    this.setState({ state: 'connecting', attempt: this.attempt, ...(this.stateNow.error ? { error: this.stateNow.error } : {}) });
    let timer: unknown = this.timers.setTimeout(() => {
      timer = undefined;
      fail(new Error(`no connection within ${this.connectTimeoutMs} ms`));
    }, this.connectTimeoutMs);
    const fail = (err: unknown) => {
      if (timer) this.timers.clearTimeout(timer);
      timer = undefined;
      if (generation !== this.generation) return;
      this.lost(describeError(err));
    };
    const opened = (client: ModbusRTU) => {
      if (timer) this.timers.clearTimeout(timer);
      timer = undefined;
      if (generation !== this.generation) {
        destroyQuietly(client);
        return;
      }
      client.setTimeout(this.options.timeoutMs);
      this.client = client;
      this.attempt = 0;
      this.consecutiveTimeouts = 0;
      this.setState({ state: 'connected', attempt: 0 });
      this.pump();
    };
    try {
      if (this.options.transport === 'rtu') this.openSerial(generation, opened, fail);
      else this.openTcp(generation, opened, fail);
    } catch (err) {
      fail(err);
    }
  }

  private openTcp(generation: number, opened: (c: ModbusRTU) => void, fail: (e: unknown) => void): void {
    const socket = new net.Socket();
    this.socket = socket;
    socket.on('error', (err) => {
      if (generation !== this.generation) return;
      if (this.stateNow.state === 'connected') this.lost(describeError(err));
      else fail(err);
    });
    socket.on('close', () => {
      if (generation !== this.generation) return;
      if (this.stateNow.state === 'connected') this.lost('connection closed by the server');
      else fail(new Error('connection closed while connecting'));
    });
    socket.once('connect', () => {
      if (generation !== this.generation) return;
      socket.setNoDelay(true);
      const client = new ModbusRTU();
      client.on('error', () => undefined); // socket errors are handled above
      client.connectTCP(this.options.host as string, { port: this.options.port, socket }, (err: unknown) => (err ? fail(err) : opened(client)));
    });
    socket.connect({ host: this.options.host as string, port: this.options.port });
  }

  private openSerial(generation: number, opened: (c: ModbusRTU) => void, fail: (e: unknown) => void): void {
    const client = new ModbusRTU();
    client.on('error', (err: unknown) => {
      if (generation === this.generation && this.stateNow.state === 'connected') this.lost(describeError(err));
    });
    client.on('close', () => {
      if (generation === this.generation && this.stateNow.state === 'connected') this.lost('serial port closed');
    });
    this.client = undefined;
    const o = this.options;
    client.connectRTUBuffered(o.path as string, { baudRate: o.baudRate ?? 9600, parity: o.parity ?? 'none', dataBits: o.dataBits ?? 8, stopBits: o.stopBits ?? 1 }, (err: unknown) => {
      if (err) {
        destroyQuietly(client);
        fail(err);
      } else opened(client);
    });
    this.serialClient = client;
  }

  private serialClient: ModbusRTU | undefined;

  /** Releases the current link; the in-flight and queued requests fail with `err`. */
  private dropLink(err: ModbusRequestError): void {
    const client = this.client ?? this.serialClient;
    this.client = undefined;
    this.serialClient = undefined;
    if (this.socket) {
      this.socket.destroy();
      this.socket = undefined;
    }
    if (client) destroyQuietly(client);
    const finish = this.currentFinish;
    this.currentFinish = undefined;
    if (this.busy && finish) finish(err);
    this.busy = false;
    this.failQueue(err);
  }

  /** The link failed or was lost: release it and schedule the next attempt. */
  private lost(reason: string): void {
    if (this.stateNow.state === 'closed') return;
    this.generation++;
    this.dropLink(new ModbusRequestError(`connection to ${this.label} lost: ${reason}`, 'not-connected'));
    this.attempt++;
    this.stats.reconnects++;
    const delayMs = backoffDelay(this.attempt, this.options.backoffInitialMs, this.options.backoffMaxMs, this.random);
    this.setState({ state: 'reconnecting', attempt: this.attempt, error: reason, delayMs });
    if (this.retryTimer) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stateNow.state === 'reconnecting') this.connect();
    }, delayMs);
  }
}

function destroyQuietly(client: ModbusRTU): void {
  try {
    client.destroy(() => undefined);
  } catch {
    // already gone
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}

function validateOptions(o: ModbusConnection['options']): void {
  const int = (v: unknown, name: string, min: number, max: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be a whole number in ${min}..${max}, got ${String(v)}`);
  };
  if (o.transport !== 'tcp' && o.transport !== 'rtu') throw new Error(`transport must be tcp or rtu, got ${String(o.transport)}`);
  if (o.transport === 'tcp') {
    if (typeof o.host !== 'string' || o.host.trim() === '') throw new Error('host is missing');
    int(o.port, 'port', 1, 65535);
  } else {
    if (typeof o.path !== 'string' || o.path.trim() === '') throw new Error('serial port path is missing');
    if (o.baudRate !== undefined) int(o.baudRate, 'baud rate', 50, 4000000);
    if (o.dataBits !== undefined) int(o.dataBits, 'data bits', 5, 8);
    if (o.stopBits !== undefined) int(o.stopBits, 'stop bits', 1, 2);
    if (o.parity !== undefined && !['none', 'even', 'odd'].includes(o.parity)) throw new Error(`parity must be none, even or odd, got ${o.parity}`);
  }
  int(o.unitId, 'unit id', 0, 255);
  int(o.timeoutMs, 'timeout', 10, 600000);
  int(o.queueSize, 'queue size', 1, 100000);
  int(o.backoffInitialMs, 'backoff start', 1, 600000);
  int(o.backoffMaxMs, 'backoff cap', 1, 600000);
  int(o.timeoutsBeforeReconnect, 'timeouts before reconnect', 1, 1000);
}
