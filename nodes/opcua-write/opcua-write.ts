// OPC UA write: refused until writing is enabled in the editor; per-tag limits (clamp or reject)
// and an optional rate-of-change limit; every write logged with its old and new value.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { connectionStatus, type OpcuaEndpoint } from '../../lib/protocols/opcua-endpoint';
import { writeValue } from '../../lib/protocols/opcua-io';
import type { ConnectionStateEvent } from '../../lib/protocols/opcua-session';
import { checkSubscribeSpec } from '../../lib/protocols/opcua-subscription';
import { WriteGuard, type WriteLimit } from '../../lib/protocols/opcua-write-guard';
import { onInput, positiveInt, refuseForBadConfig } from '../shared/glue';

interface RawLimit {
  nodeId?: unknown;
  min?: unknown;
  max?: unknown;
  mode?: unknown;
  rate?: unknown;
}

interface WriteDef extends NodeDef {
  endpoint: string;
  nodeId: string;
  writeEnabled: boolean;
  onlyListed: boolean;
  limits: RawLimit[] | string;
  timeout: string | number;
}

type EndpointHolder = Node & { endpoint?: OpcuaEndpoint; configError?: string };

function optionalNumber(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${field} must be a number, got "${String(v)}"`);
  return n;
}

function parseLimits(raw: WriteDef['limits']): WriteLimit[] {
  const list = typeof raw === 'string' ? (raw.trim() ? JSON.parse(raw) : []) : (raw ?? []);
  if (!Array.isArray(list)) throw new Error('limits must be a list');
  return (list as RawLimit[]).map((l) => {
    const nodeId = String(l.nodeId ?? '').trim();
    return {
      nodeId,
      min: optionalNumber(l.min, `${nodeId} min`),
      max: optionalNumber(l.max, `${nodeId} max`),
      mode: l.mode === 'reject' ? 'reject' : 'clamp',
      maxRatePerSecond: optionalNumber(l.rate, `${nodeId} rate limit`),
    };
  });
}

function checkNodeId(nodeId: string): void {
  checkSubscribeSpec({ items: [{ nodeId }], publishingIntervalMs: 1000, samplingIntervalMs: 0, queueSize: 1, deadband: { type: 'none', value: 0 } });
}

export = function register(RED: NodeAPI): void {
  function OpcuaWriteNode(this: Node, config: WriteDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let endpoint: OpcuaEndpoint;
    let guard: WriteGuard;
    let listed: Set<string>;
    let timeoutMs: number;
    try {
      const holder = RED.nodes.getNode(config.endpoint) as EndpointHolder | null;
      if (!holder) throw new Error('no OPC UA endpoint selected');
      if (!holder.endpoint) throw new Error(`endpoint: ${holder.configError ?? 'not configured'}`);
      endpoint = holder.endpoint;
      const limits = parseLimits(config.limits);
      for (const l of limits) checkNodeId(l.nodeId);
      if (config.nodeId && config.nodeId.trim()) checkNodeId(config.nodeId.trim());
      guard = new WriteGuard(limits);
      listed = new Set(limits.map((l) => l.nodeId));
      timeoutMs = positiveInt(config.timeout, 'Timeout', 5000);
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }
    const enabled = config.writeEnabled === true || (config.writeEnabled as unknown) === 'true';
    let writes = 0;
    const showIdle = () => (enabled ? node.status(connectionStatus(endpoint.state)) : node.status({ fill: 'grey', shape: 'ring', text: 'writes disabled' }));
    const onState = (ev: ConnectionStateEvent) => {
      if (!enabled) return;
      const view = connectionStatus(ev);
      node.status(ev.state === 'connected' && writes ? { ...view, text: `${view.text}, ${writes} writes` } : view);
    };
    endpoint.on('state', onState);
    if (enabled) endpoint.register(node.id);
    showIdle();

    onInput(node, async (msg, send, done) => {
      if (!enabled) throw new Error('writing is disabled: tick "Enable writing" in the node to allow writes');
      const target = (config.nodeId && config.nodeId.trim()) || (typeof msg.topic === 'string' ? msg.topic.trim() : '');
      if (!target) throw new Error('no node id: set one in the node or send it as msg.topic');
      checkNodeId(target);
      if (config.onlyListed && !listed.has(target)) throw new Error(`${target} is not in the limits table, and this node writes only listed tags`);
      const value = msg.payload as unknown;
      if (value === undefined || value === null || (typeof value === 'object' && !Array.isArray(value))) throw new Error(`payload must be the value to write, got ${value === null ? 'null' : typeof value}`);
      const session = await endpoint.session(timeoutMs);
      let adjustments: string[] = [];
      const now = Date.now();
      const outcome = await writeValue(session, target, value, (oldValue) => {
        const guarded = guard.apply(target, value, oldValue, now);
        adjustments = guarded.adjustments;
        return guarded.value;
      });
      guard.committed(target, outcome.newValue, now);
      writes++;
      const note = adjustments.length ? ` (${adjustments.join('; ')})` : '';
      node.log(`write ${target}: ${JSON.stringify(outcome.oldValue)} -> ${JSON.stringify(outcome.newValue)}${note}`);
      if (adjustments.length) node.warn(`write ${target} limited: ${adjustments.join('; ')}`);
      const view = connectionStatus(endpoint.state);
      node.status({ fill: adjustments.length ? 'yellow' : view.fill, shape: 'dot', text: `${target} = ${JSON.stringify(outcome.newValue)}${adjustments.length ? ' (limited)' : ''}` });
      send({ ...msg, payload: { nodeId: target, oldValue: outcome.oldValue, newValue: outcome.newValue, dataType: outcome.dataType, adjustments, timestamp: now } });
      done();
    });

    node.on('close', () => {
      endpoint.off('state', onState);
      endpoint.deregister(node.id);
    });
  }

  RED.nodes.registerType('millwright-opcua-write', OpcuaWriteNode);
};
