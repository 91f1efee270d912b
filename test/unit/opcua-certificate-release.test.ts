// An OPC UA connection that retried against a server that was not there releases its certificate
// store's file watchers on close (found by the redeploy test: one set of watchers per redeploy).
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OpcuaEndpoint } from '../../lib/protocols/opcua-endpoint';
import { parseEndpointSettings } from '../../lib/protocols/opcua-options';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port nothing listens on (taken, then released). */
function unusedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

describe('OPC UA connection: certificate store released on close', () => {
  const pki = mkdtempSync(join(tmpdir(), 'millwright-opcua-release-'));
  const watchers = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'FSEVENTWRAP') watchers.add(id);
    },
    destroy(id) {
      watchers.delete(id);
    },
  }).enable();
  after(() => {
    hook.disable();
    rmSync(pki, { recursive: true, force: true });
  });

  it('closes every file watcher after failed connect attempts', async () => {
    const before = watchers.size;
    const port = await unusedPort();
    const ep = new OpcuaEndpoint(parseEndpointSettings({ endpointUrl: `opc.tcp://127.0.0.1:${port}`, securityMode: 'None', pkiDir: pki }), {
      backoff: { initialMs: 50, maxMs: 200, jitter: 0 },
    });
    ep.register('user');
    const deadline = Date.now() + 15_000;
    while (ep.state.attempt < 3) {
      if (Date.now() > deadline) throw new Error(`no three failed attempts within 15 s (${ep.state.message})`);
      await sleep(25);
    }
    assert.ok(watchers.size > before, 'the certificate store watches its folders while the connection runs');
    await ep.close();
    const settle = Date.now() + 2000;
    while (watchers.size > before && Date.now() < settle) await sleep(25);
    assert.equal(watchers.size, before, `${watchers.size - before} file watchers left open after close`);
  });
});
