// npm run bench -- window [--samples N] [--msgs N] [--blocks N] [--reps N] [--lib-only]
// The feature window's speed: sliding statistics in the lib, the FFT feature set, the same statistics
// recomputed naively, and the node inside a real Node-RED runtime (node-red-node-test-helper) against
// an empty function node and node-red-node-smooth doing a rolling mean, in the same runtime. The FFT
// feature set is timed beside a bare fft.js real FFT of the same block (the machine's FFT speed in the
// same run). --lib-only skips the Node-RED part (its figures are then null).
// node-red-node-smooth is installed for this benchmark only, into bench/out/ (git-ignored).
import FFT = require('fft.js');
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { SlidingStats } from '../lib/features/sliding-stats';
import { spectralFeatures, SPECTRAL_FEATURES, type SpectralOptions } from '../lib/features/spectral';
import { batchMoments, momentFeatures, TIME_DOMAIN_FEATURES } from '../lib/features/time-domain';
import { finish, parseArgs, round } from './_shared';

const args = parseArgs();
const intArg = (name: string, fallback: number) => (typeof args[name] === 'string' ? Math.max(1, Math.floor(Number(args[name]))) : fallback);
const REPS = intArg('reps', 3);
const LIB_SAMPLES = intArg('samples', 20_000_000);
const MSGS = intArg('msgs', 100_000);
const BLOCKS = intArg('blocks', 2_000);
const WINDOW = 1024;

/**
 * Elapsed time of the benchmark process: CPU (user + system) and wall clock. Rates are figured on CPU
 * time because the machine is shared; the wall-clock figures are printed beside them.
 */
class Clock {
  private readonly c0 = process.cpuUsage();
  private readonly t0 = performance.now();
  stop(): { cpu: number; wall: number } {
    const c = process.cpuUsage(this.c0);
    return { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - this.t0) / 1000 };
  }
}

const wallFigures = new Map<string, number[]>();
function wall(label: string, value: number): void {
  const list = wallFigures.get(label) ?? [];
  list.push(value);
  wallFigures.set(label, list);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Deterministic noise so every run sees the same input. */
function signal(n: number, seed = 1): Float64Array {
  let s = seed;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    x[i] = Math.sin(i * 0.01) + s / 2147483647 - 0.5;
  }
  return x;
}

// ---- lib ----------------------------------------------------------------------------------------

function libSlidingRate(): number {
  const data = signal(1 << 16);
  const rates: number[] = [];
  for (let r = 0; r < REPS + 1; r++) {
    const stats = new SlidingStats(WINDOW);
    const clock = new Clock();
    for (let done = 0; done < LIB_SAMPLES; done += data.length) stats.pushMany(data, 0, Math.min(data.length, LIB_SAMPLES - done), done, 1, WINDOW);
    const t = clock.stop();
    if (!Number.isFinite(stats.mean)) throw new Error('sliding statistics went non-finite');
    if (r > 0) {
      // The first run warms the JIT up.
      rates.push(LIB_SAMPLES / t.cpu);
      wall('lib M samples/s', LIB_SAMPLES / t.wall / 1e6);
    }
  }
  return median(rates);
}

/** Machine speed reference: a plain sum of squares over the same data (per CPU second). */
function referenceLoopRate(): number {
  const data = signal(1 << 16);
  const rates: number[] = [];
  let acc = 0;
  for (let r = 0; r < REPS + 1; r++) {
    const clock = new Clock();
    for (let done = 0; done < LIB_SAMPLES; done += data.length) for (let i = 0; i < data.length; i++) acc += data[i] * data[i];
    if (r > 0) rates.push(LIB_SAMPLES / clock.stop().cpu);
  }
  if (!Number.isFinite(acc)) throw new Error('reference loop went non-finite');
  return median(rates);
}

/** Per sample, all 14 time-domain features of the 1024-sample window: incremental vs recomputed. */
function naiveSpeedup(): { incrementalPerSec: number; naivePerSec: number } {
  const data = signal(1 << 16, 7);
  const out: Record<string, number> = {};
  const incRates: number[] = [];
  const naiveRates: number[] = [];
  const incSamples = 2_000_000;
  const naiveSamples = 20_000;
  let sink = 0;
  for (let r = 0; r < REPS + 1; r++) {
    const stats = new SlidingStats(WINDOW);
    stats.pushMany(data, 0, WINDOW, 0, 1, WINDOW);
    let clock = new Clock();
    for (let i = 0; i < incSamples; i++) {
      stats.pushMany(data, (WINDOW + i) & 0xffff, 1, i, 1, WINDOW);
      momentFeatures(stats, TIME_DOMAIN_FEATURES, out);
      sink += out.kurtosis;
    }
    const inc = clock.stop();
    clock = new Clock();
    for (let i = 0; i < naiveSamples; i++) {
      const start = i % (data.length - WINDOW);
      momentFeatures(batchMoments(data.subarray(start, start + WINDOW)), TIME_DOMAIN_FEATURES, out);
      sink += out.kurtosis;
    }
    const naive = clock.stop();
    if (r > 0) {
      incRates.push(incSamples / inc.cpu);
      naiveRates.push(naiveSamples / naive.cpu);
    }
  }
  if (!Number.isFinite(sink)) throw new Error('features went non-finite');
  return { incrementalPerSec: median(incRates), naivePerSec: median(naiveRates) };
}

const BEARING = { rollingElements: 9, ballDiameter: 7.94, pitchDiameter: 39.04 };

interface FftFigures {
  /** Median, min and max over the reps of the feature set's CPU ms per block. */
  ms: number;
  min: number;
  max: number;
  /** Median over the reps of (feature set time / bare fft.js real FFT time) measured back to back. */
  vsRealFft: number;
  realFftMs: number;
}

/** The spectral feature set on a 4096-sample block, each rep followed by a bare fft.js real FFT of it. */
function fftMs(options: SpectralOptions, names: readonly string[]): FftFigures {
  const block = signal(4096, 3);
  const runs = 3000;
  const times: number[] = [];
  const bare: number[] = [];
  const ratios: number[] = [];
  const label = `FFT set ms (${names.length} features${options.envelopeBand ? ', envelope band' : ''})`;
  const fft = new FFT(block.length);
  const spectrum = fft.createComplexArray() as number[];
  let sink = 0;
  for (let r = 0; r < REPS + 1; r++) {
    let clock = new Clock();
    for (let i = 0; i < runs; i++) sink += spectralFeatures(block, 12000, names as typeof SPECTRAL_FEATURES[number][], options)[names[0]];
    const t = clock.stop();
    clock = new Clock();
    for (let i = 0; i < runs; i++) {
      fft.realTransform(spectrum, block);
      sink += spectrum[2];
    }
    const b = clock.stop();
    if (r > 0) {
      times.push((t.cpu * 1000) / runs);
      bare.push((b.cpu * 1000) / runs);
      ratios.push(t.cpu / b.cpu);
      wall(label, (t.wall * 1000) / runs);
    }
  }
  if (!Number.isFinite(sink)) throw new Error('spectral features went non-finite');
  return { ms: median(times), min: Math.min(...times), max: Math.max(...times), vsRealFft: median(ratios), realFftMs: median(bare) };
}

// ---- node inside Node-RED -----------------------------------------------------------------------

function smoothModule(): string | undefined {
  const dir = join(__dirname, 'out', 'smooth');
  const entry = join(dir, 'node_modules', 'node-red-node-smooth', '17-smooth.js');
  if (existsSync(entry)) return entry;
  mkdirSync(dir, { recursive: true });
  try {
    console.log('installing node-red-node-smooth into bench/out/smooth (benchmark only)');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    execFileSync(npm, ['install', '--prefix', dir, 'node-red-node-smooth@^0.1.2', '--no-save', '--no-package-lock', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  } catch (err) {
    console.log(`could not install node-red-node-smooth: ${(err as Error).message}`);
  }
  return existsSync(entry) ? entry : undefined;
}

interface RuntimeFigures {
  nodeMsgsPerSec: number;
  emptyFunctionMsgsPerSec: number;
  smoothMsgsPerSec: number | null;
  nodeBlockSamplesPerSec: number;
  nodeBlockSpectralSamplesPerSec: number;
}

async function runtimeFigures(): Promise<RuntimeFigures> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const helper = require('node-red-node-test-helper');
  helper.init(require.resolve('node-red'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const featureWindowNode = require('../nodes/feature-window/feature-window');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const functionNode = require('@node-red/nodes/core/function/10-function.js');
  const smoothPath = smoothModule();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodes = [featureWindowNode, functionNode, ...(smoothPath ? [require(smoothPath)] : [])];
  await new Promise<void>((resolve) => helper.startServer(resolve));

  const fwConfig = { type: 'millwright-feature-window', size: 100, hop: 100, features: 'mean,std,rms,min,max', store: '' };
  const candidates: Record<string, Record<string, unknown>> = {
    node: fwConfig,
    emptyFunction: { type: 'function', func: 'return msg;', outputs: 1, noerr: 0, initialize: '', finalize: '', libs: [] },
    ...(smoothPath ? { smooth: { type: 'smooth', action: 'mean', count: '100', round: '', mult: 'multi', reduce: false } } : {}),
    block: { ...fwConfig, size: WINDOW, hop: WINDOW },
    blockSpectral: { ...fwConfig, size: WINDOW, hop: WINDOW, features: 'mean,std,rms,kurtosis,dominantFrequency,spectralCentroid,spectralKurtosis', sampleRate: '10000' },
  };

  /** Sends `count` msgs from a source node through the node under test; returns msgs per second. */
  async function measure(name: string, config: Record<string, unknown>, count: number, makeMsg: (i: number) => Record<string, unknown>): Promise<number> {
    const flow = [
      { id: 'src', type: 'helper', wires: [['dut']] },
      { id: 'dut', name: '', wires: [['sink']], ...config },
      { id: 'sink', type: 'helper' },
    ];
    await helper.load(nodes, flow);
    const src = helper.getNode('src');
    const dut = helper.getNode('dut');
    let received = 0;
    let wake: (() => void) | undefined;
    let target = 0;
    // Registered after the node's own handler, so it runs once the node has processed the msg.
    dut.on('input', () => {
      if (++received >= target && wake) wake();
    });
    let errors = 0;
    dut.on('call:error', () => errors++);
    const batch = 1000;
    const run = async (n: number) => {
      for (let sent = 0; sent < n; sent += batch) {
        target = received + Math.min(batch, n - sent);
        const arrived = new Promise<void>((resolve) => (wake = resolve));
        for (let i = 0; i < Math.min(batch, n - sent); i++) src.send(makeMsg(sent + i));
        await arrived;
      }
      await new Promise((resolve) => setImmediate(resolve));
    };
    await run(Math.min(2000, count)); // warm-up
    const clock = new Clock();
    await run(count);
    const t = clock.stop();
    await helper.unload();
    if (errors) throw new Error(`${config.type} reported ${errors} errors during the benchmark`);
    wall(`${name} ${name.startsWith('block') ? 'blocks' : 'msgs'}/s`, count / t.wall);
    return count / t.cpu;
  }

  const scalar = (i: number) => ({ topic: `sensor${i & 3}`, payload: Math.sin(i * 0.01) });
  const block = Array.from(signal(WINDOW, 5));
  // Block timestamps keep rising across runs (each run loads a fresh flow, but keep them honest anyway).
  let blockTime = 1_700_000_000_000;
  const blockMsg = () => ({ topic: 'vib', payload: block, sampleRate: 10000, timestamp: (blockTime += 102.4) });
  const figures: Record<string, number[]> = {};
  for (let r = 0; r < REPS; r++) {
    // Interleaved so that drift in machine load affects every candidate alike.
    for (const name of Object.keys(candidates)) {
      const isBlock = name.startsWith('block');
      const rate = await measure(name, candidates[name], isBlock ? BLOCKS : MSGS, isBlock ? blockMsg : scalar);
      (figures[name] ??= []).push(isBlock ? rate * WINDOW : rate);
    }
  }
  await new Promise<void>((resolve) => helper.stopServer(resolve));
  return {
    nodeMsgsPerSec: median(figures.node),
    emptyFunctionMsgsPerSec: median(figures.emptyFunction),
    smoothMsgsPerSec: figures.smooth ? median(figures.smooth) : null,
    nodeBlockSamplesPerSec: median(figures.block),
    nodeBlockSpectralSamplesPerSec: median(figures.blockSpectral),
  };
}

async function main() {
  console.log(`window benchmark: ${REPS} reps (medians), ${LIB_SAMPLES} lib samples, ${MSGS} msgs, ${BLOCKS} blocks of ${WINDOW}`);
  console.log('rates per CPU second of this process (the machine is shared); wall-clock figures follow at the end');
  const libSamplesPerSec = libSlidingRate();
  const reference = referenceLoopRate();
  console.log(`lib sliding statistics, window ${WINDOW}: ${(libSamplesPerSec / 1e6).toFixed(1)} M samples/s (target >= 20); machine reference: a plain sum of squares runs at ${(reference / 1e6).toFixed(0)} M/s`);

  const naive = naiveSpeedup();
  const speedup = naive.incrementalPerSec / naive.naivePerSec;
  const updateSpeedup = libSamplesPerSec / naive.naivePerSec;
  console.log(`all 14 time-domain features every sample: incremental ${(naive.incrementalPerSec / 1e6).toFixed(2)} M/s, recomputed ${(naive.naivePerSec / 1e3).toFixed(1)} k/s: ${speedup.toFixed(0)}x (the sliding update alone: ${updateSpeedup.toFixed(0)}x)`);

  const allSpectral = SPECTRAL_FEATURES;
  const options: SpectralOptions = { bands: [[0, 500], [500, 2000], [2000, 6000]], bearing: BEARING, shaftHz: 30 };
  const fftAll = fftMs(options, allSpectral);
  const fft4096Ms = fftAll.ms;
  const fftBandMs = fftMs({ ...options, envelopeBand: [3000, 6000] }, allSpectral).ms;
  const fftNoEnvelopeMs = fftMs(options, ['dominantFrequency', 'dominantAmplitude', 'spectralCentroid', 'spectralSpread', 'spectralKurtosis', 'bandEnergy']).ms;
  console.log(`FFT feature set, 4096 samples: ${fft4096Ms.toFixed(3)} ms all features (default envelope band fs/8..fs/2; reps ${fftAll.min.toFixed(3)}-${fftAll.max.toFixed(3)}), ${fftBandMs.toFixed(3)} ms with a 3-6 kHz envelope band, ${fftNoEnvelopeMs.toFixed(3)} ms without the envelope (target <= 0.1)`);
  console.log(`  same run: a bare fft.js real FFT of the block takes ${fftAll.realFftMs.toFixed(4)} ms; the full set costs ${fftAll.vsRealFft.toFixed(2)} of them`);

  const rt: RuntimeFigures | undefined = args['lib-only'] ? undefined : await runtimeFigures();
  if (!rt) {
    console.log('Node-RED part skipped (--lib-only)');
    finish({
      libSamplesPerSec: Math.round(libSamplesPerSec),
      fft4096Ms: round(fft4096Ms, 4),
      naiveSpeedup: round(speedup, 1),
      naiveUpdateSpeedup: round(updateSpeedup, 1),
      nodeMsgsPerSec: null,
      emptyFunctionMsgsPerSec: null,
      smoothMsgsPerSec: null,
      nodeBlockSamplesPerSec: null,
      fft4096EnvelopeBandMs: round(fftBandMs, 4),
      fft4096NoEnvelopeMs: round(fftNoEnvelopeMs, 4),
      fft4096VsRealFft: round(fftAll.vsRealFft, 2),
      fftjsReal4096Ms: round(fftAll.realFftMs, 4),
      referenceSumSquaresPerSec: Math.round(reference),
    });
    return;
  }
  const vsFunction = rt.nodeMsgsPerSec / rt.emptyFunctionMsgsPerSec;
  console.log(`Node-RED: feature window ${Math.round(rt.nodeMsgsPerSec)} msgs/s, empty function ${Math.round(rt.emptyFunctionMsgsPerSec)} msgs/s (ratio ${vsFunction.toFixed(2)}; target >= ${(1 / 1.5).toFixed(2)})`);
  if (rt.smoothMsgsPerSec !== null) console.log(`Node-RED: node-red-node-smooth rolling mean ${Math.round(rt.smoothMsgsPerSec)} msgs/s (feature window / smooth ${(rt.nodeMsgsPerSec / rt.smoothMsgsPerSec).toFixed(2)})`);
  else console.log('Node-RED: node-red-node-smooth not available, no comparison');
  console.log(`Node-RED: 1024-sample blocks ${(rt.nodeBlockSamplesPerSec / 1e6).toFixed(2)} M samples/s (time domain), ${(rt.nodeBlockSpectralSamplesPerSec / 1e6).toFixed(2)} M samples/s (with spectral features)`);

  const walls = [...wallFigures].map(([label, xs]) => `${label} ${median(xs).toPrecision(4)}`);
  console.log(`wall clock (medians): ${walls.join('; ')}`);
  finish({
    libSamplesPerSec: Math.round(libSamplesPerSec),
    fft4096Ms: round(fft4096Ms, 4),
    naiveSpeedup: round(speedup, 1),
    naiveUpdateSpeedup: round(updateSpeedup, 1),
    nodeMsgsPerSec: Math.round(rt.nodeMsgsPerSec),
    emptyFunctionMsgsPerSec: Math.round(rt.emptyFunctionMsgsPerSec),
    smoothMsgsPerSec: rt.smoothMsgsPerSec === null ? null : Math.round(rt.smoothMsgsPerSec),
    nodeBlockSamplesPerSec: Math.round(rt.nodeBlockSamplesPerSec),
    nodeVsFunction: round(vsFunction, 3),
    nodeVsSmooth: rt.smoothMsgsPerSec === null ? null : round(rt.nodeMsgsPerSec / rt.smoothMsgsPerSec, 3),
    fft4096EnvelopeBandMs: round(fftBandMs, 4),
    fft4096NoEnvelopeMs: round(fftNoEnvelopeMs, 4),
    fft4096VsRealFft: round(fftAll.vsRealFft, 2),
    fftjsReal4096Ms: round(fftAll.realFftMs, 4),
    nodeBlockSpectralSamplesPerSec: Math.round(rt.nodeBlockSpectralSamplesPerSec),
    referenceSumSquaresPerSec: Math.round(reference),
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
