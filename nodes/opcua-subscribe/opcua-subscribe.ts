// OPC UA subscribe: monitored items on the endpoint's shared subscription for this publishing
// interval; one msg per change or one msg per publish, samples in the lib's contract.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import type { Sample } from '../../lib/contracts';
import { connectionStatus, type OpcuaEndpoint } from '../../lib/protocols/opcua-endpoint';
import type { ConnectionStateEvent } from '../../lib/protocols/opcua-session';
import type { DeadbandKind, MonitorItem, SubscriptionHandle, SubscriptionStatus } from '../../lib/protocols/opcua-subscription';
import { errorText, positiveInt, status } from '../shared/glue';

interface SubscribeDef extends NodeDef {
  endpoint: string;
  items: Array<{ nodeId: string; tag?: string }> | string;
  publishingInterval: string | number;
  samplingInterval: string | number;
  queueSize: string | number;
  deadbandType: string;
  deadbandValue: string | number;
  output: 'change' | 'publish';
}

type EndpointHolder = Node & { endpoint?: OpcuaEndpoint; configError?: string };

function parseItems(raw: SubscribeDef['items']): MonitorItem[] {
  const list = typeof raw === 'string' ? (raw.trim() ? JSON.parse(raw) : []) : raw;
  if (!Array.isArray(list)) throw new Error('items must be a list of {nodeId, tag}');
  return list.map((i: { nodeId?: unknown; tag?: unknown }) => ({ nodeId: String(i?.nodeId ?? '').trim(), tag: typeof i?.tag === 'string' && i.tag.trim() ? i.tag.trim() : undefined }));
}

function nonNegative(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${field} must be a number >= 0, got "${String(value)}"`);
  return n;
}

export = function register(RED: NodeAPI): void {
  function OpcuaSubscribeNode(this: Node, config: SubscribeDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let endpoint: OpcuaEndpoint;
    let handle: SubscriptionHandle | undefined;
    const perPublish = config.output === 'publish';
    try {
      const holder = RED.nodes.getNode(config.endpoint) as EndpointHolder | null;
      if (!holder) throw new Error('no OPC UA endpoint selected');
      if (!holder.endpoint) throw new Error(`endpoint: ${holder.configError ?? 'not configured'}`);
      endpoint = holder.endpoint;
      const spec = {
        items: parseItems(config.items),
        publishingIntervalMs: positiveInt(config.publishingInterval, 'Publishing interval', 1000),
        samplingIntervalMs: nonNegative(config.samplingInterval, 'Sampling interval', 500),
        queueSize: positiveInt(config.queueSize, 'Queue size', 10),
        deadband: { type: (config.deadbandType || 'none') as DeadbandKind, value: nonNegative(config.deadbandValue, 'Deadband', 0) },
      };
      let connection: ConnectionStateEvent = endpoint.state;
      let sub: SubscriptionStatus | undefined;
      let changes = 0;
      let statusTimer: NodeJS.Timeout | undefined;
      let lastProblem = '';
      const show = () => {
        if (connection.state !== 'connected' || !sub || sub.state === 'waiting') {
          const view = connectionStatus(connection);
          node.status(view);
          return;
        }
        if (sub.state === 'stale' || sub.state === 'error') return status.error(node, sub.message);
        const text = `${sub.message}${changes ? `, ${changes} changes` : ''}`;
        if (sub.state === 'active' && sub.rejected.length > 0) return status.warn(node, text);
        if (connection.unencrypted) return node.status({ fill: 'yellow', shape: 'dot', text: `${text} (unencrypted)` });
        status.ok(node, text);
      };
      // Errors reach Catch nodes once per distinct problem, not on every retry.
      const report = (problem: string) => {
        if (problem === lastProblem) return;
        lastProblem = problem;
        node.error(problem, { topic: 'opcua', payload: { endpoint: endpoint.connection.options.endpointUrl, error: problem } });
      };
      const onState = (ev: ConnectionStateEvent) => {
        connection = ev;
        if (ev.state === 'error') report(`OPC UA ${ev.error ?? ev.message}`);
        if (ev.state === 'connected') lastProblem = '';
        show();
      };
      const send = perPublish
        ? (samples: Sample[]) => node.send({ topic: config.name || 'opcua', payload: samples })
        : (samples: Sample[]) => {
            for (const s of samples) node.send({ topic: s.tag, payload: s });
          };
      handle = endpoint.subscriptions.add(spec, {
        onData: (samples) => {
          changes += samples.length;
          send(samples);
          statusTimer ??= setTimeout(() => {
            statusTimer = undefined;
            show();
          }, 1000);
        },
        onStatus: (s) => {
          sub = s;
          if (s.state === 'stale' || s.state === 'error') report(s.message);
          if (s.state === 'active' && s.rejected.length) report(`rejected node ids: ${s.rejected.map((r) => `${r.nodeId} (${r.status})`).join(', ')}`);
          show();
        },
      });
      endpoint.on('state', onState);
      endpoint.register(node.id);
      show();
      node.on('close', (_removed: boolean, done: () => void) => {
        endpoint.off('state', onState);
        if (statusTimer) clearTimeout(statusTimer);
        endpoint.deregister(node.id);
        const h = handle;
        handle = undefined;
        (h ? h.close() : Promise.resolve())
          .catch((err) => node.warn(`closing the subscription: ${errorText(err)}`))
          .finally(() => done());
      });
    } catch (err) {
      status.error(node, errorText(err));
      node.error(errorText(err));
      return;
    }
  }

  RED.nodes.registerType('millwright-opcua-subscribe', OpcuaSubscribeNode);
};
