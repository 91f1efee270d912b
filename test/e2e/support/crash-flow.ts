// The flow and the outside view for the crash test: two anomaly detectors that learn a new key every
// second and save their model at every completed key, one to a write-through file context store and
// one to Node-RED's default, cached file store (flushed 0.25 s after a change here, not 30 s), and an
// alert sink whose alarms toggle several times a second (saved to its own file in the user directory).
// The test reads those files from outside while the runtime writes them, kills it, and asks the
// restarted runtime what it loaded (the nodes' statuses and the alert sink's admin API).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const TAB = 'crash_tab';
export const DETECTOR = 'crash_detector';
export const CACHED_DETECTOR = 'crash_detector_cached';
export const SINK = 'crash_sink';

/** 'file' writes through (no cache), so a save's callback means "on disk"; 'cached' flushes later. */
export const CRASH_SETTINGS = `contextStorage: {
    default: { module: 'memory' },
    file: { module: 'localfilesystem', config: { cache: false } },
    cached: { module: 'localfilesystem', config: { base: 'context-cached', flushInterval: 0.25 } },
  },`;

const GENERATE = `if (!global.get('run')) return null;
const n = (context.get('n') || 0) + 1;
context.set('n', n);
const sample = { topic: 'k' + Math.floor(Date.now() / 1000), payload: Math.sin(n / 3) + Math.random() * 0.1 };
const alarm = n % 3 === 0 ? { topic: 's' + (n % 20), payload: Math.random() < 0.5 } : null;
return [sample, alarm];`;
const RUN = `const run = msg.req.params.what === 'run'; global.set('run', run); msg.payload = { run }; return msg;`;
const DETECTOR_CONFIG = { detector: 'surprise', learnSamples: 20, learnSeconds: 0, falseAlarmRate: 1, hysteresis: 0.8, suppression: 10, regimes: 0, contextFeatures: '', adapt: false, onnxModel: '' };

export function crashFlow(): unknown[] {
  const z = TAB;
  return [
    { id: z, type: 'tab', label: 'crash persistence' },
    { id: 'crash_tick', type: 'inject', z, props: [{ p: 'payload' }], repeat: '0.02', once: true, onceDelay: 0.1, topic: '', payload: '', payloadType: 'date', wires: [['crash_gen']] },
    { id: 'crash_gen', type: 'function', z, func: GENERATE, outputs: 2, wires: [[DETECTOR, CACHED_DETECTOR], [SINK]] },
    { id: DETECTOR, type: 'millwright-anomaly-detector', z, ...DETECTOR_CONFIG, store: 'file', wires: [[]] },
    { id: CACHED_DETECTOR, type: 'millwright-anomaly-detector', z, ...DETECTOR_CONFIG, store: 'cached', wires: [[]] },
    { id: SINK, type: 'millwright-alert-sink', z, name: '', store: '', area: 'plant', chatterCount: 0, floodCount: 0, wires: [[], [], []] },
    { id: 'crash_run_in', type: 'http in', z, url: '/crash/:what', method: 'post', wires: [['crash_run']] },
    { id: 'crash_run', type: 'function', z, func: RUN, outputs: 1, wires: [['crash_out']] },
    { id: 'crash_out', type: 'http response', z, statusCode: '', headers: {}, wires: [] },
  ];
}

export const detectorFile = (userDir: string) => join(userDir, 'context', TAB, `${DETECTOR}.json`);
export const cachedDetectorFile = (userDir: string) => join(userDir, 'context-cached', TAB, `${CACHED_DETECTOR}.json`);
export const sinkFile = (userDir: string) => join(userDir, 'millwright', `alert-sink-${SINK}.json`);

/** What a saved state amounts to: keys learnt by each detector; last event number and alarm states of the sink. */
export interface SavedState {
  keys: number;
  cachedKeys: number;
  seq: number;
  alarms: string[];
}

export type Read<T> = { ok: true; value: T } | { ok: false; missing: boolean; error: string };

function readJson(path: string): Read<unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return { ok: false, missing: (err as NodeJS.ErrnoException).code === 'ENOENT', error: (err as Error).message };
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, missing: false, error: `${path}: ${(err as Error).message} (${text.length} bytes)` };
  }
}

export function detectorKeys(file: unknown): number {
  const engines = (file as { anomalyDetector?: { engines?: Record<string, unknown> } })?.anomalyDetector?.engines;
  return engines ? Object.keys(engines).length : 0;
}

interface SinkSnapshot {
  seq?: number;
  alarms?: Array<{ source: string; condition: string; state: string }>;
  events?: Array<{ seq: number }>;
}

export const alarmStates = (alarms: Array<{ source?: string; condition?: string; alarmId?: string; state: string }>) =>
  alarms.map((a) => `${a.alarmId ?? `${a.source}#${a.condition}`}=${a.state}`).sort();

export const lastEventSeq = (events: Array<{ seq: number }> | undefined) => (events ?? []).reduce((m, e) => Math.max(m, e.seq), 0);

/** Reads both state files as they are on disk now; a file that exists but does not parse is an error. */
export function readSaved(userDir: string): Read<SavedState> {
  const det = readJson(detectorFile(userDir));
  if (!det.ok && !det.missing) return det;
  const cached = readJson(cachedDetectorFile(userDir));
  if (!cached.ok && !cached.missing) return cached;
  const sink = readJson(sinkFile(userDir));
  if (!sink.ok && !sink.missing) return sink;
  const snap = (sink.ok ? sink.value : {}) as SinkSnapshot;
  return {
    ok: true,
    value: {
      keys: det.ok ? detectorKeys(det.value) : 0,
      cachedKeys: cached.ok ? detectorKeys(cached.value) : 0,
      seq: lastEventSeq(snap.events), alarms: alarmStates(snap.alarms ?? []),
    },
  };
}

const STATE_DIRS = ['context', 'context-cached', 'millwright'];

/** Every JSON state file the runtime keeps (context store, the pack's files, their backups). */
export function stateFiles(userDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.json') || name.endsWith('.json.bak')) out.push(full);
    }
  };
  for (const dir of STATE_DIRS) walk(join(userDir, dir));
  return out;
}

/** The files that do not parse as JSON (an empty list is the goal). */
export function corruptFiles(userDir: string): string[] {
  return stateFiles(userDir)
    .map((f) => readJson(f))
    .filter((r): r is { ok: false; missing: boolean; error: string } => !r.ok && !r.missing)
    .map((r) => r.error);
}

/** Temporary files in the state folders: a write in progress, or one a kill interrupted. */
export function tempFiles(userDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      try {
        if (statSync(full).isDirectory()) walk(full);
        else if (name.endsWith('.tmp')) out.push(full);
      } catch {
        // renamed away while we looked
      }
    }
  };
  for (const dir of STATE_DIRS) walk(join(userDir, dir));
  return out;
}
