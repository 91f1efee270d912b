// Unified Namespace: an ISA-95 topic tree (enterprise/site/area/line/machine/...) and the metrics each
// Millwright contract publishes into it.
import type { AlarmEvent, AnomalyScore, FeatureVector, RulEstimate, Sample, Schedule } from '../contracts';
import type { Metric } from './sparkplug';

export interface UnsPath {
  enterprise: string;
  site: string;
  area: string;
  line: string;
}

/** A topic segment: MQTT wildcards and separators replaced, never empty. */
export function segment(text: string): string {
  const s = text.trim().replace(/[+#/\s]+/g, '_');
  return s || '_';
}

export function unsTopic(path: UnsPath, machine: string, ...rest: string[]): string {
  return [path.enterprise, path.site, path.area, path.line, machine, ...rest].map(segment).join('/');
}

export type ContractKind = 'sample' | 'samples' | 'features' | 'anomaly' | 'rul' | 'schedule' | 'alarm';

export interface Classified {
  kind: ContractKind;
  /** The machine or asset the payload belongs to, when the payload names it. */
  machine?: string;
  metrics: Metric[];
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function sampleMetric(s: Sample): Metric | undefined {
  if (!(finite(s.value) || typeof s.value === 'boolean' || typeof s.value === 'string')) return undefined;
  return { name: s.tag, value: s.value, unit: s.unit, timestamp: s.timestamp };
}

/** Recognises a Millwright contract in a payload and flattens it to metrics. */
export function classify(payload: unknown): Classified {
  if (Array.isArray(payload) && payload.length > 0 && payload.every((p) => isObj(p) && typeof p.tag === 'string' && 'value' in p)) {
    return { kind: 'samples', metrics: (payload as Sample[]).map(sampleMetric).filter((m): m is Metric => m !== undefined) };
  }
  if (!isObj(payload)) throw new Error('payload must be a Millwright sample, sample list, feature vector, anomaly score, RUL estimate, schedule or alarm event');
  if (typeof payload.tag === 'string' && 'value' in payload && 'quality' in payload) {
    const m = sampleMetric(payload as unknown as Sample);
    if (!m) throw new Error(`sample "${payload.tag}": value must be a finite number, boolean or string to publish`);
    return { kind: 'sample', metrics: [m] };
  }
  if (isObj(payload.features) && typeof payload.key === 'string') {
    const f = payload as unknown as FeatureVector;
    // A key "Machine/Signal" (a window keyed by tag) publishes under the machine as Signal/<feature>.
    const [machine, ...signal] = f.key.split('/');
    const prefix = signal.length ? signal.join('/') : 'features';
    return { kind: 'features', machine, metrics: Object.entries(f.features).filter(([, v]) => finite(v)).map(([name, value]) => ({ name: `${prefix}/${name}`, value, timestamp: f.windowEnd })) };
  }
  if (finite(payload.score) && typeof payload.anomaly === 'boolean') {
    const a = payload as unknown as AnomalyScore;
    const metrics: Metric[] = [
      { name: 'anomaly/score', value: a.score, timestamp: a.timestamp },
      { name: 'anomaly/flag', value: a.anomaly, timestamp: a.timestamp },
    ];
    if (a.regime !== undefined) metrics.push({ name: 'anomaly/regime', value: String(a.regime), timestamp: a.timestamp });
    return { kind: 'anomaly', machine: a.key, metrics };
  }
  if (finite(payload.estimate) && finite(payload.lower) && finite(payload.upper)) {
    const r = payload as unknown as RulEstimate;
    return {
      kind: 'rul',
      machine: typeof r.asset === 'string' ? r.asset : undefined,
      metrics: [
        { name: 'rul/estimate', value: r.estimate, unit: r.unit, timestamp: r.timestamp },
        { name: 'rul/lower', value: r.lower, unit: r.unit, timestamp: r.timestamp },
        { name: 'rul/upper', value: r.upper, unit: r.unit, timestamp: r.timestamp },
        { name: 'rul/healthIndex', value: finite(r.healthIndex) ? r.healthIndex : 0, timestamp: r.timestamp },
      ],
    };
  }
  if (Array.isArray(payload.loads) && Array.isArray(payload.profileKw)) {
    const s = payload as unknown as Schedule;
    return {
      kind: 'schedule',
      metrics: [
        { name: 'schedule/peakKw', value: finite(s.peakKw) ? s.peakKw : 0, unit: 'kW', timestamp: s.startTime },
        { name: 'schedule/costTotal', value: finite(s.cost?.total) ? s.cost.total : 0, timestamp: s.startTime },
        { name: 'schedule/status', value: String(s.status), timestamp: s.startTime },
      ],
    };
  }
  if (typeof payload.alarmId === 'string' && typeof payload.state === 'string') {
    const e = payload as unknown as AlarmEvent;
    const base = `alarms/${e.condition ?? e.alarmId}`;
    return {
      kind: 'alarm',
      machine: typeof e.source === 'string' ? e.source : undefined,
      metrics: [
        { name: `${base}/state`, value: e.state, timestamp: e.timestamp },
        { name: `${base}/active`, value: Boolean(e.active), timestamp: e.timestamp },
        { name: `${base}/acked`, value: Boolean(e.acked), timestamp: e.timestamp },
        { name: `${base}/severity`, value: finite(e.severity) ? e.severity : 0, timestamp: e.timestamp },
      ],
    };
  }
  throw new Error('payload is not a Millwright contract this node publishes (sample, sample list, feature vector, anomaly score, RUL estimate, schedule, alarm event)');
}
