// Reads the editor definitions (defaults, credentials, category) of the pack's node types by running
// the editor .html scripts against a minimal stand-in of the editor's RED object, with no browser.
// Scripts an editor loads from the pack's resources/ run first, in the same global scope, as in the editor.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

export interface NodeDefinition {
  type: string;
  category: string;
  defaults: Record<string, { value?: unknown; type?: string; required?: boolean }>;
  credentials: Record<string, { type?: string }>;
  inputs: number;
  outputs: number;
}

/** The code of an editor .html's scripts in page order; `resources/<module>/<file>` sources read from resourcesDir. */
function editorScripts(html: string, moduleName: string, resourcesDir: string): string[] {
  const scripts = [...html.matchAll(/<script( [^>]*)?>([\s\S]*?)<\/script>/g)];
  return scripts.flatMap(([, attributes = '', body]) => {
    const src = /\bsrc="([^"]*)"/.exec(attributes)?.[1];
    if (src === undefined) return /\btype="text\/javascript"/.test(attributes) || attributes === '' ? [body] : [];
    const prefix = `resources/${moduleName}/`;
    if (!src.startsWith(prefix)) throw new Error(`editor script "${src}": the pack serves its editor scripts as ${prefix}<file>`);
    return [readFileSync(join(resourcesDir, src.slice(prefix.length)), 'utf8')];
  });
}

/** The editor .html of every node set the package.json registers (nodes/<dir>/<name>.html). */
export function registeredEditorFiles(projectRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8'));
  return Object.values<string>(pkg['node-red'].nodes).map((entry) => {
    const m = /^dist\/nodes\/([^/]+)\/([^/]+)\.js$/.exec(entry);
    if (!m) throw new Error(`unexpected node entry ${entry}`);
    return join(projectRoot, 'nodes', m[1], `${m[2]}.html`);
  });
}

/** Definitions of every node type registered by the given editor .html files (default: all under nodesDir). */
export function loadNodeDefinitions(nodesDir: string, files?: string[]): NodeDefinition[] {
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
  const htmlFiles =
    files ??
    readdirSync(nodesDir)
      .filter((dir) => dir !== 'shared' && existsSync(join(nodesDir, dir)))
      .flatMap((dir) => readdirSync(join(nodesDir, dir)).filter((f) => f.endsWith('.html')).map((f) => join(nodesDir, dir, f)));
  const projectRoot = dirname(nodesDir);
  const moduleName = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).name;
  for (const file of htmlFiles) {
    const page: Record<string, unknown> = { RED, $: chain, jQuery: chain, document: chain, console };
    page.window = page;
    vm.createContext(page);
    for (const script of editorScripts(readFileSync(file, 'utf8'), moduleName, join(projectRoot, 'resources'))) vm.runInContext(script, page);
  }
  return found;
}

/** The config a node gets when dropped from the palette: each default's value. */
export function defaultConfig(def: NodeDefinition): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, d] of Object.entries(def.defaults)) config[key] = d.value;
  return config;
}
