// Feature window: raw samples in, feature vectors out (lib/features does the math).
import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import type { FeatureVector } from '../../lib/contracts';
import { FeatureWindow, type FeatureWindowSnapshot, type WindowCounters } from '../../lib/features/feature-window';
import { errorText, guarded, onInput, status, type Done, type Send, refuseForBadConfig } from '../shared/glue';
import { contextPersistence } from '../shared/persistence';
import { settingsFrom, type FeatureWindowDef } from './config';
import { parseMsg, type KeyBy } from './readings';

/** Status updates are throttled: a busy stream would otherwise publish one per msg to every editor. */
const STATUS_INTERVAL_MS = 250;
const MAX_FUTURE_MS = 24 * 3600 * 1000;

function refused(c: WindowCounters): number {
  return c.invalid + c.outOfOrder + c.late + c.sampleRate + c.tooManyKeys;
}

function summary(samplesIn: number, valuesOut: number, bad: number, c: WindowCounters): string {
  const ratio = valuesOut > 0 ? `${(samplesIn / valuesOut).toFixed(1)}:1` : 'filling';
  const parts = [`${samplesIn} in, ${valuesOut} out (${ratio})`];
  if (bad) parts.push(`${bad} bad`);
  if (c.late) parts.push(`${c.late} late`);
  if (c.dropped) parts.push(`${c.dropped} dropped`);
  return parts.join(', ');
}

export = function register(RED: NodeAPI): void {
  function FeatureWindowNode(this: Node, config: FeatureWindowDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let window: FeatureWindow;
    let keyBy: KeyBy;
    try {
      const settings = settingsFrom(config);
      window = new FeatureWindow(settings.options);
      keyBy = settings.keyBy;
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }

    const persistence = contextPersistence<FeatureWindowSnapshot>(node, 'featureWindow', config.store);
    let samplesIn = 0;
    let valuesOut = 0;
    // Msg-level problems the window never saw (unparseable payloads, bad parts of a msg).
    let rejectedMsgParts = 0;
    let badQuality = 0;
    let restored = false;
    let closed = false;
    let lastStatusAt = 0;
    let statusTimer: NodeJS.Timeout | undefined;

    const showStatus = () => {
      statusTimer = undefined;
      lastStatusAt = Date.now();
      const c = window.counters;
      const bad = refused(c) + rejectedMsgParts;
      const text = summary(samplesIn, valuesOut, bad, c) + (badQuality ? `, ${badQuality} bad quality` : '');
      if (bad || c.dropped) status.warn(node, text);
      else status.ok(node, text);
    };
    const statusSoon = () => {
      if (statusTimer || closed) return;
      const wait = lastStatusAt + STATUS_INTERVAL_MS - Date.now();
      if (wait <= 0) showStatus();
      else statusTimer = setTimeout(guarded(node, showStatus), wait);
    };

    const ready = persistence
      .load()
      .then((snapshot) => {
        const used = snapshot ? window.restore(snapshot) : false;
        if (snapshot && !used) status.warn(node, 'saved windows discarded: window mode changed');
        else status.ok(node, used ? `restored ${window.pendingSamples()} samples` : 'waiting for samples');
      })
      .catch((err) => status.warn(node, `could not restore state: ${errorText(err)}`))
      .finally(() => {
        restored = true;
      });

    const emit = (msg: NodeMessageInFlow, send: Send, vectors: FeatureVector[]) => {
      for (const vector of vectors) {
        valuesOut += Object.keys(vector.features).length;
        send({ ...msg, topic: vector.key, payload: vector });
      }
    };

    const handle = (msg: NodeMessageInFlow, send: Send, done: Done) => {
      const control = msg as { flush?: unknown; reset?: unknown; shaftHz?: unknown; rpm?: unknown };
      if (control.reset === true) {
        window.reset();
        status.ok(node, 'reset: windows cleared');
        return done();
      }
      if (control.flush === true) {
        emit(msg, send, window.flush());
        statusSoon();
        return done();
      }
      let parsed;
      try {
        parsed = parseMsg(msg, keyBy, window.align, Date.now());
      } catch (err) {
        samplesIn++;
        rejectedMsgParts++;
        throw err;
      }
      samplesIn += parsed.samples;
      badQuality += parsed.badQuality;
      rejectedMsgParts += parsed.problems.length;
      const problems = [...parsed.problems];
      const shaftHz = typeof control.shaftHz === 'number' ? control.shaftHz : typeof control.rpm === 'number' ? control.rpm / 60 : undefined;
      const now = Date.now();
      for (const [key, all] of parsed.groups) {
        let entries = all;
        if (window.mode === 'time') {
          // One reading from a clock gone wrong would hold every later sample of its key behind the watermark.
          entries = all.filter((e) => e.timestamp <= now + MAX_FUTURE_MS);
          if (entries.length < all.length) {
            rejectedMsgParts += all.length - entries.length;
            problems.push(`${key}: timestamp more than a day ahead of this machine's clock`);
          }
        }
        const result = window.ingest(key, entries, { shaftHz });
        emit(msg, send, result.vectors);
        for (const e of result.errors) problems.push(e.message);
      }
      if (problems.length) {
        const more = problems.length > 2 ? ` (+${problems.length - 2} more)` : '';
        throw new Error(problems.slice(0, 2).join('; ') + more);
      }
      statusSoon();
      done();
    };

    onInput(node, (msg, send, done) => {
      if (!restored) return ready.then(() => handle(msg, send, done));
      handle(msg, send, done);
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      closed = true;
      if (statusTimer) clearTimeout(statusTimer);
      persistence
        .save(window.snapshot())
        .catch((err) => node.warn(`could not save window state: ${errorText(err)}`))
        .finally(() => done());
    });
  }

  RED.nodes.registerType('millwright-feature-window', FeatureWindowNode);
};
