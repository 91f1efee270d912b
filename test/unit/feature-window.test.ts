import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateFeatureVector } from '../../lib/contracts';
import { FeatureWindow, WindowInputError, type FeatureWindowOptions } from '../../lib/features/feature-window';

const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x));

describe('FeatureWindow (count based)', () => {
  it('emits one vector per tumbling window with exact statistics', () => {
    const w = new FeatureWindow({ size: 4, hop: 4, features: ['mean', 'min', 'max', 'std'] });
    const out = w.push('k', 't', 100, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(out.length, 2);
    assert.deepEqual(out[0].features, { mean: 2.5, min: 1, max: 4, std: Math.sqrt(5 / 3) });
    assert.equal(out[1].features.mean, 6.5);
    for (const v of out) validateFeatureVector(v);
  });

  it('slides by the hop', () => {
    const w = new FeatureWindow({ size: 4, hop: 2, features: ['mean'] });
    const out = w.push('k', 't', 0, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(out.map((v) => v.features.mean), [2.5, 4.5]);
  });

  it('emits on every hop while the first window fills when asked', () => {
    const w = new FeatureWindow({ size: 4, hop: 2, features: ['mean'], emit: 'hop' });
    const out = w.push('k', 't', 0, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(out.map((v) => [v.sampleCount, v.features.mean]), [[2, 1.5], [4, 2.5], [4, 4.5]]);
  });

  it('spreads block samples over time with the sample rate', () => {
    const w = new FeatureWindow({ size: 4, features: ['mean'] });
    const [v] = w.push('k', 't', 1000, [1, 2, 3, 4], 100);
    assert.equal(v.windowStart, 1000);
    assert.equal(v.windowEnd, 1030);
  });

  it('keeps keys apart and survives a snapshot round trip', () => {
    const w = new FeatureWindow({ size: 3, hop: 3, features: ['mean'] });
    w.push('a', 'a', 0, [1, 2]);
    w.push('b', 'b', 0, [10]);
    const restored = new FeatureWindow({ size: 3, hop: 3, features: ['mean'] });
    assert.equal(restored.restore(roundTrip(w.snapshot())), true);
    assert.deepEqual(restored.push('a', 'a', 1, [3]).map((v) => v.features.mean), [2]);
    assert.deepEqual(restored.push('b', 'b', 1, [20]), []);
  });

  it('restores a first-version snapshot and ignores one of another layout', () => {
    const w = new FeatureWindow({ size: 3, features: ['mean'] });
    assert.equal(w.restore({ version: 1, keys: { a: { values: [1, 2], timestamps: [0, 1], tags: ['a'], sinceEmit: 2 } } }), true);
    assert.deepEqual(w.push('a', 'a', 2, [3]).map((v) => v.features.mean), [2]);
    const timed = new FeatureWindow({ mode: 'time', size: 1000, features: ['mean'] });
    assert.equal(timed.restore(roundTrip(w.snapshot())), false);
  });

  it('refuses out-of-order timestamps, NaN and a changed sample rate without touching the window', () => {
    const w = new FeatureWindow({ size: 3, features: ['mean', 'max'] });
    w.push('k', 't', 100, [1]);
    assert.throws(() => w.push('k', 't', 50, [100]), (e: WindowInputError) => e.reason === 'out-of-order');
    assert.throws(() => w.push('k', 't', 200, [2, NaN]), (e: WindowInputError) => e.reason === 'invalid' && /value\[1\]/.test(e.message));
    w.push('k', 't', 300, [2, 2], 10);
    assert.throws(() => w.push('k', 't', 400, [5, 5], 20), (e: WindowInputError) => e.reason === 'sample-rate');
    assert.throws(() => w.push('k', 't', 400, [5, 5], -1), (e: WindowInputError) => e.reason === 'sample-rate');
    const c = w.counters;
    assert.deepEqual([c.outOfOrder, c.invalid, c.sampleRate], [1, 2, 4]);
    // The window still holds exactly 1, 2, 2: none of the refused values.
    const [v] = w.flush();
    assert.deepEqual(v.features, { mean: 5 / 3, max: 2 });
  });

  it('refuses a block at another rate than the configured one', () => {
    const w = new FeatureWindow({ size: 8, features: ['mean'], sampleRate: 1000 });
    assert.throws(() => w.push('k', 't', 0, [1, 2], 500), /500 Hz, but this window runs at 1000 Hz/);
    assert.doesNotThrow(() => w.push('k', 't', 0, [1, 2], 1000));
  });

  it('bounds the number of keys', () => {
    const w = new FeatureWindow({ size: 2, features: ['mean'], maxKeys: 2 });
    w.push('a', 'a', 0, [1]);
    w.push('b', 'b', 0, [1]);
    assert.throws(() => w.push('c', 'c', 0, [1]), (e: WindowInputError) => e.reason === 'too-many-keys');
    assert.equal(w.keyCount(), 2);
  });

  it('rejects bad configuration with a clear message', () => {
    assert.throws(() => new FeatureWindow({ size: 0, hop: 1, features: ['mean'] }), /window size/);
    assert.throws(() => new FeatureWindow({ size: 1e9, features: ['mean'] }), /at most/);
    assert.throws(() => new FeatureWindow({ size: 4, hop: 5, features: ['mean'] }), /hop/);
    assert.throws(() => new FeatureWindow({ size: 4, hop: 4, features: ['median?'] }), /unknown feature/);
    assert.throws(() => new FeatureWindow({ size: 4, features: ['bandEnergy'] }), /band/);
    assert.throws(() => new FeatureWindow({ size: 4, features: ['bpfoEnergy'] }), /bearing geometry/);
    assert.throws(() => new FeatureWindow({ mode: 'time', size: 10, lateness: -1, features: ['mean'] }), /lateness/);
  });
});

describe('FeatureWindow (time based)', () => {
  const timed = (extra: Partial<FeatureWindowOptions> = {}) => new FeatureWindow({ mode: 'time', size: 1000, features: ['mean', 'last'], ...extra });

  it('closes tumbling windows when the watermark passes their end', () => {
    const w = timed();
    assert.deepEqual(w.push('k', 't', 100, [1]), []);
    assert.deepEqual(w.push('k', 't', 900, [3]), []);
    const out = w.push('k', 't', 1000, [10]);
    assert.equal(out.length, 1);
    assert.deepEqual(out[0].features, { mean: 2, last: 3 });
    assert.deepEqual([out[0].windowStart, out[0].windowEnd, out[0].sampleCount], [0, 1000, 2]);
  });

  it('slides by the hop and skips warm-up windows unless emitting every hop', () => {
    const samples = [100, 600, 1100, 1600, 2100];
    const run = (emit: 'close' | 'hop') => {
      const w = timed({ hop: 500, emit });
      return samples.flatMap((t) => w.push('k', 't', t, [t / 100])).map((v) => [v.windowStart, v.features.mean]);
    };
    assert.deepEqual(run('close'), [[0, 3.5], [500, 8.5], [1000, 13.5]]);
    assert.deepEqual(run('hop'), [[0, 1], [0, 3.5], [500, 8.5], [1000, 13.5]]);
  });

  it('accepts samples within the lateness, in timestamp order, and refuses later ones', () => {
    const w = timed({ lateness: 300 });
    assert.deepEqual(w.push('k', 't', 900, [9]), []);
    assert.deepEqual(w.push('k', 't', 1100, [11]), []);
    // 850 is behind the newest (1100) by 250 ms: still in time for window [0, 1000).
    assert.deepEqual(w.push('k', 't', 850, [8.5]), []);
    const out = w.push('k', 't', 1400, [14]);
    assert.equal(out.length, 1);
    assert.deepEqual(out[0].features, { mean: 8.75, last: 9 });
    assert.throws(() => w.push('k', 't', 1050, [0]), (e: WindowInputError) => e.reason === 'late');
    assert.equal(w.counters.late, 1);
    const next = w.push('k', 't', 2300, [23]);
    assert.deepEqual(next[0].features, { mean: 12.5, last: 14 });
  });

  it('jumps over a gap instead of stepping through empty windows', () => {
    const w = timed({ hop: 500 });
    w.push('k', 't', 0, [1]);
    const out = w.push('k', 't', 1e12, [2]);
    assert.deepEqual(out.map((v) => v.windowEnd), [1000]);
    assert.ok(w.push('k', 't', 1e12 + 1000, [3]).length >= 1);
  });

  it('needs a sample rate for blocks', () => {
    const w = timed();
    assert.throws(() => w.push('k', 't', 0, [1, 2, 3]), (e: WindowInputError) => e.reason === 'sample-rate');
    const out = w.push('k', 't', 0, Array.from({ length: 30 }, (_, i) => i), 20);
    assert.deepEqual(out.map((v) => v.sampleCount), [20]);
  });

  it('keeps pending samples across a snapshot', () => {
    const w = timed({ lateness: 500 });
    w.push('k', 't', 100, [1]);
    w.push('k', 't', 700, [3]);
    const again = timed({ lateness: 500 });
    assert.equal(again.restore(roundTrip(w.snapshot())), true);
    const out = again.push('k', 't', 1600, [0]);
    assert.deepEqual(out[0].features, { mean: 2, last: 3 });
  });
});

describe('FeatureWindow alignment', () => {
  const aligned = (extra: Partial<FeatureWindowOptions> = {}) =>
    new FeatureWindow({ mode: 'time', size: 1000, features: ['mean'], align: true, tags: ['power', 'temp'], ...extra });

  it('joins several tags into one vector per window', () => {
    const w = aligned();
    w.ingest('m', [{ tag: 'power', timestamp: 100, values: [10] }, { tag: 'temp', timestamp: 100, values: [40] }]);
    w.ingest('m', [{ tag: 'power', timestamp: 600, values: [20] }]);
    const { vectors } = w.ingest('m', [{ tag: 'power', timestamp: 1000, values: [0] }]);
    assert.equal(vectors.length, 1);
    assert.deepEqual(vectors[0].features, { 'power.mean': 15, 'temp.mean': 40 });
    assert.deepEqual(vectors[0].sourceTags, ['power', 'temp']);
    assert.equal(vectors[0].sampleCount, 3);
  });

  const secondWindow = (w: FeatureWindow) => {
    return [
      w.ingest('m', [{ tag: 'power', timestamp: 100, values: [10] }, { tag: 'temp', timestamp: 100, values: [40] }]),
      w.ingest('m', [{ tag: 'power', timestamp: 1100, values: [30] }]),
      w.ingest('m', [{ tag: 'power', timestamp: 2000, values: [0] }]),
    ].flatMap((r) => r.vectors);
  };

  it('carries the last features of a missing tag', () => {
    const out = secondWindow(aligned({ missing: 'carry' }));
    assert.deepEqual(out.map((v) => v.features), [{ 'power.mean': 10, 'temp.mean': 40 }, { 'power.mean': 30, 'temp.mean': 40 }]);
    assert.deepEqual(out[1].sourceTags, ['power']);
  });

  it('drops a window with a missing tag', () => {
    const w = aligned({ missing: 'drop' });
    const out = secondWindow(w);
    assert.deepEqual(out.map((v) => v.windowEnd), [1000]);
    assert.equal(w.counters.dropped, 1);
  });

  it('marks a missing tag', () => {
    const out = secondWindow(aligned({ missing: 'mark' }));
    assert.deepEqual(out[1].features, { 'power.mean': 30, 'power.missing': 0, 'temp.mean': 0, 'temp.missing': 1 });
  });

  it('counts rows in aligned count windows and ignores tags not configured', () => {
    const w = new FeatureWindow({ size: 2, features: ['mean'], align: true, tags: ['a', 'b'] });
    w.ingest('m', [{ tag: 'a', timestamp: 1, values: [1] }, { tag: 'b', timestamp: 1, values: [1, 3], sampleRate: 10 }, { tag: 'x', timestamp: 1, values: [9] }]);
    const { vectors } = w.ingest('m', [{ tag: 'a', timestamp: 2, values: [3] }, { tag: 'b', timestamp: 2, values: [5] }]);
    assert.deepEqual(vectors.map((v) => v.features), [{ 'a.mean': 2, 'b.mean': 3 }]);
    assert.deepEqual([vectors[0].windowStart, vectors[0].windowEnd], [1, 2]);
    assert.equal(w.counters.ignored, 1);
  });
});

describe('FeatureWindow output', () => {
  it('refuses values whose powers would overflow the moments', () => {
    const w = new FeatureWindow({ size: 2, features: ['max', 'kurtosis', 'rms'] });
    assert.throws(() => w.push('k', 't', 0, [1, 1e200]), (e: WindowInputError) => e.reason === 'invalid' && /outside/.test(e.message));
    const [v] = w.push('k', 't', 0, [1e50, -1e50]);
    assert.deepEqual(v.features, { max: 1e50, kurtosis: 1, rms: 1e50 });
    validateFeatureVector(v);
  });
});

describe('FeatureWindow keys', () => {
  it('keeps a key named __proto__ through a snapshot', () => {
    const w = new FeatureWindow({ size: 2, features: ['mean'] });
    w.push('__proto__', 't', 0, [1]);
    const again = new FeatureWindow({ size: 2, features: ['mean'] });
    again.restore(JSON.parse(JSON.stringify(w.snapshot())));
    assert.deepEqual(again.push('__proto__', 't', 1, [3]).map((v) => v.features.mean), [2]);
    assert.equal(({} as Record<string, unknown>).mean, undefined);
  });
});
