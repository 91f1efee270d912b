// Builds flow nodes from the editor's own defaults (read from each node type's .html with no browser)
// plus the few properties a flow sets, so every property a widget or node expects is present.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig, loadNodeDefinitions, type NodeDefinition } from '../../test/e2e/support/node-definitions';

export type FlowNode = Record<string, unknown> & { id: string; type: string };

const root = join(__dirname, '..', '..');
const definitions = new Map<string, NodeDefinition>();

function load(dir: string): void {
  if (!existsSync(dir)) throw new Error(`node definitions not found in ${dir} (npm install first)`);
  for (const def of loadNodeDefinitions(dir)) definitions.set(def.type, def);
}
load(join(root, 'nodes'));
load(join(root, 'node_modules', '@flowfuse', 'node-red-dashboard', 'nodes'));

/** A node of a pack or dashboard type: editor defaults, then overrides; wires sized to its outputs. */
export function node(type: string, id: string, overrides: Record<string, unknown>): FlowNode {
  const def = definitions.get(type);
  if (!def) throw new Error(`unknown node type ${type}`);
  const defaults = defaultConfig(def);
  // Labels the editor translates at drop time come back as i18n keys here: never keep those.
  for (const [key, value] of Object.entries(defaults)) if (typeof value === 'string' && value.startsWith('@flowfuse/')) defaults[key] = '';
  const result: FlowNode = { id, type, ...defaults, ...overrides };
  if (def.outputs > 0 || def.inputs > 0) result.wires ??= Array.from({ length: def.outputs }, () => []);
  return result;
}

/** Sets wires of node `from` output `port` to the given target ids. */
export function wire(from: FlowNode, port: number, ...targets: FlowNode[]): void {
  const wires = from.wires as string[][];
  while (wires.length <= port) wires.push([]);
  for (const t of targets) wires[port].push(t.id);
}
