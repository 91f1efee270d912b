// The typed core stays free of Node-RED, so it can be used and tested on its own.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const root = join(__dirname, '..', '..');

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return tsFiles(full);
    return name.endsWith('.ts') ? [full] : [];
  });
}

describe('architecture', () => {
  it('lib/ imports neither node-red nor @node-red/* nor anything under nodes/', () => {
    const offenders: string[] = [];
    for (const file of tsFiles(join(root, 'lib'))) {
      const text = readFileSync(file, 'utf8');
      if (/(from\s+|require\(\s*|import\(\s*)['"](node-red|@node-red\/[^'"]*|[^'"]*\/nodes\/[^'"]*)['"]/.test(text)) offenders.push(relative(root, file));
    }
    assert.deepEqual(offenders, []);
  });

  it('no node imports another node: what nodes share lives in lib/ or nodes/shared', () => {
    const offenders: string[] = [];
    for (const file of tsFiles(join(root, 'nodes'))) {
      const own = relative(join(root, 'nodes'), file).split(/[\\/]/)[0];
      for (const m of readFileSync(file, 'utf8').matchAll(/from\s+['"]\.\.\/([^/'"]+)\//g)) {
        if (m[1] !== 'shared' && m[1] !== '..' && m[1] !== own) offenders.push(`${relative(root, file)} -> ${m[1]}`);
      }
    }
    assert.deepEqual(offenders, []);
  });

  it('every node set in package.json has its runtime, editor and help files', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const missing: string[] = [];
    for (const [type, entry] of Object.entries<string>(pkg['node-red'].nodes)) {
      const m = /^dist\/nodes\/([^/]+)\/([^/]+)\.js$/.exec(entry);
      if (!m) {
        missing.push(`${type}: entry ${entry} is not dist/nodes/<dir>/<name>.js`);
        continue;
      }
      const [, dir, name] = m;
      for (const f of [`${name}.ts`, `${name}.html`, `locales/en-US/${name}.html`]) {
        try {
          statSync(join(root, 'nodes', dir, f));
        } catch {
          missing.push(`${type}: nodes/${dir}/${f}`);
        }
      }
      const html = readFileSync(join(root, 'nodes', dir, `${name}.html`), 'utf8');
      if (!html.includes(`RED.nodes.registerType('${type}'`)) missing.push(`${type}: ${name}.html lacks RED.nodes.registerType('${type}', ...)`);
    }
    assert.deepEqual(missing, []);
  });
});
