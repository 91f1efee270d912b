import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { StoreAndForward, type BufferedMessage, type JournalWrite } from '../../lib/edge/store-and-forward';

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
    // A crash before the delivered count is recorded resends delivered entries, never loses others.
    const crashed = join(dir, 'a-crashed.jsonl');
    copyFileSync(file, crashed);
    if (existsSync(`${file}.head`)) copyFileSync(`${file}.head`, `${crashed}.head`);
    assert.deepEqual(drain(new StoreAndForward({ file: crashed, maxMessages: 100, maxBytes: 1e6 })).slice(-8), [2, 3, 4, 5, 6, 7, 8, 9]);
    b.flush();
    const again = new StoreAndForward({ file, maxMessages: 100, maxBytes: 1e6 });
    assert.deepEqual(drain(again), [2, 3, 4, 5, 6, 7, 8, 9]);
    again.flush();
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
    again.flush();
    assert.equal(new StoreAndForward({ file, maxMessages: 100, maxBytes: 1e6 }).size, 0);
  });

  it('bounds bytes as well as count', () => {
    const b = new StoreAndForward({ maxMessages: 1000, maxBytes: 2048 });
    for (let i = 0; i < 100; i++) b.push({ ...msg(i), payload: 'x'.repeat(200) });
    assert.ok(b.stats().bytes <= 2048);
    assert.ok(b.stats().dropped > 0);
    assert.equal(b.stats().buffered + b.stats().dropped, 100);
  });

  it('loses no undelivered message when a crash leaves the head of the journal before compaction', () => {
    const file = join(dir, 'crash.jsonl');
    const b = new StoreAndForward({ file, maxMessages: 1000, maxBytes: 1e7 });
    for (let i = 0; i < 300; i++) b.push(msg(i));
    for (let i = 0; i < 199; i++) b.shift();
    b.flush();
    const staleHead = readFileSync(`${file}.head`, 'utf8');
    const journalBefore = readFileSync(file, 'utf8');
    // 201 delivered leaves 99 undelivered: the journal is compacted to those 99.
    b.shift();
    b.shift();
    assert.notEqual(readFileSync(file, 'utf8'), journalBefore, 'the journal was compacted');
    // The crash: the compacted journal is in place, the head still counts 199 delivered lines.
    writeFileSync(`${file}.head`, staleHead);
    assert.deepEqual(drain(new StoreAndForward({ file, maxMessages: 1000, maxBytes: 1e7 })), Array.from({ length: 99 }, (_, k) => 201 + k));
    // A head in the format before generations is not applied to a journal that has one either.
    const c = new StoreAndForward({ file: join(dir, 'crash2.jsonl'), maxMessages: 1000, maxBytes: 1e7 });
    for (let i = 0; i < 5; i++) c.push(msg(i));
    writeFileSync(join(dir, 'crash2.jsonl.head'), '3');
    assert.deepEqual(drain(new StoreAndForward({ file: join(dir, 'crash2.jsonl'), maxMessages: 1000, maxBytes: 1e7 })), [0, 1, 2, 3, 4]);
  });

  it('still loads a journal and head written before journal generations', () => {
    const file = join(dir, 'old.jsonl');
    writeFileSync(file, [0, 1, 2, 3, 4].map((i) => JSON.stringify(msg(i)) + '\n').join(''));
    writeFileSync(`${file}.head`, '2');
    const b = new StoreAndForward({ file, maxMessages: 100, maxBytes: 1e6 });
    assert.deepEqual(drain(b), [2, 3, 4]);
  });

  it('records delivery in batches, not with a disk write per message, and flushes on demand', () => {
    const file = join(dir, 'batch.jsonl');
    const writes: Record<JournalWrite, number> = { append: 0, compact: 0, head: 0 };
    const count = (kind: JournalWrite) => void writes[kind]++;
    const b = new StoreAndForward({ file, maxMessages: 5000, maxBytes: 1e8, headEvery: 100, beforeWrite: count });
    for (let i = 0; i < 2000; i++) b.push(msg(i));
    writes.compact = 0;
    for (let i = 0; i < 1500; i++) b.shift();
    assert.ok(writes.head + writes.compact <= 1500 / 100 + 5, `${writes.head} head writes and ${writes.compact} compactions for 1500 deliveries`);
    assert.ok(writes.head > 0, 'the head is recorded while draining');
    b.flush();
    // Everything recorded: a restart resends none of the 1500 delivered.
    assert.deepEqual(drain(new StoreAndForward({ file, maxMessages: 5000, maxBytes: 1e8 })), Array.from({ length: 500 }, (_, k) => 1500 + k));
  });

  it('does not rewrite the journal on every push while full', () => {
    const writes: Record<JournalWrite, number> = { append: 0, compact: 0, head: 0 };
    const file = join(dir, 'full.jsonl');
    const b = new StoreAndForward({ file, maxMessages: 50, maxBytes: 1e8, beforeWrite: (kind) => void writes[kind]++ });
    for (let i = 0; i < 1000; i++) b.push(msg(i));
    assert.equal(b.stats().dropped, 950);
    assert.ok(writes.compact <= 1000 / 100 + 1, `${writes.compact} compactions for 1000 pushes`);
    b.flush();
    assert.deepEqual(drain(new StoreAndForward({ file, maxMessages: 50, maxBytes: 1e8 })), Array.from({ length: 50 }, (_, k) => 950 + k));
  });

  it('a failing disk throws from push and shift but loses nothing once it recovers', () => {
    const file = join(dir, 'enospc.jsonl');
    let failing = false;
    const beforeWrite = () => {
      if (failing) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    };
    const b = new StoreAndForward({ file, maxMessages: 1000, maxBytes: 1e7, beforeWrite });
    for (let i = 0; i < 5; i++) b.push(msg(i));
    failing = true;
    assert.throws(() => b.push(msg(5)), /ENOSPC/);
    assert.throws(() => b.shift(), /ENOSPC/, 'the journal misses a line: the buffer keeps trying to rewrite it');
    assert.equal(b.size, 5, 'the failed push is still buffered in memory, the shift stands');
    failing = false;
    b.push(msg(6));
    assert.deepEqual(drain(new StoreAndForward({ file, maxMessages: 1000, maxBytes: 1e7 })), [1, 2, 3, 4, 5, 6]);
  });

  it('rejects a nonsensical bound', () => {
    assert.throws(() => new StoreAndForward({ maxMessages: 0, maxBytes: 1e6 }), /at least 1 message/);
  });
});
