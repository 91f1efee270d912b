import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import FFT = require('fft.js');
import { Plant } from '../../lib/simulator/plant';
import { BPFO_ORDER } from '../../lib/simulator/waveform';

interface FftLike {
  createComplexArray(): number[];
  realTransform(out: number[], input: ArrayLike<number>): void;
  completeSpectrum(spectrum: number[]): void;
  transform(out: number[], input: number[]): void;
  inverseTransform(out: number[], input: number[]): void;
}

/**
 * Envelope spectrum the textbook way: band-pass around the structural resonance, take the analytic
 * signal (positive frequencies only), its magnitude is the envelope; then the envelope's spectrum.
 */
function envelopeSpectrum(block: number[], fs: number, band: [number, number]): number[] {
  const n = block.length;
  const fft = new FFT(n) as unknown as FftLike;
  const spectrum = fft.createComplexArray();
  fft.realTransform(spectrum, block);
  fft.completeSpectrum(spectrum);
  const analytic = fft.createComplexArray();
  for (let k = 1; k < n / 2; k++) {
    const f = (k * fs) / n;
    if (f < band[0] || f > band[1]) continue;
    analytic[2 * k] = 2 * spectrum[2 * k];
    analytic[2 * k + 1] = 2 * spectrum[2 * k + 1];
  }
  const time = fft.createComplexArray();
  fft.inverseTransform(time, analytic);
  const envelope = Array.from({ length: n }, (_, i) => Math.hypot(time[2 * i], time[2 * i + 1]));
  const mean = envelope.reduce((a, b) => a + b, 0) / n;
  const out = fft.createComplexArray();
  fft.realTransform(out, envelope.map((v) => v - mean));
  return Array.from({ length: n / 2 }, (_, k) => Math.hypot(out[2 * k], out[2 * k + 1]));
}

function cuttingPlant(lifeUsed: number): Plant {
  const plant = new Plant({ seed: 11, startTime: Date.UTC(2026, 0, 1), lifeUsed });
  for (let i = 0; i < 600 && !(plant.read('Spindle/Mode').value === 'cutting' && (plant.read('Spindle/Speed').value as number) > 11900); i++) plant.step(1);
  assert.equal(plant.read('Spindle/Mode').value, 'cutting');
  return plant;
}

/** How far the envelope spectrum at BPFO stands above its median (the noise floor). */
function bpfoProminence(plant: Plant): { prominence: number; peakHz: number; bpfoHz: number } {
  const block = plant.read('Spindle/Vibration').value as number[];
  const fs = plant.read('Spindle/VibrationSampleRate').value as number;
  const shaftHz = (plant.read('Spindle/Speed').value as number) / 60;
  const bpfoHz = BPFO_ORDER * shaftHz;
  const env = envelopeSpectrum(block, fs, [2000, 4000]);
  const binHz = fs / block.length;
  const lo = Math.round(100 / binHz);
  const hi = Math.round(1500 / binHz);
  const search = env.slice(lo, hi);
  const sorted = search.slice().sort((a, b) => a - b);
  const floor = sorted[Math.floor(sorted.length / 2)];
  const k = Math.round(bpfoHz / binHz);
  const atBpfo = Math.max(env[k - 1], env[k], env[k + 1]);
  const peakBin = lo + search.indexOf(Math.max(...search));
  return { prominence: atBpfo / floor, peakHz: peakBin * binHz, bpfoHz };
}

describe('plant simulator: spindle vibration block', () => {
  it('shows the outer-race defect frequency in the envelope spectrum under a bearing defect', () => {
    const plant = cuttingPlant(0);
    plant.injectFault('Spindle', 'bearing');
    plant.step(0.5);
    const { prominence, peakHz, bpfoHz } = bpfoProminence(plant);
    assert.ok(prominence > 8, `BPFO only ${prominence.toFixed(1)}x the floor`);
    assert.ok(Math.abs(peakHz - bpfoHz) <= 2 * (8192 / 1024), `envelope peak at ${peakHz} Hz, BPFO ${bpfoHz} Hz`);
  });

  it('has no BPFO line for a new bearing', () => {
    const plant = cuttingPlant(0);
    plant.step(0.5);
    const { prominence } = bpfoProminence(plant);
    assert.ok(prominence < 4, `healthy bearing shows BPFO ${prominence.toFixed(1)}x the floor`);
  });

  it('carries the shaft frequency in the raw spectrum', () => {
    const plant = cuttingPlant(0);
    const block = plant.read('Spindle/Vibration').value as number[];
    const fft = new FFT(block.length) as unknown as FftLike;
    const spectrum = fft.createComplexArray();
    fft.realTransform(spectrum, block);
    const mags = Array.from({ length: block.length / 2 }, (_, k) => Math.hypot(spectrum[2 * k], spectrum[2 * k + 1]));
    const peak = mags.indexOf(Math.max(...mags.slice(1)));
    const shaftHz = (plant.read('Spindle/Speed').value as number) / 60;
    assert.ok(Math.abs(peak * 8 - shaftHz) <= 8, `raw peak at ${peak * 8} Hz, shaft ${shaftHz} Hz`);
  });
});
