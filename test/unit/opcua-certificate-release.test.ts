// An OPC UA connection that retried against a server that was not there releases its certificate
// store's file watchers on close (found by the redeploy test: one set of watchers per redeploy).
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import { OpcuaEndpoint } from '../../lib/protocols/opcua-endpoint';
import { parseEndpointSettings, type OpcuaEndpointOptions } from '../../lib/protocols/opcua-options';
import { startTestServer } from '../fixtures/opcua-test-server';
import { freePort } from '../helpers/free-port';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


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

  async function settledWatchers(before: number): Promise<number> {
    const settle = Date.now() + 2000;
    while (watchers.size > before && Date.now() < settle) await sleep(25);
    return watchers.size - before;
  }

  async function failedAttemptsThenClose(securityMode: OpcuaEndpointOptions['securityMode']): Promise<void> {
    const before = watchers.size;
    const port = await freePort();
    const ep = new OpcuaEndpoint(parseEndpointSettings({ endpointUrl: `opc.tcp://127.0.0.1:${port}`, securityMode, pkiDir: pki }), {
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
    const left = await settledWatchers(before);
    assert.equal(left, 0, `${left} file watchers left open after close (${securityMode})`);
  }

  it('closes every file watcher after failed connect attempts', async () => {
    await failedAttemptsThenClose('None');
  });

  it('security auto: closes every file watcher after failed discoveries', async () => {
    await failedAttemptsThenClose('auto');
  });

  it('security auto: closes every file watcher after a discovery and an encrypted session', async () => {
    // The server's store starts watching the client certificate it is given, so the count is taken
    // before the server starts and checked once both are closed.
    const before = watchers.size;
    const server = await startTestServer({
      securityModes: [MessageSecurityMode.None, MessageSecurityMode.SignAndEncrypt],
      securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
    });
    const ep = new OpcuaEndpoint(parseEndpointSettings({ endpointUrl: server.url, securityMode: 'auto', pkiDir: pki }));
    try {
      const withServer = watchers.size;
      ep.register('user');
      await ep.session(20_000);
      assert.equal(ep.state.security, 'SignAndEncrypt/Basic256Sha256', 'the discovery probe ran and the encrypted client followed');
      assert.ok(watchers.size > withServer, 'the certificate store watches its folders while connected');
    } finally {
      await ep.close();
      await server.stop();
    }
    const left = await settledWatchers(before);
    assert.equal(left, 0, `${left} file watchers left open after close`);
  });
});
