// The edge publisher against a real broker (Debian's mosquitto on loopback): store-and-forward across
// a broker outage loses nothing and keeps order, and the Sparkplug stream follows the specification's
// rules (birth before data, sequence numbers, historical flag on replay, death on disconnect).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { MqttLink } from '../../lib/edge/mqtt-link';
import { decodeSparkplug } from '../../lib/edge/sparkplug';
import { StoreAndForward } from '../../lib/edge/store-and-forward';
import { UnsPublisher } from '../../lib/edge/uns-publisher';
import { Broker, mosquittoSkipReason } from '../helpers/mosquitto';

const skip = mosquittoSkipReason();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

describe('UNS publisher with a real MQTT broker', { skip }, () => {
  const broker = new Broker();
  const dir = mkdtempSync(join(tmpdir(), 'millwright-edge-'));
  before(() => broker.start());
  after(async () => {
    await broker.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('replays every message buffered during an outage, in order, as historical Sparkplug data', async () => {
    const seen: Array<{ topic: string; payload: Buffer }> = [];
    const subscribe = async () => {
      const sub = mqtt.connect(broker.url, { reconnectPeriod: 0 });
      sub.on('message', (topic, payload) => seen.push({ topic, payload }));
      sub.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        sub.once('connect', () => sub.subscribe(['spBv1.0/#', 'acme/#'], { qos: 1 }, (err) => (err ? reject(err) : resolve())));
        sub.once('error', reject);
      });
      return sub;
    };
    let sub = await subscribe();
    const states: string[] = [];
    const pub = new UnsPublisher({
      path: { enterprise: 'acme', site: 'lyon', area: 'machining', line: 'line1' },
      format: 'both',
      groupId: 'plant',
      edgeNodeId: 'gw1',
      deadband: { absolute: 0, percent: 0, heartbeatMs: 0 },
      link: { url: broker.url, clientId: 'millwright-test-gw1', onState: (s, d) => states.push(`${s} ${d}`) },
      bufferFile: join(dir, 'buffer.jsonl'),
      maxMessages: 10_000,
      maxBytes: 10_000_000,
    });
    pub.start();
    try {
      await waitFor(() => pub.stats().state === 'connected', 5000, 'first connect');
      const score = (i: number) => ({ key: 'Spindle', score: (i % 100) / 100, anomaly: false, timestamp: 1_700_000_000_000 + i, detector: 'test', explanation: [] });
      for (let i = 0; i < 50; i++) pub.publish(score(i));
      await waitFor(() => pub.stats().buffered === 0, 5000, 'live messages delivered');

      sub.end(true);
      await broker.stop();
      for (let i = 50; i < 150; i++) pub.publish(score(i));
      await sleep(300);
      assert.notEqual(pub.stats().state, 'connected');
      assert.ok(pub.stats().buffered >= 100, `buffered ${pub.stats().buffered}`);

      await broker.start();
      const back = Date.now();
      const mark = seen.length;
      sub = await subscribe();
      await waitFor(() => pub.stats().state === 'connected', 6000, 'reconnect');
      const reconnectMs = Date.now() - back;
      await waitFor(() => pub.stats().buffered === 0, 10_000, 'buffer replayed');
      await sleep(200);
      assert.ok(reconnectMs < 5000, `reconnected ${reconnectMs} ms after the broker returned`);
      assert.equal(pub.stats().dropped, 0);

      // Sparkplug after the outage: NBIRTH (seq 0) first, then DBIRTH, then historical DDATA in order.
      const afterOutage = seen.slice(mark);
      const sp = afterOutage.filter((m) => m.topic.startsWith('spBv1.0/'));
      assert.equal(sp[0].topic, 'spBv1.0/plant/NBIRTH/gw1');
      const decoded = sp.map((m) => ({ topic: m.topic, ...decodeSparkplug(m.payload) }));
      assert.equal(decoded[0].seq, 0);
      assert.equal(decoded[1].topic, 'spBv1.0/plant/DBIRTH/gw1/Spindle');
      const data = decoded.filter((m) => m.topic.includes('/DDATA/'));
      const values = data.map((m) => m.metrics.find((x) => x.name === 'anomaly/score')!.value as number);
      assert.deepEqual(values, Array.from({ length: 100 }, (_, k) => ((50 + k) % 100) / 100));
      assert.ok(data.every((m) => m.metrics.every((x) => x.isHistorical === true)), 'replayed data is flagged historical');
      for (let k = 1; k < decoded.length; k++) assert.equal(decoded[k].seq, ((decoded[k - 1].seq as number) + 1) % 256, `sequence at ${k}`);

      // JSON side: one retained topic per metric, in the ISA-95 tree.
      const json = afterOutage.filter((m) => m.topic === 'acme/lyon/machining/line1/Spindle/anomaly/score');
      assert.deepEqual(json.map((m) => JSON.parse(String(m.payload)).value), values);

      // Death certificate on an abrupt disconnect, with the bdSeq of the current birth.
      const birthBdSeq = decoded[0].metrics.find((m) => m.name === 'bdSeq')!.value;
      await pub.stop();
      await waitFor(() => seen.some((m) => m.topic === 'spBv1.0/plant/NDEATH/gw1'), 5000, 'NDEATH');
      const death = decodeSparkplug(seen.find((m) => m.topic === 'spBv1.0/plant/NDEATH/gw1')!.payload);
      assert.equal(death.metrics[0].value, birthBdSeq);
    } finally {
      await pub.stop();
      sub.end(true);
    }
  });

  it('reports a failing buffer disk through onError and keeps delivering, never throwing into mqtt.js', async () => {
    const seen: number[] = [];
    const sub = mqtt.connect(broker.url, { reconnectPeriod: 0 });
    sub.on('message', (_topic, payload) => seen.push(JSON.parse(String(payload)).i));
    sub.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      sub.once('connect', () => sub.subscribe('disk/#', { qos: 1 }, (err) => (err ? reject(err) : resolve())));
      sub.once('error', reject);
    });
    let failing = false;
    const buffer = new StoreAndForward({
      file: join(dir, 'failing-disk.jsonl'),
      maxMessages: 10_000,
      maxBytes: 10_000_000,
      beforeWrite: () => {
        if (failing) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
    });
    const errors: string[] = [];
    const link = new MqttLink({ url: broker.url, clientId: 'millwright-test-disk', buffer, onError: (err) => errors.push(err.message) });
    link.start();
    try {
      await waitFor(() => link.connected, 5000, 'connect');
      const message = (i: number) => ({ topic: `disk/${i}`, payload: JSON.stringify({ i }), qos: 1 as const, retain: false, producedAt: Date.now() });
      for (let i = 0; i < 100; i++) link.send(message(i));
      // The disk fills up: appends fail in send(), compactions fail in the acknowledgement callbacks.
      failing = true;
      for (let i = 100; i < 150; i++) assert.doesNotThrow(() => link.send(message(i)));
      await waitFor(() => seen.length >= 150, 10_000, 'every message delivered');
      assert.deepEqual(seen, Array.from({ length: 150 }, (_, i) => i));
      assert.equal(link.stats().buffered, 0);
      assert.ok(errors.length >= 1, 'the disk error is reported');
      assert.ok(errors.every((e) => /store-and-forward buffer: ENOSPC/.test(e)), errors.join('; '));
      assert.ok(errors.length < 10, `repeats of one error are reported once, got ${errors.length}`);
      assert.equal(link.stats().state, 'connected');
    } finally {
      await link.stop();
      sub.end(true);
    }
  });
});
