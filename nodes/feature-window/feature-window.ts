// Feature window: raw samples in, feature vectors out (lib/features does the math).
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { toEpochMs, validateSample } from '../../lib/contracts';
import { FeatureWindow, type FeatureWindowSnapshot } from '../../lib/features/feature-window';
import { errorText, onInput, positiveInt, status } from '../shared/glue';
import { contextPersistence } from '../shared/persistence';

interface FeatureWindowDef extends NodeDef {
  size: string;
  hop: string;
  features: string;
  store: string;
}

interface Reading {
  key: string;
  tag: string;
  timestamp: number;
  values: number[];
}

/** Accepts a number, an array block, or a Millwright sample; the key is msg.topic, else the tag. */
function readingFrom(msg: NodeMessageInFlow): Reading {
  const payload = msg.payload as unknown;
  const topic = typeof msg.topic === 'string' && msg.topic ? msg.topic : undefined;
  const msgTime = toEpochMs((msg as { timestamp?: unknown }).timestamp) ?? Date.now();
  if (typeof payload === 'number') {
    if (!Number.isFinite(payload)) throw new Error(`payload must be a finite number, got ${payload}`);
    return { key: topic ?? 'default', tag: topic ?? 'value', timestamp: msgTime, values: [payload] };
  }
  if (Array.isArray(payload)) {
    payload.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`payload[${i}] must be a finite number, got ${JSON.stringify(v)}`);
    });
    return { key: topic ?? 'default', tag: topic ?? 'value', timestamp: msgTime, values: payload as number[] };
  }
  if (typeof payload === 'object' && payload !== null) {
    const sample = validateSample(payload, 'payload');
    if (typeof sample.value === 'number') return { key: topic ?? sample.tag, tag: sample.tag, timestamp: sample.timestamp, values: [sample.value] };
    if (Array.isArray(sample.value)) return { key: topic ?? sample.tag, tag: sample.tag, timestamp: sample.timestamp, values: sample.value };
    throw new Error(`payload.value of tag "${sample.tag}" must be numeric, got ${typeof sample.value}`);
  }
  throw new Error(`payload must be a number, an array of numbers or a sample {tag, value, timestamp, quality}; got ${payload === null ? 'null' : typeof payload}`);
}

export = function register(RED: NodeAPI): void {
  function FeatureWindowNode(this: Node, config: FeatureWindowDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let window: FeatureWindow;
    try {
      const size = positiveInt(config.size, 'Window size', 100);
      const hop = positiveInt(config.hop, 'Hop', size);
      const features = (config.features || 'mean,std,rms,min,max').split(',').map((f) => f.trim()).filter(Boolean);
      window = new FeatureWindow({ size, hop, features });
    } catch (err) {
      status.error(node, errorText(err));
      node.error(errorText(err));
      node.on('input', (_msg: NodeMessageInFlow, _send: unknown, done: (err?: Error) => void) => done(new Error(`not configured: ${errorText(err)}`)));
      return;
    }

    const persistence = contextPersistence<FeatureWindowSnapshot>(node, 'featureWindow', config.store);
    let samplesIn = 0;
    let valuesOut = 0;
    let rejected = 0;
    const ready = persistence
      .load()
      .then((snapshot) => {
        if (snapshot) window.restore(snapshot);
        status.ok(node, snapshot ? `restored ${window.pendingSamples()} samples` : 'waiting for samples');
      })
      .catch((err) => status.warn(node, `could not restore state: ${errorText(err)}`));

    onInput(node, async (msg, send, done) => {
      await ready;
      let reading: Reading;
      try {
        reading = readingFrom(msg);
      } catch (err) {
        rejected++;
        throw err;
      }
      samplesIn += reading.values.length;
      const vectors = window.push(reading.key, reading.tag, reading.timestamp, reading.values);
      for (const vector of vectors) {
        valuesOut += Object.keys(vector.features).length;
        send({ ...msg, topic: vector.key, payload: vector });
      }
      const ratio = valuesOut > 0 ? `${(samplesIn / valuesOut).toFixed(1)}:1` : 'filling';
      status.ok(node, `${samplesIn} in, ${valuesOut} out (${ratio})${rejected ? `, ${rejected} rejected` : ''}`);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      persistence
        .save(window.snapshot())
        .catch((err) => node.warn(`could not save window state: ${errorText(err)}`))
        .finally(() => done());
    });
  }

  RED.nodes.registerType('millwright-feature-window', FeatureWindowNode);
};
