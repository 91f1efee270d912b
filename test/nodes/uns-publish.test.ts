import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import unsPublishNode = require('../../nodes/uns-publish/uns-publish');
import { Broker, mosquittoSkipReason } from '../helpers/mosquitto';
import { getNode, helper, lastStatus, nextMessage, sleep } from '../helpers/node-red';

const skip = mosquittoSkipReason();
const SECRET = 'pa55-never-shown';

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}

const score = (i: number) => ({ key: 'Spindle', score: i / 100, anomaly: false, timestamp: 1_700_000_000_000 + i, detector: 't', explanation: [] });

describe('UNS publish node', { skip }, () => {
  const broker = new Broker();
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-uns-userdir-'));
  before(async () => {
    await broker.start();
    // Mutate rather than replace the runtime settings: a replaced object loses the credential store's hooks.
    (helper.settings() as Record<string, unknown>).userDir = userDir;
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });
  after(async () => {
    delete (helper.settings() as Record<string, unknown>).userDir;
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    await broker.dispose();
    rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(() => helper.unload());

  function flow(extra: Record<string, unknown> = {}) {
    return [
      {
        id: 'uns', type: 'millwright-uns-publish', broker: broker.url, enterprise: 'acme', site: 'lyon', area: 'machining', line: 'line1',
        format: 'json', groupId: 'g', edgeNodeId: 'e', deadband: 0, deadbandPercent: 0, heartbeat: 0, bufferSize: 1000, wires: [['out']], ...extra,
      },
      { id: 'out', type: 'helper' },
      { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
      { id: 'caught', type: 'helper' },
    ];
  }

  async function subscriber(topic: string) {
    const got: Array<{ topic: string; payload: Buffer }> = [];
    const sub = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    sub.on('message', (t, p) => got.push({ topic: t, payload: p }));
    await new Promise<void>((resolve, reject) => sub.once('connect', () => sub.subscribe(topic, { qos: 1 }, (e) => (e ? reject(e) : resolve()))));
    return { got, close: () => sub.end(true) };
  }

  it('publishes a contract into the namespace, warns that the link is unencrypted, never shows the password', async () => {
    const sub = await subscriber('acme/#');
    try {
      await helper.load(unsPublishNode, flow({ name: 'plant publisher' }), { uns: { username: 'gw', password: SECRET } });
      const uns = getNode('uns');
      await waitFor(() => /connected/.test(lastStatus(uns).text ?? ''), 5000, 'connected status');
      const out = nextMessage(getNode('out'));
      uns.receive({ payload: score(42) });
      assert.equal((await out).payload.published, 2);
      await waitFor(() => sub.got.length >= 2, 5000, 'messages at the broker');
      const s = sub.got.find((m) => m.topic === 'acme/lyon/machining/line1/Spindle/anomaly/score');
      assert.equal(JSON.parse(String(s?.payload)).value, 0.42);
      assert.equal(lastStatus(uns).fill, 'yellow');
      assert.match(lastStatus(uns).text ?? '', /unencrypted/);
      const statusTexts = JSON.stringify(uns.status.args ?? []);
      assert.ok(!statusTexts.includes(SECRET), 'the password never appears in a status');
    } finally {
      sub.close();
    }
  });

  it('rejects a payload that is not a Millwright contract with an error a Catch node sees', async () => {
    await helper.load(unsPublishNode, flow());
    const caught = nextMessage(getNode('caught'));
    getNode('uns').receive({ payload: 'just text' });
    assert.match((await caught).error.message, /Millwright/);
  });

  it('reports a bad broker URL at deploy instead of crashing', async () => {
    await helper.load(unsPublishNode, flow({ broker: 'not a url' }));
    assert.equal(lastStatus(getNode('uns')).fill, 'red');
    assert.match(lastStatus(getNode('uns')).text ?? '', /broker URL/);
  });

  it('keeps messages on disk while the broker is away, across a redeploy, and delivers them in order', async () => {
    await broker.stop();
    await helper.load(unsPublishNode, flow());
    let uns = getNode('uns');
    for (let i = 0; i < 20; i++) uns.receive({ payload: score(i) });
    await waitFor(() => /20 buffered|buffered/.test(lastStatus(uns).text ?? ''), 3000, 'buffering status');
    assert.equal(lastStatus(uns).fill, 'red');
    await helper.unload();
    await broker.start();
    const sub = await subscriber('acme/lyon/machining/line1/Spindle/anomaly/score');
    try {
      await helper.load(unsPublishNode, flow());
      uns = getNode('uns');
      await waitFor(() => sub.got.length >= 20, 8000, 'replayed messages');
      assert.deepEqual(sub.got.map((m) => JSON.parse(String(m.payload)).value), Array.from({ length: 20 }, (_, i) => i / 100));
    } finally {
      sub.close();
    }
  });

  it('reports a buffer file it cannot write to a Catch node and keeps running', async () => {
    await broker.stop();
    try {
      await helper.load(unsPublishNode, flow());
      const uns = getNode('uns');
      // The journal's place taken by a directory: every write to it fails (EISDIR), as on a broken disk.
      const journal = join(userDir, 'millwright', 'buffers', 'uns.jsonl');
      rmSync(journal, { force: true });
      mkdirSync(journal);
      const caught = nextMessage(getNode('caught'), 5000);
      uns.receive({ payload: score(1) });
      assert.match((await caught).error.message, /buffer file could not be written/);
      assert.equal(lastStatus(uns).fill, 'red');
      const out = nextMessage(getNode('out'));
      uns.receive({ payload: score(2) });
      assert.ok((await out).payload, 'the node still takes msgs');
    } finally {
      await helper.unload();
      rmSync(join(userDir, 'millwright', 'buffers', 'uns.jsonl'), { recursive: true, force: true });
      await broker.start();
    }
  });
});
