// Anomaly detector: learns normal per key, then scores every sample or feature vector
// (lib/anomaly does the math; this file maps msgs, status, persistence and commands).
import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import type { AnomalyScore } from '../../lib/contracts';
import { AnomalyEngine, type Outcome } from '../../lib/anomaly/engine';
import { OnnxAutoencoder } from '../../lib/anomaly/onnx-autoencoder';
import { errorText, guarded, onInput, status, type Done, type Send, refuseForBadConfig } from '../shared/glue';
import { contextPersistence } from '../shared/persistence';
import { settingsFrom, type AnomalyDetectorDef, type DetectorSettings } from './config';
import { commandOf, readingOf, type Reading } from './input';
import { resolveInside } from '../../lib/shared/user-files';

const STATUS_INTERVAL_MS = 250;
const MAX_KEYS = 200;

interface Saved {
  detector: string;
  engines: Record<string, unknown>;
}

export = function register(RED: NodeAPI): void {
  function AnomalyDetectorNode(this: Node, config: AnomalyDetectorDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let settings: DetectorSettings;
    try {
      settings = settingsFrom(config);
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }
    const { options } = settings;
    const engines = new Map<string, AnomalyEngine>();
    const persistence = contextPersistence<Saved>(node, 'anomalyDetector', settings.store);
    let closed = false;
    let frozen = false;
    let last: { key: string; outcome: Outcome } | undefined;
    let lastStatusAt = 0;
    let statusTimer: NodeJS.Timeout | undefined;
    let autoencoder: Promise<OnnxAutoencoder> | undefined;
    // Msgs are handled one after another: ONNX scoring is asynchronous and order matters.
    let queue: Promise<void> = Promise.resolve();

    const engineFor = (key: string): AnomalyEngine => {
      let e = engines.get(key);
      if (!e) {
        if (engines.size >= MAX_KEYS) throw new Error(`too many keys (${MAX_KEYS}): "${key}" refused; use one detector per group of sensors`);
        e = new AnomalyEngine(options);
        if (frozen) e.freeze(true);
        engines.set(key, e);
      }
      return e;
    };

    const showStatus = () => {
      statusTimer = undefined;
      lastStatusAt = Date.now();
      if (!last) return status.busy(node, `waiting for data (learning ${options.learnSamples})`);
      const o = last.outcome;
      const keys = engines.size > 1 ? ` [${engines.size} keys]` : '';
      const fz = frozen ? ' frozen' : '';
      if (o.phase === 'learning') return status.busy(node, `learning ${o.learnt}/${options.learnSamples} (${Math.round(o.progress * 100)} %)${keys}`);
      const regime = o.regime ? ` ${o.regime}` : '';
      if (o.anomaly) node.status({ fill: 'red', shape: 'dot', text: `anomaly ${o.score.toFixed(2)} ${last.key}${regime}${fz}${keys}`.slice(0, 60) });
      else status.ok(node, `normal ${o.score.toFixed(2)}${regime}${fz}${keys}`);
    };
    const statusSoon = (now = false) => {
      if (closed) return;
      const wait = lastStatusAt + STATUS_INTERVAL_MS - Date.now();
      if (now || wait <= 0) {
        if (statusTimer) clearTimeout(statusTimer);
        showStatus();
      } else if (!statusTimer) statusTimer = setTimeout(guarded(node, showStatus), wait);
    };

    const save = () =>
      persistence
        .save({ detector: options.detector, engines: Object.fromEntries([...engines].map(([k, e]) => [k, e.snapshot()])) })
        .catch((err) => node.warn(`could not save the learnt model: ${errorText(err)}`));

    const ready = persistence
      .load()
      .then((saved) => {
        if (!saved || saved.detector !== options.detector) {
          if (saved) status.warn(node, 'saved model discarded: detector changed');
          else status.busy(node, `learning: 0/${options.learnSamples}`);
          return;
        }
        for (const [key, snap] of Object.entries(saved.engines ?? {})) {
          const e = new AnomalyEngine(options);
          if (e.restore(snap)) engines.set(key, e);
        }
        const detecting = [...engines.values()].filter((e) => e.phase === 'detecting').length;
        status.ok(node, `restored ${engines.size} key(s), ${detecting} detecting`);
      })
      .catch((err) => status.warn(node, `could not restore the model: ${errorText(err)}`));

    const onnx = (): Promise<OnnxAutoencoder> => {
      // Model files are read only from inside the Node-RED user directory.
      autoencoder ??= Promise.resolve()
        .then(() => resolveInside((RED.settings as { userDir?: string }).userDir ?? process.cwd(), settings.onnxModel))
        .then((file) => OnnxAutoencoder.open(file));
      return autoencoder;
    };

    const command = (name: string, send: Send, msg: NodeMessageInFlow) => {
      const key = typeof (msg as { key?: unknown }).key === 'string' ? ((msg as { key?: string }).key as string) : undefined;
      const targets = key ? [engines.get(key)].filter((e): e is AnomalyEngine => !!e) : [...engines.values()];
      if (name === 'reset') {
        if (key) engines.delete(key);
        else engines.clear();
        last = undefined;
      } else if (name === 'learn') targets.forEach((e) => e.learn());
      else {
        frozen = name === 'freeze';
        targets.forEach((e) => e.freeze(frozen));
      }
      void send;
      statusSoon(true);
      if (name === 'reset' || name === 'learn') status.busy(node, `${name}: learning again${key ? ` (${key})` : ''}`);
      else status.ok(node, name === 'freeze' ? 'frozen: no adaptation' : 'adapting again');
      return save();
    };

    const score = async (reading: Exclude<Reading, { kind: 'skip' }>): Promise<Outcome> => {
      const engine = engineFor(reading.key);
      if (reading.kind === 'scalar') return engine.update(reading.value, reading.timestamp);
      if (options.detector !== 'onnx') return engine.updateVector(reading.features, reading.timestamp);
      // The autoencoder sees the modelled features in the engine's order; the engine gets their errors.
      const names = engine.features ?? Object.keys(reading.features).sort().filter((n) => !options.contextFeatures.includes(n));
      const row = names.map((n) => {
        const v = reading.features[n];
        if (typeof v !== 'number') throw new Error(`feature "${n}" is missing (learnt features: ${names.join(', ')})`);
        return v;
      });
      const [errors] = await (await onnx()).errors([row]);
      const byName: Record<string, number> = {};
      names.forEach((n, j) => (byName[n] = errors[j]));
      for (const c of options.contextFeatures) if (c in reading.features) byName[c] = reading.features[c];
      return engine.updateVector(byName, reading.timestamp);
    };

    const handle = async (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const cmd = commandOf(msg);
      if (cmd) {
        await command(cmd, send, msg);
        return done();
      }
      const reading = readingOf(msg, Date.now());
      if (reading.kind === 'skip') {
        status.warn(node, `skipped: ${reading.reason}`);
        return done();
      }
      const wasDetecting = engines.get(reading.key)?.phase === 'detecting';
      const outcome = await score(reading);
      last = { key: reading.key, outcome };
      if (outcome.phase === 'detecting') {
        const payload: AnomalyScore = {
          key: reading.key,
          score: outcome.score,
          anomaly: outcome.anomaly,
          timestamp: reading.timestamp,
          detector: options.detector,
          explanation: outcome.explanation,
        };
        if (outcome.regime) payload.regime = outcome.regime;
        send({ ...msg, topic: reading.key, payload });
      } else if (outcome.progress >= 1 && !wasDetecting) {
        // Learning just finished: keep the model even if the runtime stops uncleanly.
        await save();
      }
      statusSoon(outcome.phase === 'detecting' && outcome.raised);
      done();
    };

    onInput(node, (msg, send, done) => {
      const run = queue.then(() => ready).then(() => handle(msg, send, done));
      // The queue continues after a failure; onInput reports the failure itself.
      queue = run.catch(() => undefined);
      return run;
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      const stopOnnx = autoencoder ? autoencoder.then((a) => a.close()).catch(() => undefined) : Promise.resolve();
      Promise.all([queue.then(save), stopOnnx]).finally(() => done());
    });
  }

  RED.nodes.registerType('millwright-anomaly-detector', AnomalyDetectorNode);
};
