// Atomic, durable files: a write leaves the old content or the new, never a mix; a damaged file (cut
// short by a crash, garbage, wrong shape) loads the last good copy instead of throwing.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  AtomicJsonFile,
  backupPathOf,
  corruptPathOf,
  readJsonWithBackup,
  removeStaleTemps,
  removeStaleTempsSync,
  writeFileAtomic,
  writeFileAtomicSync,
} from '../../lib/shared/atomic-file';

describe('atomic file', () => {
  const root = mkdtempSync(join(tmpdir(), 'millwright-atomic-test-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const fresh = () => {
    const dir = join(root, `case-${++n}`);
    return { dir, file: join(dir, 'state.json') };
  };

  it('writes through a temporary file, creates the folder and leaves no temporary behind', async () => {
    const { dir, file } = fresh();
    await writeFileAtomic(file, '{"a":1}');
    await writeFileAtomic(file, '{"a":2}');
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { a: 2 });
    assert.deepEqual(readdirSync(dir), ['state.json']);
    writeFileAtomicSync(file, '{"a":3}', { backup: true });
    assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), { a: 3 });
    assert.deepEqual(JSON.parse(readFileSync(backupPathOf(file), 'utf8')), { a: 2 });
    assert.deepEqual(readdirSync(dir).sort(), ['state.json', 'state.json.bak']);
  });

  it('keeps the replaced content as .bak, and the backup does not change when the file is replaced again later', async () => {
    const { file } = fresh();
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two', { backup: true });
    assert.equal(readFileSync(backupPathOf(file), 'utf8'), 'one');
    await writeFileAtomic(file, 'three', { backup: true });
    assert.equal(readFileSync(file, 'utf8'), 'three');
    assert.equal(readFileSync(backupPathOf(file), 'utf8'), 'two');
  });

  it('a torn write (file cut short) loads the last good copy, moves the damaged file aside and says why', async () => {
    const { file } = fresh();
    const store = new AtomicJsonFile<{ seq: number; model: number[] }>(file);
    await store.save({ seq: 1, model: [1, 2, 3] });
    await store.save({ seq: 2, model: [4, 5, 6] });
    const size = readFileSync(file).length;
    truncateSync(file, Math.floor(size / 2));
    const result = await new AtomicJsonFile<{ seq: number }>(file).load();
    assert.equal(result.from, 'backup');
    assert.deepEqual(result.value, { seq: 1, model: [1, 2, 3] });
    assert.match(result.problems.join(' '), /not valid JSON/);
    assert.ok(existsSync(corruptPathOf(file)), 'the damaged file is kept for inspection');
    assert.ok(!existsSync(file));
  });

  it('an empty file, garbage bytes or content of the wrong shape load the last good copy', async () => {
    const validate = (v: unknown) => (typeof (v as { seq?: unknown })?.seq === 'number' ? undefined : 'no seq');
    for (const damage of ['', '\u0000\u0000\u0000garbage', '[1,2,3]', 'null']) {
      const { file } = fresh();
      const store = new AtomicJsonFile<{ seq: number }>(file, { validate });
      await store.save({ seq: 1 });
      await store.save({ seq: 2 });
      writeFileSync(file, damage);
      const result = await new AtomicJsonFile<{ seq: number }>(file, { validate }).load();
      assert.equal(result.from, 'backup', `damage ${JSON.stringify(damage)}`);
      assert.deepEqual(result.value, { seq: 1 });
      assert.equal(result.problems.length, 2, result.problems.join('; '));
    }
  });

  it('a damaged file with no good backup loads nothing and never throws', async () => {
    const { file } = fresh();
    await writeFileAtomic(file, '{"seq":');
    writeFileSync(backupPathOf(file), 'also broken');
    const result = await readJsonWithBackup(file);
    assert.equal(result.from, 'none');
    assert.equal(result.value, undefined);
    assert.equal(result.problems.length, 2);
    const missing = await readJsonWithBackup(join(root, 'nowhere', 'x.json'));
    assert.deepEqual(missing, { value: undefined, from: 'none', problems: [] });
  });

  it('after loading from the backup, the next save does not overwrite the good backup with the damaged file', async () => {
    const { file } = fresh();
    const first = new AtomicJsonFile<{ seq: number }>(file);
    await first.save({ seq: 1 });
    await first.save({ seq: 2 });
    writeFileSync(file, '{"seq":2,'); // torn
    const second = new AtomicJsonFile<{ seq: number }>(file);
    assert.deepEqual((await second.load()).value, { seq: 1 });
    await second.save({ seq: 3 });
    assert.deepEqual(JSON.parse(readFileSync(backupPathOf(file), 'utf8')), { seq: 1 });
    await second.save({ seq: 4 });
    assert.deepEqual(JSON.parse(readFileSync(backupPathOf(file), 'utf8')), { seq: 3 });
    assert.deepEqual((await new AtomicJsonFile(file).load()).value, { seq: 4 });
  });

  it('concurrent saves are serialised and the newest value wins; remove deletes file and backup', async () => {
    const { dir, file } = fresh();
    const store = new AtomicJsonFile<{ seq: number }>(file);
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.save({ seq: i })));
    assert.deepEqual((await store.load()).value, { seq: 19 });
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
    await store.remove();
    assert.deepEqual(readdirSync(dir), []);
    assert.equal((await store.load()).from, 'none');
  });

  it('temporaries left by a process that died mid-write are removed on load, those of this process are not', async () => {
    const { dir, file } = fresh();
    await writeFileAtomic(file, '{"seq":1}');
    const dead = join(dir, '.state.json.999999999.4.tmp');
    const deadBak = join(dir, '.state.json.bak.999999999.5.tmp');
    const mine = join(dir, `.state.json.${process.pid}.77.tmp`);
    const other = join(dir, '.other.json.999999999.1.tmp');
    for (const f of [dead, deadBak, mine, other]) writeFileSync(f, '{"se');
    assert.equal(await removeStaleTemps(file), 2);
    assert.deepEqual(readdirSync(dir).sort(), [`.other.json.999999999.1.tmp`, `.state.json.${process.pid}.77.tmp`, 'state.json']);
    writeFileSync(dead, '{"se');
    assert.equal(removeStaleTempsSync(file), 1);
    assert.equal(removeStaleTempsSync(file), 0);
    assert.ok(existsSync(mine));
  });

  it('a failed write removes its temporary and leaves the old file as it was', async () => {
    const { dir, file } = fresh();
    await writeFileAtomic(file, 'old');
    // A directory in the way of the rename makes the last step fail.
    const blocked = join(dir, 'blocked');
    await writeFileAtomic(join(blocked, 'x'), 'x');
    await assert.rejects(writeFileAtomic(blocked, 'new'));
    assert.equal(readFileSync(file, 'utf8'), 'old');
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });
});
