// An endpoint as the Node-RED config node shares it: one connection, one subscription registry,
// the set of nodes using it, and the status those nodes show. No Node-RED types here.
import { EventEmitter } from 'node:events';
import type { ClientSession } from 'node-opcua-client';
import type { OpcuaEndpointOptions } from './opcua-options';
import { OpcuaConnection, type ConnectionStateEvent, type OpcuaConnectionTuning } from './opcua-session';
import { OpcuaSubscriptions, type SubscriptionTuning } from './opcua-subscription';

export interface StatusView {
  fill: 'red' | 'green' | 'yellow' | 'blue' | 'grey';
  shape: 'dot' | 'ring';
  text: string;
}

/** The editor status for a connection state: the security in use, yellow when it is not encrypted. */
export function connectionStatus(ev: ConnectionStateEvent): StatusView {
  switch (ev.state) {
    case 'connected':
      return ev.unencrypted
        ? { fill: 'yellow', shape: 'dot', text: `connected (unencrypted: ${ev.security ?? 'None'})` }
        : { fill: 'green', shape: 'dot', text: `connected (${ev.security ?? 'encrypted'})` };
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: 'connecting' };
    case 'reconnecting':
      return { fill: 'yellow', shape: 'ring', text: `reconnecting (attempt ${ev.attempt})` };
    case 'error':
      return { fill: 'red', shape: 'ring', text: `error: ${ev.error ?? ev.message}` };
    case 'closed':
      return { fill: 'grey', shape: 'ring', text: 'closed' };
    default:
      return { fill: 'grey', shape: 'ring', text: 'idle' };
  }
}

export class OpcuaEndpoint extends EventEmitter {
  readonly connection: OpcuaConnection;
  readonly subscriptions: OpcuaSubscriptions;
  private readonly users = new Set<string>();
  private closing: Promise<void> | undefined;

  constructor(options: OpcuaEndpointOptions, tuning: OpcuaConnectionTuning & { subscriptions?: SubscriptionTuning } = {}) {
    super();
    this.connection = new OpcuaConnection(options, tuning);
    this.subscriptions = new OpcuaSubscriptions(this.connection, { log: tuning.log, ...tuning.subscriptions });
    this.connection.on('state', (ev: ConnectionStateEvent) => this.emit('state', ev));
  }

  get state(): ConnectionStateEvent {
    return this.connection.state;
  }

  get status(): StatusView {
    return connectionStatus(this.connection.state);
  }

  /** A node starts using the endpoint; the first user opens the connection. */
  register(userId: string): void {
    this.users.add(userId);
    if (!this.closing) this.connection.start();
  }

  deregister(userId: string): void {
    this.users.delete(userId);
  }

  get userCount(): number {
    return this.users.size;
  }

  /** The live session (connecting on demand, e.g. for the editor's browse picker). */
  session(timeoutMs = 5000): Promise<ClientSession> {
    if (this.closing) return Promise.reject(new Error('OPC UA endpoint is closed'));
    this.connection.start();
    return this.connection.ready(timeoutMs);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.subscriptions.close();
      await this.connection.close();
      this.removeAllListeners();
    })();
    return this.closing;
  }
}
