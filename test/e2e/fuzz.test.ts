// Fuzzing in a real runtime: the packed pack in a started Node-RED, every node type of the pack deployed
// with its palette defaults, with an empty config and with the config its example flow uses, each fed
// thousands of random and malformed msgs. Pass: the process never exits, errors reach a Catch node
// (none is logged unhandled), and the heap returns to where it was after the first round.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { defaultConfig, loadNodeDefinitions, registeredEditorFiles, type NodeDefinition } from './support/node-definitions';
import { makeUserDir, projectRoot, removeDir, startNodeRed, type RunningNodeRed } from './support/packed-node-red';

const MSGS_PER_ROUND = Number(process.env.MILLWRIGHT_FUZZ_MSGS || 1500);
const ROUNDS = 3;

type FlowNode = Record<string, unknown> & { id: string; type: string };

/** Random and malformed msgs, generated inside the runtime by a function node (seeded, reproducible). */
const FUZZER = String.raw`
const seed = msg.seed >>> 0;
let s = seed || 1;
const rnd = () => { s = (s + 0x6D2B79F5) | 0; let t = Math.imul(s ^ (s >>> 15), 1 | s); t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t; return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
const pick = (a) => a[Math.floor(rnd() * a.length)];
const num = () => pick([0, 1, -1, 1e308, -1e308, 5e-324, rnd() * 100, NaN, Infinity, -Infinity, 2 ** 53 + 1]);
const deep = (n) => { let o = { v: 1 }; for (let i = 0; i < n; i++) o = { child: o, tag: 'x' + i }; return o; };
const ts = () => pick([Date.now(), -1, 0, 32503680000000, 'yesterday', '2026-01-01T00:00:00Z', NaN, null, {}]);
const words = ['learn', 'reset', 'freeze', 'ack', 'acknowledge', 'shelve', 'unshelve', 'comment', 'suppress', 'start', 'stop', 'plan', 'train', 'predict', 'record', 'end-of-life', 'inject', 'fault', 'write', 'read', '__proto__', 'constructor', ''];
const sample = () => ({ tag: pick(['t1', '', 5, null, 'spindle/temp']), value: pick([num(), 'NaN', 'Infinity', true, [1, 2, 'x'], [], null, {}]), timestamp: ts(), quality: pick(['good', 'bad', 'uncertain', 'fine', 7]) });
const makers = [
  () => num(),
  () => pick(['NaN', 'Infinity', '-Infinity', '1e999', '', ' ', '42', 'abc', '{"a":1}']),
  () => null,
  () => undefined,
  () => pick([true, false]),
  () => Array.from({ length: Math.floor(rnd() * 5000) }, () => rnd() * 2 - 1),
  () => Array.from({ length: 20000 }, () => rnd()),
  () => [1, 'two', null, NaN, { x: 1 }, [3]],
  () => [],
  () => deep(pick([10, 200, 2000])),
  () => JSON.parse('{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "tag": "x", "value": 1}'),
  () => sample(),
  () => [sample(), sample(), sample()],
  () => ({ tag: 'ok', value: rnd(), timestamp: Date.now(), quality: 'good' }),
  () => ({ key: pick(['k', '', null]), features: pick([{ a: num() }, null, [], { b: 'x' }]), windowStart: ts(), windowEnd: ts(), sampleCount: num(), sourceTags: pick([[], 'x', null]) }),
  () => ({ score: num(), anomaly: pick([true, 'yes', null]), key: 'k', timestamp: ts(), detector: 'x', explanation: pick([[], null, [{}]]) }),
  () => ({ asset: 'b', estimate: num(), lower: num(), upper: num(), confidence: num(), unit: pick(['hours', 'days']), healthIndex: num(), model: 'm', timestamp: ts(), warningAt: ts() }),
  () => ({ loads: pick([[], null, [{ id: 'm1', powerKw: num(), duration: num(), earliestStart: ts(), deadline: ts() }]]), prices: pick([[], null, [num()]]), horizon: num() }),
  () => ({ loadId: pick(['m1', '', null]), action: pick(['start', 'stop', 'shed', 'explode']), at: ts() }),
  () => Object.fromEntries(Array.from({ length: 1000 }, (_, i) => ['k' + i, pick([num(), 'x', null])])),
  () => ({}),
  () => 'x'.repeat(100000),
  () => Buffer.from([1, 2, 3, 255]),
];
const targets = msg.targets;
for (let i = 0; i < msg.count; i++) {
  const base = { payload: pick(makers)(), topic: pick([undefined, '', 'a', 'b/c', pick(words), 7, null]) };
  if (rnd() < 0.3) base.command = pick(words);
  if (rnd() < 0.3) base.timestamp = ts();
  if (rnd() < 0.1) base.action = pick(words);
  if (rnd() < 0.1) base.severity = num();
  if (rnd() < 0.05) base.reset = true;
  const out = [];
  for (let t = 0; t < targets; t++) out.push(Object.assign({}, base));
  node.send(out);
}
const stats = global.get('fuzz') || { sent: 0, rounds: 0 };
stats.sent += msg.count * targets;
stats.rounds += 1;
global.set('fuzz', stats);
return null;
`;

const COUNT_CAUGHT = String.raw`
const stats = global.get('fuzz') || { sent: 0, rounds: 0 };
stats.caught = (stats.caught || 0) + 1;
const src = (msg.error && msg.error.source && msg.error.source.type) || 'unknown';
stats.caughtByType = stats.caughtByType || {};
stats.caughtByType[src] = (stats.caughtByType[src] || 0) + 1;
global.set('fuzz', stats);
return null;
`;

const COUNT_OUTPUT = String.raw`
const stats = global.get('fuzz') || { sent: 0, rounds: 0 };
stats.outputs = (stats.outputs || 0) + 1;
global.set('fuzz', stats);
return null;
`;

const REPORT = String.raw`
const gc = global.get('gc');
if (gc) { gc(); gc(); }
const stats = global.get('fuzz') || {};
msg.payload = Object.assign({}, stats, { heapUsed: global.get('memoryUsage')().heapUsed, polluted: ({}).polluted === true });
return msg;
`;

/** The first config an example flow gives this type, with the config nodes it refers to. */
function typicalConfigs(): Map<string, { node: FlowNode; configNodes: FlowNode[] }> {
  const out = new Map<string, { node: FlowNode; configNodes: FlowNode[] }>();
  const dir = join(projectRoot, 'examples');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    const flow = JSON.parse(readFileSync(join(dir, file), 'utf8')) as FlowNode[];
    const byId = new Map(flow.map((n) => [n.id, n]));
    for (const node of flow) {
      if (!node.type.startsWith('millwright-') || out.has(node.type) || node.z === undefined) continue;
      const refs = Object.values(node).filter((v): v is string => typeof v === 'string' && byId.has(v) && byId.get(v)!.z === undefined && byId.get(v)!.type !== 'tab');
      out.set(node.type, { node, configNodes: refs.map((id) => byId.get(id)!) });
    }
  }
  return out;
}

interface Target {
  id: string;
  type: string;
  variant: string;
}

function buildFlow(defs: NodeDefinition[]): { flow: FlowNode[]; targets: Target[] } {
  const tab = 'fuzz_tab';
  const flow: FlowNode[] = [{ id: tab, type: 'tab', label: 'fuzz' }];
  const targets: Target[] = [];
  const typical = typicalConfigs();
  const seenConfig = new Set<string>();
  for (const def of defs.filter((d) => d.category !== 'config' && d.inputs > 0)) {
    const variants: Array<[string, Record<string, unknown>]> = [
      ['defaults', defaultConfig(def)],
      ['empty', {}],
    ];
    const t = typical.get(def.type);
    if (t) {
      const { id: _id, z: _z, wires: _w, x: _x, y: _y, type: _t, ...config } = t.node;
      variants.push(['example', config]);
      for (const c of t.configNodes) {
        if (!seenConfig.has(c.id)) flow.push({ ...c });
        seenConfig.add(c.id);
      }
    }
    for (const [variant, config] of variants) {
      const id = `fz_${def.type.replace(/[^a-z0-9]/gi, '_')}_${variant}`;
      targets.push({ id, type: def.type, variant });
      const wires = Array.from({ length: Number(def.outputs) || 0 }, () => ['fz_out']);
      flow.push({ ...config, id, type: def.type, z: tab, x: 300, y: 40 * targets.length, wires });
    }
  }
  flow.push(
    { id: 'fz_fuzzer', type: 'function', z: tab, name: 'fuzzer', func: FUZZER, outputs: targets.length, x: 100, y: 40, wires: targets.map((t) => [t.id]) },
    { id: 'fz_out', type: 'function', z: tab, name: 'count outputs', func: COUNT_OUTPUT, outputs: 1, x: 500, y: 40, wires: [[]] },
    { id: 'fz_catch', type: 'catch', z: tab, name: '', scope: null, uncaught: false, x: 100, y: 20, wires: [['fz_caught']] },
    { id: 'fz_caught', type: 'function', z: tab, name: 'count caught', func: COUNT_CAUGHT, outputs: 1, x: 300, y: 20, wires: [[]] },
    { id: 'fz_http_run', type: 'http in', z: tab, name: '', url: '/fuzz/run', method: 'post', upload: false, x: 80, y: 400, wires: [['fz_run']] },
    {
      id: 'fz_run', type: 'function', z: tab, name: 'start round', outputs: 2, x: 250, y: 400,
      func: 'const round = { seed: msg.payload.seed, count: msg.payload.count, targets: ' + targets.length + ' };\nmsg.payload = "started";\nreturn [round, msg];',
      wires: [['fz_fuzzer'], ['fz_http_out']],
    },
    { id: 'fz_http_stats', type: 'http in', z: tab, name: '', url: '/fuzz/stats', method: 'get', upload: false, x: 80, y: 460, wires: [['fz_report']] },
    { id: 'fz_report', type: 'function', z: tab, name: 'report', func: REPORT, outputs: 1, x: 250, y: 460, wires: [['fz_http_out']] },
    { id: 'fz_http_out', type: 'http response', z: tab, name: '', statusCode: '', headers: {}, x: 450, y: 430, wires: [] },
  );
  return { flow, targets };
}

describe('fuzzing every node type of the pack in a running Node-RED', () => {
  let userDir: string;
  let red: RunningNodeRed;
  let targets: Target[];

  before(async () => {
    userDir = makeUserDir();
    const defs = loadNodeDefinitions(join(projectRoot, 'nodes'), registeredEditorFiles(projectRoot));
    const built = buildFlow(defs);
    targets = built.targets;
    red = await startNodeRed(userDir, {
      flows: built.flow,
      nodeArgs: ['--expose-gc'],
      settings: `functionGlobalContext: { gc: global.gc, memoryUsage: () => process.memoryUsage() },`,
    });
  });

  after(async () => {
    await red?.stop();
    if (userDir) removeDir(userDir);
  });

  // A reused keep-alive connection can be reset by the server just as it is reused; that is the test's
  // HTTP client, not the runtime, so the poll retries while Node-RED is alive and fails if it is not.
  async function getWithRetry(url: string): Promise<Response> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fetch(url);
      } catch (err) {
        assert.ok(red.alive(), `Node-RED exited (${(err as Error).message}):\n${red.log().slice(-4000)}`);
        if (attempt >= 8) throw err;
        console.log(`fuzz: ${url} failed (${(err as Error).cause ?? (err as Error).message}) with Node-RED alive; retry ${attempt}`);
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
  }

  async function stats(): Promise<Record<string, any>> {
    const res = await getWithRetry(`${red.url}/fuzz/stats`);
    assert.equal(res.status, 200, `stats endpoint answered ${res.status}; runtime log:\n${red.log().slice(-3000)}`);
    return (await res.json()) as Record<string, any>;
  }

  async function round(seed: number): Promise<Record<string, any>> {
    const res = await fetch(`${red.url}/fuzz/run`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ seed, count: MSGS_PER_ROUND }) });
    assert.equal(res.status, 200, `the fuzz flow did not start; runtime log:\n${red.log().slice(-4000)}`);
    // Let asynchronous handlers (context loads, connection attempts) settle.
    let last = -1;
    for (let i = 0; i < 60; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const s = await stats();
      const seen = (s.caught ?? 0) + (s.outputs ?? 0);
      if (seen === last) return s;
      last = seen;
    }
    return stats();
  }

  it('survives thousands of malformed msgs per node, reports errors to Catch, and returns to its heap baseline', async () => {
    assert.ok(targets.length > 0, 'the pack has nodes with inputs to fuzz');
    // Refusals of bad config are logged once at deploy (by design); count only what the msgs caused.
    for (let i = 0; i < 120 && !/Started flows/.test(red.log()); i++) await new Promise((r) => setTimeout(r, 250));
    assert.match(red.log(), /Started flows/, 'the fuzz flows started');
    const logBefore = red.log().length;
    const first = await round(1);
    const baseline = first.heapUsed as number;
    let last = first;
    for (let r = 2; r <= ROUNDS; r++) {
      last = await round(r);
      assert.ok(red.alive(), `Node-RED exited during round ${r}:\n${red.log().slice(-4000)}`);
    }
    console.log(
      `fuzz: ${targets.length} node configs (${[...new Set(targets.map((t) => t.type))].length} types), ${last.sent} msgs, ` +
        `${last.caught ?? 0} caught errors, ${last.outputs ?? 0} outputs, heap ${(baseline / 1e6).toFixed(1)} -> ${(last.heapUsed / 1e6).toFixed(1)} MB`,
    );
    console.log(`fuzz: caught by type ${JSON.stringify(last.caughtByType ?? {})}`);
    assert.ok(red.alive(), 'Node-RED is still running');
    assert.equal(last.sent, MSGS_PER_ROUND * ROUNDS * targets.length);
    assert.equal(last.polluted, false, 'Object.prototype was polluted');
    for (const type of new Set(targets.map((t) => t.type))) {
      assert.ok((last.caughtByType?.[type] ?? 0) > 0, `${type} reported no error to Catch for malformed input`);
    }
    const unhandled = red
      .log()
      .slice(logBefore)
      .split('\n')
      .filter((line) => /\[error\] \[millwright-/.test(line));
    assert.deepEqual(unhandled.slice(0, 5), [], 'errors logged instead of reaching the Catch node');
    assert.ok(last.heapUsed - baseline < 40e6, `heap grew from ${baseline} to ${last.heapUsed} bytes over ${ROUNDS - 1} rounds`);
  });
});
