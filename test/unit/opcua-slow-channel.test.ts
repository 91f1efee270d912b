// After a fast first connect, reconnects get a short bound on opening the channel. A link or server
// that has become slower than that bound (high latency, a PLC busy after its restart) must still be
// reached: the bound widens after timeouts in a row instead of timing out every attempt forever.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OpcuaEndpoint } from '../../lib/protocols/opcua-endpoint';
import { parseEndpointSettings } from '../../lib/protocols/opcua-options';
import type { ConnectionStateEvent } from '../../lib/protocols/opcua-session';
import { FaultProxy } from '../fixtures/fault-proxy';
import { startTestServer, type TestServer } from '../fixtures/opcua-test-server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Each reply chunk is held this long: Hello + OpenSecureChannel then take about twice as long, over the 3-s short bound. */
const LATENCY_MS = 2500;

describe('OPC UA reconnect to a link that became slow', () => {
  const pki = mkdtempSync(join(tmpdir(), 'millwright-opcua-slow-'));
  let server: TestServer | undefined;
  let proxy: FaultProxy | undefined;
  let ep: OpcuaEndpoint | undefined;
  after(async () => {
    await ep?.close();
    await proxy?.stop();
    await server?.stop();
    rmSync(pki, { recursive: true, force: true });
  });

  it('reconnects once the channel needs longer than the short bound learnt from a fast connect', async () => {
    server = await startTestServer();
    proxy = await new FaultProxy(server.port).up();
    ep = new OpcuaEndpoint(parseEndpointSettings({ endpointUrl: `opc.tcp://127.0.0.1:${proxy.port}`, securityMode: 'None', pkiDir: pki }), {
      backoff: { initialMs: 200, maxMs: 1000, jitter: 0 },
    });
    const states: ConnectionStateEvent[] = [];
    ep.on('state', (ev: ConnectionStateEvent) => states.push(ev));
    await ep.session(15_000);
    assert.equal(ep.state.state, 'connected');

    proxy.latencyMs = LATENCY_MS;
    const from = states.length;
    proxy.cut();
    await until('a reconnect over the slow link', () => states.slice(from).some((s) => s.state === 'connected'), 60_000);
    const between = states.slice(from);
    assert.ok(
      between.some((s) => s.state === 'error' && /timeout/.test(s.error ?? '')),
      `the short bound was tried and ran out first: ${between.map((s) => s.message).join(' | ')}`,
    );
    const session = await ep.session(1000);
    const value = await session.read({ nodeId: server.nodeId('Temperature'), attributeId: 13 });
    assert.equal(value.value.value, 20.5, 'the new session reads over the slow link');
  });
});
