// Alert sink: every Millwright signal becomes an alarm with an ISA-18.2 lifecycle (lib/alarms does
// the work). Outputs: 1 notifications (email, MQTT or chat shaped), 2 every state change, 3 the alarm
// list with KPIs when it changes.
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { AlarmEvent } from '../../lib/contracts';
import { systemClock } from '../../lib/alarms/clock';
import { CommQuality } from '../../lib/alarms/comm-quality';
import { AlarmCommandError, AlarmEngine, alarmSnapshotProblem, type AlarmSnapshot } from '../../lib/alarms/engine';
import { DEFAULT_INPUT_OPTIONS, parseCommand, parseInput, scopeOf, type InputOptions, type ParsedCommand } from '../../lib/alarms/inputs';
import { NOTIFICATION_FORMATS, shape, type AlarmNotification, type NotificationFormat } from '../../lib/alarms/notification';
import { parseAlarmOptions } from '../../lib/alarms/options';
import { errorText, guarded, onInput, status, refuseForBadConfig } from '../shared/glue';
import { HttpError, registerRoutes, sinks, type SinkActions } from './alert-sink-http';
import { sinkStore } from './alert-sink-store';

interface AlertSinkDef extends NodeDef {
  [key: string]: unknown;
  store?: string;
  format?: string;
  mqttTopic?: string;
}

const LIST_EVERY_MS = 250;
const STATUS_EVERY_MS = 500;
const SAVE_EVERY_MS = 1000;

function optionalNumber(v: unknown, field: string): number | undefined {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${field} must be a number, got "${String(v)}"`);
  return n;
}

function inputOptions(config: AlertSinkDef, defaultSeverity: number): InputOptions {
  const text = (v: unknown, fallback: string) => (typeof v === 'string' && v.trim() ? v.trim() : fallback);
  const scoreLimit = optionalNumber(config.scoreLimit, 'Score limit');
  if (scoreLimit !== undefined && (scoreLimit <= 0 || scoreLimit > 1)) throw new Error(`Score limit must be in (0, 1], got ${scoreLimit}`);
  const hours = optionalNumber(config.rulHorizon, 'RUL lead') ?? DEFAULT_INPUT_OPTIONS.rulHorizonMs / 3600_000;
  if (hours < 0) throw new Error(`RUL lead must be >= 0 hours, got ${hours}`);
  return {
    ...DEFAULT_INPUT_OPTIONS,
    sourceProperty: text(config.sourceProperty, 'topic').replace(/^msg\./, ''),
    conditionProperty: text(config.conditionProperty, 'condition').replace(/^msg\./, ''),
    defaultCondition: text(config.condition, 'alarm'),
    defaultSeverity,
    limit: optionalNumber(config.limit, 'Limit'),
    deadband: Math.max(0, optionalNumber(config.deadband, 'Deadband') ?? 0),
    scoreLimit,
    scoreDeadband: Math.max(0, optionalNumber(config.scoreDeadband, 'Score deadband') ?? DEFAULT_INPUT_OPTIONS.scoreDeadband),
    rulHorizonMs: hours * 3600_000,
    maintenanceTopic: typeof config.maintenanceTopic === 'string' ? config.maintenanceTopic.trim() : DEFAULT_INPUT_OPTIONS.maintenanceTopic,
  };
}

function formatsOf(value: unknown): NotificationFormat[] {
  const v = typeof value === 'string' && value ? value : 'email';
  if (v === 'all') return [...NOTIFICATION_FORMATS];
  if (!(NOTIFICATION_FORMATS as readonly string[]).includes(v)) throw new Error(`Notification format must be email, mqtt, chat or all, got "${v}"`);
  return [v as NotificationFormat];
}

export = function register(RED: NodeAPI): void {
  registerRoutes(RED);

  function AlertSinkNode(this: Node, config: AlertSinkDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let engine: AlarmEngine;
    let inputs: InputOptions;
    let formats: NotificationFormat[];
    const mqttTopic = typeof config.mqttTopic === 'string' && config.mqttTopic.trim() ? config.mqttTopic.trim() : 'millwright/alarms';
    const timers = new Set<NodeJS.Timeout>();
    let closing = false;
    // Nothing is saved until the stored state was read, so an early close never overwrites it.
    let loaded = false;

    const later = (ms: number, fn: () => void): NodeJS.Timeout => {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!closing) guarded(node, fn)();
      }, ms);
      timers.add(t);
      return t;
    };

    const sendNotification = (n: AlarmNotification) => {
      const msgs = formats.map((format) => ({ ...shape(n, format, mqttTopic), channel: format, notification: n }) as NodeMessage);
      node.send([msgs, null, null]);
    };
    const sendEvent = (e: AlarmEvent) => node.send([null, { topic: `alarm/${e.alarmId}`, payload: e } as NodeMessage, null]);

    let listTimer: NodeJS.Timeout | undefined;
    let statusTimer: NodeJS.Timeout | undefined;
    let saveTimer: NodeJS.Timeout | undefined;
    const sendList = () => node.send([null, null, { topic: 'alarms', payload: engine.list(), kpis: engine.kpis() } as NodeMessage]);
    const showStatus = () => {
      const k = engine.kpis();
      const text = `${k.standing} active, ${k.unacknowledged} unack, ${k.shelved} shelved, ${k.alarmsLast10Min}/10 min, peak ${k.peakPer10Min}`;
      if (k.floodedAreas.length > 0) status.warn(node, `FLOOD ${k.floodedAreas.join(', ')}: ${text}`);
      else if (k.standing > 0) status.busy(node, text);
      else status.ok(node, text);
    };
    const changed = () => {
      if (closing) return;
      listTimer ??= later(LIST_EVERY_MS, () => {
        listTimer = undefined;
        sendList();
      });
      statusTimer ??= later(STATUS_EVERY_MS, () => {
        statusTimer = undefined;
        showStatus();
      });
      saveTimer ??= later(SAVE_EVERY_MS, () => {
        saveTimer = undefined;
        void save();
      });
    };

    try {
      const options = parseAlarmOptions(config);
      inputs = inputOptions(config, options.defaultSeverity);
      formats = formatsOf(config.format);
      engine = new AlarmEngine(options, systemClock, { onEvent: sendEvent, onNotification: sendNotification, onChange: changed });
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }

    const commQuality = new CommQuality();
    const store = sinkStore<AlarmSnapshot>(RED, node, config.store, alarmSnapshotProblem);
    const save = async () => {
      if (!store || !loaded) return;
      try {
        await store.save(engine.snapshot());
      } catch (err) {
        status.warn(node, `could not save alarms: ${errorText(err)}`);
      }
    };
    const ready = (store ? store.load() : Promise.resolve(undefined))
      .then((snapshot) => {
        if (closing) return;
        const restored = snapshot ? engine.restore(snapshot) : 0;
        loaded = true;
        if (!store) node.warn('no Node-RED user directory and no context store: alarms will not survive a restart');
        if (store?.recovered) status.warn(node, `restored ${restored} alarm(s) from the last good copy (file was damaged)`);
        else showStatus();
        if (restored > 0) sendList();
      })
      .catch((err) => {
        loaded = true;
        status.warn(node, `could not restore alarms (${store?.describe}), starting empty: ${errorText(err)}`);
      });

    const runCommand = (c: ParsedCommand): number | unknown[] => {
      const actor = { by: c.by, comment: c.comment };
      switch (c.command) {
        case 'ack':
          return engine.acknowledge(c.target, actor);
        case 'shelve':
          return engine.shelve(c.target, { ...actor, durationMs: c.durationMs });
        case 'unshelve':
          return engine.unshelve(c.target, actor);
        case 'comment':
          return engine.comment(c.target, actor);
        case 'suppress':
          return engine.suppress(scopeOf(c.target), actor);
        case 'unsuppress':
          return engine.unsuppress(scopeOf(c.target), actor);
        case 'out-of-service':
          return engine.setOutOfService(c.target, true, actor);
        case 'in-service':
          return engine.setOutOfService(c.target, false, actor);
        case 'list':
          return engine.list(true);
      }
    };

    const actions: SinkActions = {
      list: (all) => ({ alarms: engine.list(all), kpis: engine.kpis() }),
      events: () => ({ events: engine.events() }),
      act: (action, body, by) => {
        let command: ParsedCommand;
        try {
          command = parseCommand(body, action, by);
        } catch (err) {
          throw new HttpError(400, errorText(err));
        }
        try {
          const result = runCommand(command);
          return Array.isArray(result) ? { alarms: result } : { ok: true, changed: result };
        } catch (err) {
          throw new HttpError(err instanceof AlarmCommandError ? (/^no alarm/.test(errorText(err)) ? 404 : 409) : 400, errorText(err));
        }
      },
    };
    sinks.set(node.id, actions);

    onInput(node, async (msg, send, done) => {
      await ready;
      if (closing) return done();
      const parsed = parseInput(msg as unknown as Record<string, unknown>, inputs);
      if (parsed.kind === 'command') {
        const result = runCommand(parsed.command);
        if (Array.isArray(result)) send([null, null, { ...msg, topic: 'alarms', payload: result, kpis: engine.kpis() }]);
      } else if (parsed.kind === 'maintenance') {
        const key = JSON.stringify(parsed.scope);
        const active = engine.suppressionScopes().some((s) => JSON.stringify(s) === key);
        if (parsed.on && !active) engine.suppress(parsed.scope, { by: parsed.by });
        if (!parsed.on && active) engine.unsuppress(parsed.scope, { by: parsed.by });
      } else if (parsed.kind === 'quality') {
        for (const obs of commQuality.apply(parsed.tags)) engine.observe(obs);
      } else {
        for (const obs of parsed.observations) engine.observe(obs);
      }
      done();
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      if (sinks.get(node.id) === actions) sinks.delete(node.id);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      engine.dispose();
      ready
        .then(() => (removed && store ? store.clear() : save()))
        .catch((err) => node.warn(`could not save alarms: ${errorText(err)}`))
        .finally(() => done());
    });
  }

  RED.nodes.registerType('millwright-alert-sink', AlertSinkNode);
};
