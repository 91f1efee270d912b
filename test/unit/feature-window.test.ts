import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FeatureWindow } from '../../lib/features/feature-window';

describe('FeatureWindow (count based)', () => {
  it('emits one vector per tumbling window with exact statistics', () => {
    const w = new FeatureWindow({ size: 4, hop: 4, features: ['mean', 'min', 'max', 'std'] });
    const out = w.push('k', 't', 100, [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.equal(out.length, 2);
    assert.deepEqual(out[0].features, { mean: 2.5, min: 1, max: 4, std: Math.sqrt(5 / 3) });
    assert.equal(out[1].features.mean, 6.5);
  });

  it('slides by the hop', () => {
    const w = new FeatureWindow({ size: 4, hop: 2, features: ['mean'] });
    const out = w.push('k', 't', 0, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(out.map((v) => v.features.mean), [2.5, 4.5]);
  });

  it('keeps keys apart and survives a snapshot round trip', () => {
    const w = new FeatureWindow({ size: 3, hop: 3, features: ['mean'] });
    w.push('a', 'a', 0, [1, 2]);
    w.push('b', 'b', 0, [10]);
    const restored = new FeatureWindow({ size: 3, hop: 3, features: ['mean'] });
    restored.restore(JSON.parse(JSON.stringify(w.snapshot())));
    assert.deepEqual(restored.push('a', 'a', 1, [3]).map((v) => v.features.mean), [2]);
    assert.deepEqual(restored.push('b', 'b', 1, [20]), []);
  });

  it('rejects bad configuration with a clear message', () => {
    assert.throws(() => new FeatureWindow({ size: 0, hop: 1, features: ['mean'] }), /window size/);
    assert.throws(() => new FeatureWindow({ size: 4, hop: 5, features: ['mean'] }), /hop/);
    assert.throws(() => new FeatureWindow({ size: 4, hop: 4, features: ['median?'] }), /unknown feature/);
  });
});
