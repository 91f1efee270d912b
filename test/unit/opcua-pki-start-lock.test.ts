// Certificate stores started together leave node-opcua-pki's fs.watch wrapper installed (every later
// watcher then stays referenced); started through the lock, fs.watch is the original afterwards.
import assert from 'node:assert/strict';
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { oneStoreStartAtATime } from '../../lib/protocols/pki-start-lock';

type Store = { initialize(): Promise<void>; dispose(): Promise<void> };
// The copy node-opcua-client uses, as lib/protocols/opcua-session.ts loads it.
const clientDir = dirname(require.resolve('node-opcua-client/package.json'));
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Manager = require(require.resolve('node-opcua-certificate-manager', { paths: [clientDir] })).OPCUACertificateManager as new (o: Record<string, unknown>) => Store;

describe('certificate stores start one at a time', () => {
  const dir = mkdtempSync(join(tmpdir(), 'millwright-pki-lock-'));
  const stores: Store[] = [];
  const store = (name: string) => {
    const s = new Manager({ rootFolder: join(dir, name), automaticallyAcceptUnknownCertificate: true });
    stores.push(s);
    return s;
  };
  after(async () => {
    await Promise.allSettled(stores.map((s) => s.dispose()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves fs.watch as it found it when stores start concurrently through the lock', async () => {
    const original = fs.watch;
    await Promise.all(['a', 'b', 'c'].map((name) => oneStoreStartAtATime(() => store(name).initialize())));
    assert.equal(fs.watch, original, 'fs.watch is the original function again');
  });

  it('passes the result and the error of start through', async () => {
    assert.equal(await oneStoreStartAtATime(async () => 42), 42);
    await assert.rejects(oneStoreStartAtATime(async () => Promise.reject(new Error('no store'))), /no store/);
    assert.equal(await oneStoreStartAtATime(async () => 'next'), 'next', 'a failed start releases the lock');
  });
});
