// A damaged state file never takes a node down: the alert sink restores the last good copy of its
// alarm file with a warning status; a detector whose context file is garbage warns and keeps working.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import alertSinkNode = require('../../nodes/alert-sink/alert-sink');
import anomalyDetectorNode = require('../../nodes/anomaly-detector/anomaly-detector');
import { collect, getNode, helper, lastStatus, sleep, stopRuntimeKeepingContext, type NodeLike } from '../helpers/node-red';

async function statusMatching(node: NodeLike, pattern: RegExp, timeoutMs = 3000): Promise<{ fill?: string; text?: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = lastStatus(node);
    if (pattern.test(s.text ?? '')) return s;
    if (Date.now() > until) throw new Error(`status "${s.text}" never matched ${pattern}`);
    await sleep(20);
  }
}

const sinkFlow = () => [
  { id: 'tab', type: 'tab', label: 't' },
  { id: 'sink', z: 'tab', type: 'millwright-alert-sink', name: '', groupWait: 0, groupInterval: 0, chatterCount: 0, store: '', format: 'email', wires: [[], [], ['list']] },
  { id: 'list', z: 'tab', type: 'helper' },
];

const detectorFlow = () => [
  { id: 'tab', type: 'tab', label: 't' },
  { id: 'det', z: 'tab', type: 'millwright-anomaly-detector', detector: 'surprise', learnSamples: 10, store: 'file', wires: [['out']] },
  { id: 'out', z: 'tab', type: 'helper' },
  { id: 'c', z: 'tab', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
  { id: 'caught', z: 'tab', type: 'helper' },
];

describe('damaged state files', () => {
  const root = mkdtempSync(join(tmpdir(), 'millwright-damaged-'));
  before(() => new Promise<void>((resolve) => helper.startServer(resolve)));
  after(async () => {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    rmSync(root, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
    helper.settings({});
  });

  it('the alert sink restores the last good copy of a torn alarm file and says so in its status', async () => {
    const userDir = join(root, 'sink');
    helper.settings({ userDir });
    await helper.load(alertSinkNode, sinkFlow());
    const sink = getNode('sink');
    sink.receive({ topic: 'press', payload: true });
    await statusMatching(sink, /^1 active/);
    await sleep(1300); // the sink saves at most once a second
    sink.receive({ topic: 'oven', payload: true });
    await statusMatching(sink, /^2 active/);
    await stopRuntimeKeepingContext(); // saves on close
    const file = join(userDir, 'millwright', 'alert-sink-sink.json');
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).alarms.length, 2);
    assert.equal(JSON.parse(readFileSync(`${file}.bak`, 'utf8')).alarms.length, 1, 'the previous save is the last good copy');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, Math.floor(text.length / 2))); // as a torn write would leave it

    helper.settings({ userDir });
    await helper.load(alertSinkNode, sinkFlow());
    const again = getNode('sink');
    const got = collect(getNode('list'));
    const s = await statusMatching(again, /last good copy/);
    assert.equal(s.fill, 'yellow');
    assert.match(s.text ?? '', /restored 1 alarm/);
    assert.ok(again.warn.calledWithMatch(/alarm file damaged/), 'a warning names the damage');
    await sleep(400);
    assert.deepEqual(got.at(-1)?.payload.map((a: { alarmId: string }) => a.alarmId), ['press#alarm']);
  });

  it('a detector whose context file is garbage warns, keeps learning and scoring, and never throws', async () => {
    const dir = join(root, 'ctx');
    mkdirSync(join(dir, 'context', 'tab'), { recursive: true });
    writeFileSync(join(dir, 'context', 'tab', 'det.json'), '{"anomalyDetector": {"detector": "surp');
    helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem', config: { dir, cache: false } } } });
    await helper.load(anomalyDetectorNode, detectorFlow());
    const det = getNode('det');
    const out = collect(getNode('out'));
    const s = await statusMatching(det, /could not restore/);
    assert.equal(s.fill, 'yellow');
    for (let i = 0; i < 15; i++) det.receive({ topic: 'm', payload: Math.sin(i) });
    const until = Date.now() + 3000;
    while (out.length < 5 && Date.now() < until) await sleep(20);
    assert.equal(out.length, 5, 'learnt from 10 samples and scored the next 5');
    // Node-RED's store cannot rewrite a file it cannot parse: the save warns until the file is removed.
    assert.ok(det.warn.calledWithMatch(/could not save the learnt model/), 'the failed save is reported, not thrown');
    await stopRuntimeKeepingContext(); // let the closing detector finish its save before the files go
  });

  it('a detector whose saved model has the wrong shape starts learning afresh', async () => {
    const dir = join(root, 'ctx-shape');
    mkdirSync(join(dir, 'context', 'tab'), { recursive: true });
    const garbage = { anomalyDetector: { detector: 'surprise', engines: { m: { nonsense: true }, n: null, o: [1, 2] } } };
    writeFileSync(join(dir, 'context', 'tab', 'det.json'), JSON.stringify(garbage));
    helper.settings({ contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem', config: { dir, cache: false } } } });
    await helper.load(anomalyDetectorNode, detectorFlow());
    const det = getNode('det');
    const out = collect(getNode('out'));
    await statusMatching(det, /restored 0 key|could not restore/);
    for (let i = 0; i < 12; i++) det.receive({ topic: 'm', payload: Math.cos(i) });
    const until = Date.now() + 3000;
    while (out.length < 2 && Date.now() < until) await sleep(20);
    assert.equal(out.length, 2);
    await stopRuntimeKeepingContext();
  });
});
