// Reads the editor definitions (defaults, credentials, category) of the pack's node types by running
// the editor .html scripts against a minimal stand-in of the editor's RED object, with no browser.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';

export interface NodeDefinition {
  type: string;
  category: string;
  defaults: Record<string, { value?: unknown; type?: string; required?: boolean }>;
  credentials: Record<string, { type?: string }>;
  inputs: number;
  outputs: number;
}

function editorScripts(html: string): string[] {
  return [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
}

/** Definitions of every node type registered by the editor .html files under nodesDir. */
export function loadNodeDefinitions(nodesDir: string): NodeDefinition[] {
  const found: NodeDefinition[] = [];
  const noop = () => undefined;
  const chain: any = new Proxy(function () {}, { get: () => chain, apply: () => chain });
  const RED = {
    nodes: {
      registerType: (type: string, def: any) =>
        found.push({
          type,
          category: def.category,
          defaults: def.defaults ?? {},
          credentials: def.credentials ?? {},
          inputs: def.inputs ?? 0,
          outputs: def.outputs ?? 0,
        }),
      node: noop,
      eachNode: noop,
      getType: noop,
    },
    validators: { number: () => noop, regex: () => noop, typedInput: () => noop },
    _: (key: string) => key,
    settings: {},
    events: { on: noop, off: noop },
    editor: chain,
    tabs: chain,
    utils: chain,
    popover: chain,
    notify: noop,
  };
  for (const dir of readdirSync(nodesDir)) {
    const full = join(nodesDir, dir);
    if (!existsSync(full) || dir === 'shared') continue;
    for (const file of readdirSync(full).filter((f) => f.endsWith('.html'))) {
      for (const script of editorScripts(readFileSync(join(full, file), 'utf8'))) {
        vm.runInNewContext(script, { RED, $: chain, jQuery: chain, window: {}, document: chain, console });
      }
    }
  }
  return found;
}

/** The config a node gets when dropped from the palette: each default's value. */
export function defaultConfig(def: NodeDefinition): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, d] of Object.entries(def.defaults)) config[key] = d.value;
  return config;
}
