// OPC UA read on demand: msg in, current values out as samples.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { connectionStatus, type OpcuaEndpoint } from '../../lib/protocols/opcua-endpoint';
import { readSamples } from '../../lib/protocols/opcua-io';
import type { ConnectionStateEvent } from '../../lib/protocols/opcua-session';
import { checkSubscribeSpec, type MonitorItem } from '../../lib/protocols/opcua-subscription';
import { within } from '../../lib/protocols/within';
import { onInput, positiveInt, status, refuseForBadConfig } from '../shared/glue';

interface ReadDef extends NodeDef {
  endpoint: string;
  items: Array<{ nodeId: string; tag?: string }> | string;
  output: 'all' | 'each';
  timeout: string | number;
}

type EndpointHolder = Node & { endpoint?: OpcuaEndpoint; configError?: string };

function parseItems(raw: ReadDef['items']): MonitorItem[] {
  const list = typeof raw === 'string' ? (raw.trim() ? JSON.parse(raw) : []) : (raw ?? []);
  if (!Array.isArray(list)) throw new Error('items must be a list of {nodeId, tag}');
  return list.map((i: { nodeId?: unknown; tag?: unknown }) => ({ nodeId: String(i?.nodeId ?? '').trim(), tag: typeof i?.tag === 'string' && i.tag.trim() ? i.tag.trim() : undefined }));
}

/** Items from the msg when the node has none configured: topic or payload as node id(s). */
function itemsFromMsg(msg: NodeMessageInFlow): MonitorItem[] {
  const p = msg.payload as unknown;
  if (Array.isArray(p) && p.length > 0 && p.every((x) => typeof x === 'string')) return p.map((nodeId) => ({ nodeId }));
  if (typeof p === 'string' && /[isgb]=/.test(p)) return [{ nodeId: p }];
  if (typeof msg.topic === 'string' && msg.topic) return [{ nodeId: msg.topic }];
  throw new Error('no node ids: configure items, or send msg.topic (a node id) or msg.payload (node id or array of node ids)');
}

export = function register(RED: NodeAPI): void {
  function OpcuaReadNode(this: Node, config: ReadDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let endpoint: OpcuaEndpoint;
    let configured: MonitorItem[];
    let timeoutMs: number;
    try {
      const holder = RED.nodes.getNode(config.endpoint) as EndpointHolder | null;
      if (!holder) throw new Error('no OPC UA endpoint selected');
      if (!holder.endpoint) throw new Error(`endpoint: ${holder.configError ?? 'not configured'}`);
      endpoint = holder.endpoint;
      configured = parseItems(config.items);
      if (configured.length) checkSubscribeSpec({ items: configured, publishingIntervalMs: 1000, samplingIntervalMs: 0, queueSize: 1, deadband: { type: 'none', value: 0 } });
      timeoutMs = positiveInt(config.timeout, 'Timeout', 5000);
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }
    const onState = (ev: ConnectionStateEvent) => node.status(connectionStatus(ev));
    endpoint.on('state', onState);
    endpoint.register(node.id);
    node.status(connectionStatus(endpoint.state));

    onInput(node, async (msg, send, done) => {
      const items = configured.length ? configured : itemsFromMsg(msg);
      if (!configured.length) checkSubscribeSpec({ items, publishingIntervalMs: 1000, samplingIntervalMs: 0, queueSize: 1, deadband: { type: 'none', value: 0 } });
      // Timeout bounds the whole read: waiting for the connection and for the server's reply.
      const deadline = Date.now() + timeoutMs;
      const session = await endpoint.session(timeoutMs);
      const url = endpoint.connection.options.endpointUrl;
      const samples = await within(readSamples(session, items, url), Math.max(1, deadline - Date.now()), `read timed out: no reply from ${url} within ${timeoutMs} ms`);
      const bad = samples.filter((s) => s.quality === 'bad');
      if (config.output === 'each') for (const s of samples) send({ ...msg, topic: s.tag, payload: s });
      else send({ ...msg, payload: samples });
      if (bad.length) {
        status.warn(node, `${samples.length - bad.length}/${samples.length} good`);
        done(new Error(`bad quality: ${bad.map((s) => `${s.tag} (${s.error})`).join(', ')}`));
        return;
      }
      node.status(connectionStatus(endpoint.state));
      done();
    });

    node.on('close', () => {
      endpoint.off('state', onState);
      endpoint.deregister(node.id);
    });
  }

  RED.nodes.registerType('millwright-opcua-read', OpcuaReadNode);
};
