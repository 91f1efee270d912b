import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StoreAndForward, type BufferedMessage } from '../../lib/edge/store-and-forward';

const dir = mkdtempSync(join(tmpdir(), 'millwright-saf-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const msg = (i: number): BufferedMessage => ({ topic: `t/${i}`, payload: JSON.stringify({ i }), qos: 1, retain: false, producedAt: i });

function drain(buffer: StoreAndForward): number[] {
  const out: number[] = [];
  for (let m = buffer.peek(); m; m = buffer.peek()) {
    out.push(JSON.parse(m.payload).i);
    buffer.shift();
  }
  return out;
}

describe('store-and-forward buffer', () => {
  it('keeps order and drops the oldest beyond its bound, counting them', () => {
    const b = new StoreAndForward({ maxMessages: 5, maxBytes: 1e6 });
    for (let i = 0; i < 8; i++) b.push(msg(i));
    assert.deepEqual(b.stats().dropped, 3);
    assert.deepEqual(drain(b), [3, 4, 5, 6, 7]);
  });

  it('survives a restart: delivered entries stay delivered, the rest come back in order', () => {
    const file = join(dir, 'a.jsonl');
    const b = new StoreAndForward({ file, maxMessages: 100, maxBytes: 1e6 });
    for (let i = 0; i < 10; i++) b.push(msg(i));
    b.shift();
    b.shift();
    const again = new StoreAndForward({ file, maxMessages: 100, maxBytes: 1e6 });
    assert.deepEqual(drain(again), [2, 3, 4, 5, 6, 7, 8, 9]);
    const third = new StoreAndForward({ file, maxMessages: 100, maxBytes: 1e6 });
    assert.equal(third.size, 0);
  });

  it('ignores a line cut short by a crash mid-append', () => {
    const file = join(dir, 'b.jsonl');
    const b = new StoreAndForward({ file, maxMessages: 100, maxBytes: 1e6 });
    b.push(msg(1));
    b.push(msg(2));
    appendFileSync(file, '{"topic":"t/3","payl');
    const again = new StoreAndForward({ file, maxMessages: 100, maxBytes: 1e6 });
    assert.deepEqual(drain(again), [1, 2]);
    assert.equal(readFileSync(file, 'utf8'), '');
  });

  it('bounds bytes as well as count', () => {
    const b = new StoreAndForward({ maxMessages: 1000, maxBytes: 2048 });
    for (let i = 0; i < 100; i++) b.push({ ...msg(i), payload: 'x'.repeat(200) });
    assert.ok(b.stats().bytes <= 2048);
    assert.ok(b.stats().dropped > 0);
    assert.equal(b.stats().buffered + b.stats().dropped, 100);
  });

  it('rejects a nonsensical bound', () => {
    assert.throws(() => new StoreAndForward({ maxMessages: 0, maxBytes: 1e6 }), /at least 1 message/);
  });
});
