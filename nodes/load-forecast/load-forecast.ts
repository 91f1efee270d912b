// Load forecast: energy-meter readings in, a base-load forecast (with interval and the seasonal-naive
// comparison) out on request; learned history persists in the context store.
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { toEpochMs, validateSample } from '../../lib/contracts';
import { type ForecastModel, LoadForecaster, type ForecasterSnapshot } from '../../lib/energy/forecast';
import { errorText, onInput, positiveInt, status, refuseForBadConfig } from '../shared/glue';
import { contextPersistence } from '../shared/persistence';

interface LoadForecastDef extends NodeDef {
  intervalMinutes: string;
  horizon: string;
  model: string;
  holidays: string;
  timezone: string;
  autoEmit: boolean;
  store: string;
}

const MODELS: ForecastModel[] = ['profile', 'naive', 'ridge'];

function readings(msg: NodeMessageInFlow): Array<[number, number]> {
  const payload = msg.payload as unknown;
  const msgTime = toEpochMs((msg as { timestamp?: unknown }).timestamp) ?? Date.now();
  if (typeof payload === 'number') {
    if (!Number.isFinite(payload)) throw new Error(`payload must be a finite kW reading, got ${payload}`);
    return [[msgTime, payload]];
  }
  if (Array.isArray(payload)) {
    return payload.map((row, i) => {
      const pair = Array.isArray(row) ? row : [(row as { timestamp?: unknown })?.timestamp, (row as { value?: unknown })?.value];
      const t = toEpochMs(pair[0]);
      if (t === undefined || typeof pair[1] !== 'number' || !Number.isFinite(pair[1])) throw new Error(`payload[${i}] must be [timestamp, kW] or {timestamp, value}, got ${JSON.stringify(row)}`);
      return [t, pair[1]] as [number, number];
    });
  }
  if (typeof payload === 'object' && payload !== null) {
    const s = validateSample(payload, 'payload');
    if (typeof s.value !== 'number') throw new Error(`payload.value of "${s.tag}" must be a number (kW), got ${typeof s.value}`);
    if (s.quality === 'bad') return [];
    return [[s.timestamp, s.value]];
  }
  throw new Error(`payload must be a kW reading, a sample, or an array of [timestamp, kW]; got ${payload === null ? 'null' : typeof payload}`);
}

export = function register(RED: NodeAPI): void {
  function LoadForecastNode(this: Node, config: LoadForecastDef) {
    RED.nodes.createNode(this, config);
    const node = this;
    let forecaster: LoadForecaster;
    let horizon: number;
    try {
      const model = (config.model || 'profile') as ForecastModel;
      if (!MODELS.includes(model)) throw new Error(`Model must be one of ${MODELS.join(', ')}, got "${config.model}"`);
      const intervalMinutes = config.intervalMinutes === undefined || config.intervalMinutes === '' ? undefined : positiveInt(config.intervalMinutes, 'Interval');
      horizon = positiveInt(config.horizon, 'Horizon', 96);
      const holidays = (config.holidays || '').split(/[\s,;]+/).filter(Boolean);
      const bad = holidays.find((h) => !/^\d{4}-\d{2}-\d{2}$/.test(h));
      if (bad) throw new Error(`Holidays: "${bad}" is not a YYYY-MM-DD date`);
      forecaster = new LoadForecaster({ intervalMinutes, model, holidays, timezone: config.timezone === 'utc' ? 'utc' : 'local' });
    } catch (err) {
      refuseForBadConfig(node, err);
      return;
    }
    const persistence = contextPersistence<ForecasterSnapshot>(node, 'loadForecast', config.store);
    const ready = persistence
      .load()
      .then((snapshot) => {
        if (snapshot) forecaster = LoadForecaster.restore(snapshot, forecaster.options);
        status.ok(node, snapshot ? `restored ${forecaster.size()} intervals` : 'waiting for meter readings');
      })
      .catch((err) => status.warn(node, `could not restore history: ${errorText(err)}`));
    let lastDay: string | undefined;
    let sinceSave = 0;

    onInput(node, async (msg, send, done) => {
      await ready;
      const topic = typeof msg.topic === 'string' ? msg.topic : '';
      if (topic === 'accuracy') {
        send({ ...msg, payload: forecaster.accuracy() });
        return done();
      }
      if (topic === 'forecast' || msg.payload === 'forecast') {
        const from = toEpochMs((msg as { from?: unknown }).from);
        const n = (msg as { horizon?: unknown }).horizon === undefined ? horizon : positiveInt((msg as { horizon?: unknown }).horizon, 'msg.horizon');
        const f = forecaster.forecast(n, from);
        send({ ...msg, topic: 'forecast', payload: f, accuracy: forecaster.accuracy() });
        status.ok(node, `forecast ${f.values.length} x ${f.intervalMinutes} min (${f.model})`);
        return done();
      }
      const rows = readings(msg);
      for (const [t, v] of rows) forecaster.observe(t, v);
      const last = rows[rows.length - 1];
      const day = last ? new Date(last[0]).toDateString() : lastDay;
      if (config.autoEmit && last && lastDay !== undefined && day !== lastDay && forecaster.intervalMinutes !== null) {
        const f = forecaster.forecast(horizon);
        send({ ...msg, topic: 'forecast', payload: f, accuracy: forecaster.accuracy() });
      }
      lastDay = day;
      // Persist now and then, not only on close, so a crash loses little history.
      if (++sinceSave >= 96) {
        sinceSave = 0;
        persistence.save(forecaster.snapshot()).catch((err) => node.warn(`could not save history: ${errorText(err)}`));
      }
      const acc = forecaster.accuracy();
      status.ok(node, `${forecaster.size()} intervals${acc.n ? `, MAE ${acc.mae.toFixed(1)} vs naive ${acc.naiveMae.toFixed(1)}` : ''}`);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      ready
        .then(() => persistence.save(forecaster.snapshot()))
        .catch((err) => node.warn(`could not save history: ${errorText(err)}`))
        .finally(() => done());
    });
  }

  RED.nodes.registerType('millwright-load-forecast', LoadForecastNode);
};
