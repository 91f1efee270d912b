import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  NAB_PROFILES,
  parseNabTimestamp,
  probationLength,
  scaledSigmoid,
  scoreCorpus,
  scoreAtThreshold,
  sweepRows,
  type NabFile,
} from '../../lib/anomaly/nab-scorer';

const [standard, lowFp, lowFn] = NAB_PROFILES;
const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

/** 100 rows one minute apart (probation: 15 rows), one window on rows 50..54. */
function file(detections: number[], name = 'f.csv', windowRows: [number, number] | null = [50, 54]): NabFile {
  const timestamps = Array.from({ length: 100 }, (_, i) => i * 60_000);
  const scores = timestamps.map((_, i) => (detections.includes(i) ? 1 : 0));
  const windows = windowRows ? [[timestamps[windowRows[0]], timestamps[windowRows[1]]] as const] : [];
  return { name, timestamps, scores, windows };
}

describe('NAB scorer', () => {
  it('scaled sigmoid and probation follow NAB', () => {
    close(scaledSigmoid(-1), 2 / (1 + Math.exp(-5)) - 1);
    close(scaledSigmoid(0), 0);
    assert.equal(scaledSigmoid(3), -1);
    assert.equal(probationLength(20), 3);
    assert.equal(probationLength(100_000), 750);
  });

  it('an early detection earns the full true-positive weight and a lone false positive costs 0.11', () => {
    const r = scoreCorpus([file([50, 20])], standard);
    close(r.raw, 1 - 0.11);
    assert.equal(r.nullRaw, -1);
    assert.equal(r.perfect, 1);
    close(r.normalised, (100 * (0.89 + 1)) / 2);
  });

  it('counts only the best detection in a window; a late one earns less', () => {
    close(scoreCorpus([file([50, 52, 53])], standard).raw, 1);
    // Row 54 is the right edge: position -(54-54+1)/5 = -0.2.
    const late = scaledSigmoid(-0.2) / scaledSigmoid(-1);
    close(scoreCorpus([file([54])], standard).raw, late);
  });

  it('a false positive just after a window costs less than one far from it', () => {
    const rows = sweepRows(file([]), standard);
    close(rows.sweep[56], scaledSigmoid(2 / 4) * 0.11);
    close(rows.sweep[20], -0.11);
    const s = scoreAtThreshold([...file([50, 56]).scores], rows, 1, 0.5);
    close(s, 1 + scaledSigmoid(0.5) * 0.11);
  });

  it('profiles weigh false positives and misses differently', () => {
    close(scoreCorpus([file([50, 20])], lowFp).raw, 1 - 0.22);
    // Missing the window: the optimiser still prefers no detection at all (-2) over the FP (-2.11).
    const miss = scoreCorpus([file([20])], lowFn);
    close(miss.raw, -2);
    assert.equal(miss.threshold, 1.1);
    assert.equal(miss.normalised, 0);
  });

  it('ignores probation rows and windows inside it', () => {
    const r = scoreCorpus([file([1], 'p.csv', [1, 2])], standard);
    close(r.raw, 0);
  });

  it('optimises one threshold over the corpus', () => {
    const a = file([], 'a.csv');
    const b = file([], 'b.csv');
    a.scores = a.timestamps.map((_, i) => (i === 50 ? 0.9 : i === 20 ? 0.8 : 0.1));
    b.scores = b.timestamps.map((_, i) => (i === 51 ? 0.7 : 0.1));
    // Threshold 0.7 catches both windows and pays one FP: a's window at -1 (1), b's at -0.8.
    const r = scoreCorpus([a, b], standard);
    assert.equal(r.threshold, 0.7);
    close(r.raw, 1 + scaledSigmoid(-0.8) / scaledSigmoid(-1) - 0.11);
    close(r.perFile['a.csv'] + r.perFile['b.csv'], r.raw);
  });

  it('parses NAB timestamps as UTC', () => {
    assert.equal(parseNabTimestamp('2014-04-10 07:15:00.000000'), Date.UTC(2014, 3, 10, 7, 15));
    assert.equal(parseNabTimestamp('2014-04-10 07:15:00'), Date.UTC(2014, 3, 10, 7, 15));
    assert.throws(() => parseNabTimestamp('yesterday'), /unreadable/);
  });
});
