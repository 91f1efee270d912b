// Node-RED core nodes with every property their editor sets, for generated example flows.
import type { FlowNode } from './node-factory';

export function inject(id: string, name: string, o: { payload?: string; payloadType?: string; topic?: string; repeat?: string; once?: boolean; onceDelay?: number }): FlowNode {
  return {
    id,
    type: 'inject',
    name,
    props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }],
    repeat: o.repeat ?? '',
    crontab: '',
    once: o.once ?? false,
    onceDelay: o.onceDelay ?? 0.1,
    topic: o.topic ?? '',
    payload: o.payload ?? '',
    payloadType: o.payloadType ?? 'date',
    wires: [[]],
  };
}

export function func(id: string, name: string, body: string, outputs = 1): FlowNode {
  return { id, type: 'function', name, func: body, outputs, timeout: 0, noerr: 0, initialize: '', finalize: '', libs: [], wires: Array.from({ length: outputs }, () => []) };
}

export function change(id: string, name: string, rules: Array<Record<string, unknown>>): FlowNode {
  return { id, type: 'change', name, rules, action: '', property: '', from: '', to: '', reg: false, wires: [[]] };
}

/** A switch on one property with one output per rule. */
export function switchOn(id: string, name: string, property: string, rules: Array<Record<string, unknown>>, propertyType = 'msg'): FlowNode {
  return { id, type: 'switch', name, property, propertyType, rules, checkall: 'false', repair: false, outputs: rules.length, wires: rules.map(() => []) };
}

export function debug(id: string, name: string, o: { active?: boolean; complete?: string; statusVal?: string } = {}): FlowNode {
  return {
    id,
    type: 'debug',
    name,
    active: o.active ?? false,
    tosidebar: true,
    console: false,
    tostatus: o.statusVal !== undefined,
    complete: o.complete ?? 'payload',
    targetType: o.complete === 'true' ? 'full' : 'msg',
    statusVal: o.statusVal ?? '',
    statusType: 'auto',
    wires: [],
  };
}

export function linkOut(id: string, name: string, links: string[] = []): FlowNode {
  return { id, type: 'link out', name, mode: 'link', links, wires: [] };
}

export function linkIn(id: string, name: string, links: string[] = []): FlowNode {
  return { id, type: 'link in', name, links, wires: [[]] };
}

export function catchAll(id: string, name: string): FlowNode {
  return { id, type: 'catch', name, scope: null, uncaught: false, wires: [[]] };
}

export function comment(id: string, name: string, info = ''): FlowNode {
  return { id, type: 'comment', name, info, wires: [] };
}
