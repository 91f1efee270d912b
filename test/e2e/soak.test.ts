// The short form of `npm run bench -- soak`: under ten times the demo's data rate the runtime stays up,
// reports no error, scores every window within milliseconds and does not grow without bound.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSoak } from './support/soak';

describe('soak (short form of npm run bench -- soak)', () => {
  it('runs the plant at 10x the demo rate for 45 s with no crash, no error and flat memory', async () => {
    const f = await runSoak(0.75, (line) => console.log(line));
    console.log(`soak: ${JSON.stringify(f)}`);
    assert.equal(f.crashes, 0);
    assert.equal(f.errors, 0, 'no msg of the soak flow ended in an error');
    assert.ok(f.msgsPerSec > 200, `throughput ${f.msgsPerSec} samples/s`);
    assert.ok(f.scores > 0, 'the detector scored windows');
    // Memory after a forced GC at both ends of the measured 36 s (see npm run bench -- soak for the trend).
    assert.ok(f.rssDrift < 0.5, `resident memory grew ${(100 * f.rssDrift).toFixed(0)} % in 36 s`);
    assert.ok(f.heapEndMb < f.heapStartMb * 1.5, `heap after GC ${f.heapStartMb.toFixed(1)} -> ${f.heapEndMb.toFixed(1)} MB in 36 s`);
  });
});
