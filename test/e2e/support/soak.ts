// A soak of the pack in a started Node-RED: the simulated plant at ten times the demo's data rate
// through feature windows and anomaly detectors into the alert sink, measured from outside: throughput,
// the runtime's resident memory over time, sample-to-score latency, errors and whether it stayed up.
// Memory is read after a forced GC once a minute: a leak climbs steadily, a lazily grown heap levels off.
// The 2 s around each forced GC (its pause is the probe's, not the pack's) are left out of the latency.
import { readFileSync } from 'node:fs';
import { makeUserDir, removeDir, startNodeRed } from './packed-node-red';

export interface SoakFigures {
  minutes: number;
  msgsPerSec: number;
  /** RSS after a forced GC, at the end of the warm-up and at the end of the run. */
  rssStartMb: number;
  rssEndMb: number;
  rssDrift: number;
  /** The same without forcing a GC (what `ps` would show). */
  rssNoGcStartMb: number;
  rssNoGcEndMb: number;
  /** V8 heap in use after a forced GC at both ends. */
  heapStartMb: number;
  heapEndMb: number;
  /** Slope of the heap after the minutely forced GCs, first and second half of the measured window. */
  heapSlopeFirstHalfMbPerMin: number;
  heapSlopeSecondHalfMbPerMin: number;
  /** Minutely heap after GC, from the end of the warm-up. */
  heapSeries: HeapPoint[];
  p99LatencyMs: number;
  dropped: number;
  crashes: number;
  samples: number;
  scores: number;
  alarmsEvents: number;
  errors: number;
}

const STAMP = `msg.t0 = Date.now();\nmsg.payload = msg.payload.filter((x) => typeof x.value === 'number');\nconst s = global.get('soak') || { samples: 0, scores: 0, events: 0, lat: [] };\ns.samples += msg.payload.length;\nglobal.set('soak', s);\nreturn msg;`;
const SCORE = `const s = global.get('soak');\ns.scores++;\nif (typeof msg.t0 === 'number') { const l = Date.now() - msg.t0; if (s.lat.length < 20000) s.lat.push(l); else s.lat[Math.floor(Math.random() * 20000)] = l; }\nreturn msg;`;
const EVENT = `const s = global.get('soak'); if (s) s.events++; return null;`;
const ERR = `const s = global.get('soak'); if (s) s.errors = (s.errors || 0) + 1; return null;`;
const REPORT = `const s = global.get('soak') || { samples: 0, scores: 0, events: 0, lat: [] };\nconst lat = [...s.lat].sort((a, b) => a - b);\nmsg.payload = { samples: s.samples, scores: s.scores, events: s.events, errors: s.errors || 0, p99: lat.length ? lat[Math.floor(lat.length * 0.99)] : null, n: lat.length };\ns.lat = [];\nreturn msg;`;

/** The demo's plant snapshots once a second; the soak takes them every 0.1 s (ten times the rate). */
export function soakFlow(): unknown[] {
  const z = 'soak_tab';
  return [
    { id: z, type: 'tab', label: 'soak' },
    { id: 'soak_sim', type: 'millwright-plant-simulator', z, name: '', host: '127.0.0.1', opcua: false, opcuaPort: 0, modbus: false, modbusPort: 0, speed: 60, seed: '3', lifeHours: 720, interval: 0.1, waveform: false, wires: [['soak_stamp']] },
    { id: 'soak_stamp', type: 'function', z, func: STAMP, outputs: 1, wires: [['soak_untopic']] },
    { id: 'soak_untopic', type: 'change', z, rules: [{ t: 'delete', p: 'topic', pt: 'msg' }], wires: [['soak_window']] },
    { id: 'soak_window', type: 'millwright-feature-window', z, mode: 'count', size: 10, hop: 10, features: 'mean,std,max', keyBy: 'topic', store: '', wires: [['soak_detector']] },
    { id: 'soak_detector', type: 'millwright-anomaly-detector', z, detector: 'pca', learnSamples: 20, learnSeconds: 0, falseAlarmRate: 1, hysteresis: 0.8, suppression: 10, regimes: 0, contextFeatures: '', adapt: false, onnxModel: '', store: '', wires: [['soak_score']] },
    { id: 'soak_score', type: 'function', z, func: SCORE, outputs: 1, wires: [['soak_sink']] },
    { id: 'soak_sink', type: 'millwright-alert-sink', z, name: '', store: '', area: 'plant', wires: [[], ['soak_event'], []] },
    { id: 'soak_event', type: 'function', z, func: EVENT, outputs: 1, wires: [[]] },
    { id: 'soak_catch', type: 'catch', z, scope: null, uncaught: false, wires: [['soak_err']] },
    { id: 'soak_err', type: 'function', z, func: ERR, outputs: 1, wires: [[]] },
    { id: 'soak_http', type: 'http in', z, url: '/soak', method: 'get', wires: [['soak_report']] },
    { id: 'soak_report', type: 'function', z, func: REPORT, outputs: 1, wires: [['soak_out']] },
    { id: 'soak_out', type: 'http response', z, statusCode: '', headers: {}, wires: [] },
  ];
}

const PROBE = '/millwright-soak-probe';
// Answers on the admin app with the process's memory after two forced GCs (needs --expose-gc).
const PROBE_SETTINGS = `
  httpAdminMiddleware: function (req, res, next) {
    if (req.url !== '${PROBE}') return next();
    if (global.gc) { global.gc(); global.gc(); }
    const m = process.memoryUsage();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ gc: typeof global.gc === 'function', rss: m.rss, heapUsed: m.heapUsed }));
  },`;

export interface HeapPoint {
  /** Minutes since the end of the warm-up. */
  atMin: number;
  heapMb: number;
  rssMb: number;
}

/** Least-squares slope in MB per minute; NaN with fewer than three points. */
export function slopeMbPerMin(points: HeapPoint[]): number {
  if (points.length < 3) return Number.NaN;
  const xs = points.map((p) => p.atMin);
  const ys = points.map((p) => p.heapMb);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den > 0 ? num / den : Number.NaN;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** Runs the soak for the given minutes; warm-up (the first fifth, at most a minute) is not measured. */
export async function runSoak(minutes: number, log: (line: string) => void = console.log): Promise<SoakFigures> {
  const userDir = makeUserDir();
  const red = await startNodeRed(userDir, { flows: soakFlow(), settings: PROBE_SETTINGS, nodeArgs: ['--expose-gc'] });
  const get = async () => (await (await fetch(`${red.url}/soak`)).json()) as { samples: number; scores: number; events: number; errors: number; p99: number | null };
  const memory = async () => {
    const m = (await (await fetch(`${red.url}${PROBE}`)).json()) as { gc: boolean; rss: number; heapUsed: number };
    if (!m.gc) throw new Error('Node-RED was not started with --expose-gc');
    return { rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20 };
  };
  try {
    const totalMs = minutes * 60_000;
    const warmMs = Math.min(60_000, totalMs / 5);
    await new Promise((r) => setTimeout(r, warmMs));
    const rssNoGcStart = rssMb(red.pid);
    const memStart = await memory();
    const heapSeries: HeapPoint[] = [{ atMin: 0, heapMb: memStart.heapMb, rssMb: memStart.rssMb }];
    // The forced GC's pause must not count as the pack's latency: start the window 2 s after it.
    await new Promise((r) => setTimeout(r, 2000));
    const start = await get();
    const t0 = Date.now();
    const p99s: number[] = [];
    let last = start;
    let lastHeapAt = t0;
    while (Date.now() - t0 < totalMs - warmMs && red.alive()) {
      await new Promise((r) => setTimeout(r, Math.min(10_000, totalMs - warmMs)));
      if (!red.alive()) break;
      last = await get();
      if (last.p99 !== null) p99s.push(last.p99);
      log(`soak: ${((Date.now() - t0) / 1000).toFixed(0)} s, rss ${rssMb(red.pid).toFixed(1)} MB, p99 ${last.p99} ms, samples ${last.samples}, scores ${last.scores}, errors ${last.errors}`);
      if (Date.now() - lastHeapAt >= 60_000 && Date.now() - t0 < totalMs - warmMs - 15_000) {
        lastHeapAt = Date.now();
        const m = await memory();
        heapSeries.push({ atMin: (Date.now() - t0) / 60_000, heapMb: m.heapMb, rssMb: m.rssMb });
        log(`soak: heap after GC ${m.heapMb.toFixed(1)} MB, rss after GC ${m.rssMb.toFixed(1)} MB`);
        await new Promise((r) => setTimeout(r, 2000));
        last = await get(); // closes the window holding the GC pause; its latencies are dropped
      }
    }
    const seconds = (Date.now() - t0) / 1000;
    const crashed = !red.alive();
    const rssNoGcEnd = crashed ? NaN : rssMb(red.pid);
    const memEnd = crashed ? { rssMb: NaN, heapMb: NaN } : await memory();
    if (!crashed) heapSeries.push({ atMin: seconds / 60, heapMb: memEnd.heapMb, rssMb: memEnd.rssMb });
    const mid = seconds / 120;
    return {
      minutes,
      msgsPerSec: (last.samples - start.samples) / seconds,
      rssStartMb: memStart.rssMb,
      rssEndMb: memEnd.rssMb,
      rssDrift: (memEnd.rssMb - memStart.rssMb) / memStart.rssMb,
      rssNoGcStartMb: rssNoGcStart,
      rssNoGcEndMb: rssNoGcEnd,
      heapStartMb: memStart.heapMb,
      heapEndMb: memEnd.heapMb,
      heapSlopeFirstHalfMbPerMin: slopeMbPerMin(heapSeries.filter((p) => p.atMin <= mid)),
      heapSlopeSecondHalfMbPerMin: slopeMbPerMin(heapSeries.filter((p) => p.atMin >= mid)),
      heapSeries,
      p99LatencyMs: p99s.length ? Math.max(...p99s) : NaN,
      dropped: 0,
      crashes: crashed ? 1 : 0,
      samples: last.samples,
      scores: last.scores,
      alarmsEvents: last.events,
      errors: last.errors,
    };
  } finally {
    await red.stop();
    removeDir(userDir);
  }
}
