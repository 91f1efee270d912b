// The edge example flow, as shipped, in a started Node-RED with the packed pack: the simulated plant,
// summarised at the edge, reaches a real broker as plain JSON topics and as a valid Sparkplug B stream.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import mqtt from 'mqtt';
import { validateSparkplugStream, type CapturedMessage } from '../../lib/edge/sparkplug-validator';
import { Broker, mosquittoSkipReason } from '../helpers/mosquitto';
import { makeUserDir, projectRoot, removeDir, startNodeRed, type RunningNodeRed } from './support/packed-node-red';

const skip = mosquittoSkipReason();

describe('example: the plant in a Unified Namespace', { skip }, () => {
  const broker = new Broker();
  let red: RunningNodeRed;
  let userDir: string;
  const seen: CapturedMessage[] = [];
  let sub: mqtt.MqttClient;

  before(async () => {
    await broker.start();
    sub = mqtt.connect(broker.url);
    sub.on('message', (topic, payload) => seen.push({ topic, payload }));
    await new Promise<void>((resolve) => sub.on('connect', () => sub.subscribe('#', { qos: 1 }, () => resolve())));
    userDir = makeUserDir();
    // The shipped flow, pointed at this test's broker, with 5-sample windows so it publishes within seconds.
    const flow = JSON.parse(readFileSync(join(projectRoot, 'examples', 'edge-uns-publish.json'), 'utf8')).map((n: Record<string, unknown>) =>
      n.type === 'millwright-uns-publish' ? { ...n, broker: broker.url } : n.type === 'millwright-feature-window' ? { ...n, size: 5, hop: 5 } : n,
    );
    red = await startNodeRed(userDir, { flows: flow });
  });

  after(async () => {
    sub?.end(true);
    await red?.stop();
    if (userDir) removeDir(userDir);
    await broker.dispose();
  });

  it('publishes per-tag features as JSON topics and a valid Sparkplug B stream', async () => {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && !seen.some((m) => m.topic.includes('/DDATA/'))) await new Promise((r) => setTimeout(r, 250));
    await new Promise((r) => setTimeout(r, 6000));
    const json = seen.filter((m) => m.topic.startsWith('acme/lyon/machining/line1/'));
    assert.ok(json.some((m) => m.topic === 'acme/lyon/machining/line1/Spindle/Temperature/mean'), 'spindle temperature mean published');
    const value = JSON.parse(String(json.find((m) => m.topic.endsWith('Spindle/Temperature/mean'))!.payload));
    assert.equal(typeof value.value, 'number');
    const sparkplug = seen.filter((m) => m.topic.startsWith('spBv1.0/millwright/'));
    assert.equal(sparkplug[0]?.topic, 'spBv1.0/millwright/NBIRTH/gateway1');
    assert.ok(sparkplug.some((m) => m.topic === 'spBv1.0/millwright/DDATA/gateway1/Spindle'));
    assert.deepEqual(validateSparkplugStream(sparkplug), []);
  });
});
