// Alert sink under a burst: N raises from S sources (each raise followed by its clear) pushed into a
// running millwright-alert-sink node at once. Counts the state-change events that come out against
// those expected, and measures time per raise and memory growth. Chatter detection is off so every
// raise and clear is exactly one state change; flood detection, grouping and persistence are on.
// Options: --raises 10000 --sources 500
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { AlarmEngine } from '../lib/alarms/engine';
import { systemClock } from '../lib/alarms/clock';
import { withDefaults } from '../lib/alarms/options';
import { finish, parseArgs, round } from './_shared';

// eslint-disable-next-line @typescript-eslint/no-require-imports
import helper = require('node-red-node-test-helper');
import alertSinkNode = require('../nodes/alert-sink/alert-sink');

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const args = parseArgs();
const raises = Number(args.raises ?? 10_000);
const sources = Number(args.sources ?? 500);
if (!Number.isInteger(raises) || !Number.isInteger(sources) || sources < 1 || raises < sources || raises % sources !== 0) {
  console.error('--raises must be a multiple of --sources');
  process.exit(1);
}
const rounds = raises / sources;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function engineOnly(): number {
  let events = 0;
  const engine = new AlarmEngine(withDefaults({ chatterCount: 0, groupWaitMs: 1000, groupIntervalMs: 1000 }), systemClock, { onEvent: () => events++ });
  const t0 = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (let s = 0; s < sources; s++) engine.observe({ source: `machine${s % 50}/sensor${s}`, condition: 'alarm', active: true, area: `line${s % 5}`, severity: 300 + r });
    for (let s = 0; s < sources; s++) engine.observe({ source: `machine${s % 50}/sensor${s}`, condition: 'alarm', active: false });
  }
  const ms = performance.now() - t0;
  engine.dispose();
  if (events !== 2 * raises) throw new Error(`engine produced ${events} events, expected ${2 * raises}`);
  return ms / raises;
}

async function main(): Promise<void> {
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-bench-alerts-'));
  helper.init(require.resolve('node-red'));
  helper.settings({ userDir });
  await new Promise<void>((resolve) => helper.startServer(resolve));
  const internal = helper as unknown as { _NodePrototype: Record<string, any>; _logSpy?: { resetHistory(): void } };
  // The helper records every send, status and log call; forget them so only the sink is measured.
  const forgetSpies = () => {
    for (const m of ['send', 'status', 'log', 'warn', 'error', 'debug', 'trace']) internal._NodePrototype[m]?.resetHistory?.();
    internal._logSpy?.resetHistory();
  };
  try {
    await helper.load(alertSinkNode, [
      { id: 'sink', type: 'millwright-alert-sink', store: '', format: 'mqtt', chatterCount: 0, groupWait: 1, groupInterval: 1, wires: [['notes'], ['events'], ['list']] },
      { id: 'notes', type: 'helper' },
      { id: 'events', type: 'helper' },
      { id: 'list', type: 'helper' },
    ]);
    const sink = helper.getNode('sink') as any;
    let seen = 0;
    let gaps = 0;
    let lastSeq = 0;
    let notifications = 0;
    (helper.getNode('events') as any).on('input', (msg: any) => {
      seen++;
      if (msg.payload.seq !== lastSeq + 1) gaps++;
      lastSeq = msg.payload.seq;
    });
    (helper.getNode('notes') as any).on('input', () => notifications++);
    // Warm up (JIT, first save) with one raise and clear per source, not counted.
    for (let s = 0; s < sources; s++) sink.receive({ topic: `warmup/${s}`, payload: true });
    for (let s = 0; s < sources; s++) sink.receive({ topic: `warmup/${s}`, payload: false });
    while (seen < 2 * sources) await sleep(10);
    await sleep(1500);
    forgetSpies();
    gc();
    const rssBefore = process.memoryUsage().rss;
    const heapBefore = process.memoryUsage().heapUsed;
    const seenBefore = seen;
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let r = 0; r < rounds; r++) {
      for (let s = 0; s < sources; s++) sink.receive({ topic: `machine${s % 50}/sensor${s}`, area: `line${s % 5}`, payload: true, severity: 300 + r });
      for (let s = 0; s < sources; s++) sink.receive({ topic: `machine${s % 50}/sensor${s}`, payload: false });
    }
    const expected = 2 * raises;
    const deadline = Date.now() + 120_000;
    while (seen - seenBefore < expected && Date.now() < deadline) await sleep(5);
    const wallMs = performance.now() - t0;
    const cpu = process.cpuUsage(c0);
    await sleep(1500);
    forgetSpies();
    gc();
    const stateChangesSeen = seen - seenBefore;
    const engineMsPerRaise = engineOnly();
    const figures = {
      raises,
      sources,
      stateChangesExpected: expected,
      stateChangesSeen,
      lost: expected - stateChangesSeen,
      sequenceGaps: gaps,
      notifications,
      rssGrowthMb: round((process.memoryUsage().rss - rssBefore) / 1e6, 1),
      heapGrowthMb: round((process.memoryUsage().heapUsed - heapBefore) / 1e6, 1),
      msPerRaise: round(wallMs / raises, 4),
      cpuMsPerRaise: round((cpu.user + cpu.system) / 1000 / raises, 4),
      engineMsPerRaise: round(engineMsPerRaise, 4),
    };
    console.log(`burst: ${raises} raises + ${raises} clears from ${sources} sources through a running alert sink node`);
    console.log(`state changes: ${stateChangesSeen}/${expected} seen, ${gaps} sequence gaps, ${notifications} notifications`);
    console.log(`time: ${round(wallMs)} ms wall (${figures.msPerRaise} ms per raise incl. its clear), engine alone ${figures.engineMsPerRaise} ms`);
    console.log(`memory: rss +${figures.rssGrowthMb} MB, heap +${figures.heapGrowthMb} MB after GC`);
    await helper.unload();
    finish(figures);
  } finally {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    rmSync(userDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
