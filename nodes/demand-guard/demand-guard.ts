// Demand guard with start sequencer: meter readings and start/stop commands in, commands out
// (start, stop, shed, release), at most one start per gap, the quarter-hour peak held under target.
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { type Command, toEpochMs, validateCommand, validateSample } from '../../lib/contracts';
import { DemandGuard, type GuardLoad, type GuardSnapshot } from '../../lib/energy/guard';
import { type Send, errorText, guarded, onInput, status, refuseForBadConfig } from '../shared/glue';
import { contextPersistence } from '../shared/persistence';

interface DemandGuardDef extends NodeDef {
  targetKw: string;
  intervalMinutes: string;
  startGap: string;
  minShed: string;
  margin: string;
  loads: string;
  clock: string;
  store: string;
}

function number(value: unknown, field: string, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`${field} must be a number >= ${min}, got "${String(value)}"`);
  return n;
}

function parseLoads(text: string): GuardLoad[] {
  if (!text || !text.trim()) return [];
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch (err) {
    throw new Error(`Loads must be JSON: ${errorText(err)}`);
  }
  if (!Array.isArray(list)) throw new Error('Loads must be a JSON array of {id, powerKw, priority}');
  return list.map((l, i) => {
    if (typeof l !== 'object' || l === null || typeof l.id !== 'string') throw new Error(`Loads[${i}]: expected {id, powerKw, priority}`);
    return { id: l.id, powerKw: Number(l.powerKw), priority: Number(l.priority ?? 0), sheddable: l.sheddable !== false };
  });
}

export = function register(RED: NodeAPI): void {
  function DemandGuardNode(this: Node, config: DemandGuardDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let guard: DemandGuard;
    try {
      guard = new DemandGuard({
        targetKw: number(config.targetKw, 'Target peak', NaN, 0),
        intervalMinutes: number(config.intervalMinutes, 'Interval', 15, 1),
        startGapSeconds: number(config.startGap, 'Start gap', 10, 0),
        minShedSeconds: number(config.minShed, 'Minimum shed time', 60, 0),
        releaseMarginKw: number(config.margin, 'Release margin', 0, 0),
        loads: parseLoads(config.loads),
      });
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }
    const externalClock = config.clock === 'msg';
    let simulatedNow: number | undefined;
    const now = () => (externalClock ? (simulatedNow ?? Date.now()) : Date.now());
    const persistence = contextPersistence<GuardSnapshot>(node, 'demandGuard', config.store);
    let lastSend: Send = (msg) => node.send(msg as never);

    const show = () => {
      const s = guard.status(now());
      const text = `${s.projectedKw.toFixed(0)}/${s.targetKw} kW, ${s.running} on${s.shed.length ? `, shed ${s.shed.join(',')}` : ''}${s.waiting.length ? `, waiting ${s.waiting.length}` : ''}`;
      if (s.shed.length || s.projectedKw > s.targetKw) status.warn(node, text);
      else status.ok(node, text);
    };
    const emit = (send: Send, commands: Command[]) => {
      for (const c of commands) send({ topic: c.loadId, payload: c });
      if (commands.length) void persistence.save(guard.snapshot()).catch((err) => node.warn(`could not save guard state: ${errorText(err)}`));
      show();
    };

    const ready = persistence
      .load()
      .then((snapshot) => {
        if (snapshot) guard.restore(snapshot);
        show();
      })
      .catch((err) => status.warn(node, `could not restore guard state: ${errorText(err)}`));
    const timer = externalClock ? undefined : setInterval(guarded(node, () => emit(lastSend, guard.tick(Date.now()))), 1000);

    onInput(node, async (msg, send, done) => {
      await ready;
      lastSend = send;
      const topic = typeof msg.topic === 'string' ? msg.topic : '';
      const payload = msg.payload as unknown;
      const msgTime = toEpochMs((msg as { timestamp?: unknown }).timestamp);
      if (topic === 'tick' || topic === 'clock') {
        const t = toEpochMs(payload);
        if (t === undefined) throw new Error(`tick: payload must be the time (epoch ms or ISO), got ${JSON.stringify(payload)}`);
        simulatedNow = t;
        emit(send, guard.tick(t));
        return done();
      }
      if (topic === 'loads') {
        const list = Array.isArray(payload) ? parseLoads(JSON.stringify(payload)) : [];
        if (!Array.isArray(payload)) throw new Error('loads: payload must be an array of {id, powerKw, priority}');
        list.forEach((l) => guard.define(l));
        show();
        return done();
      }
      if (typeof payload === 'object' && payload !== null && 'loadId' in (payload as object)) {
        const cmd = validateCommand(payload, 'payload');
        const p = payload as { powerKw?: unknown; priority?: unknown };
        if (typeof p.powerKw === 'number') cmd.powerKw = p.powerKw;
        if (typeof p.priority === 'number') cmd.priority = p.priority;
        const t = msgTime ?? now();
        if (externalClock) simulatedNow = Math.max(simulatedNow ?? t, t);
        emit(send, guard.request(cmd, t));
        return done();
      }
      let kw: number;
      let t = msgTime ?? now();
      if (typeof payload === 'number') kw = payload;
      else if (typeof payload === 'object' && payload !== null) {
        const s = validateSample(payload, 'payload');
        if (typeof s.value !== 'number') throw new Error(`payload.value of "${s.tag}" must be a number (kW), got ${typeof s.value}`);
        kw = s.value;
        t = s.timestamp;
      } else throw new Error(`payload must be a plant kW reading, a sample, or a command {loadId, action}; got ${payload === null ? 'null' : typeof payload}`);
      if (externalClock) simulatedNow = t;
      emit(send, guard.meter(kw, t));
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      if (timer) clearInterval(timer);
      ready
        .then(() => persistence.save(guard.snapshot()))
        .catch((err) => node.warn(`could not save guard state: ${errorText(err)}`))
        .finally(() => done());
    });
  }

  RED.nodes.registerType('millwright-demand-guard', DemandGuardNode);
};
