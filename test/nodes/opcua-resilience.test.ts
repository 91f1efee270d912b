// The failures plants see: a server that restarts, a server that is down at deploy, a subscription
// that goes silent, and redeploys that must not leak sessions or sockets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { collect, getNode, helper, sleep } from '../helpers/node-red';
import { catcher, endpointConfig, opcuaNodes, until, waitForStatus } from '../fixtures/opcua-node-flows';
import { freePort, startTestServer, type TestServer } from '../fixtures/opcua-test-server';

function subscribeFlow(url: string, extra: Record<string, unknown> = {}) {
  return [
    endpointConfig(url),
    { id: 'sub', type: 'millwright-opcua-subscribe', endpoint: 'ep', items: [{ nodeId: 'ns=2;s=Counter', tag: 'count' }], publishingInterval: 100, samplingInterval: 50, queueSize: 5, output: 'change', wires: [['out']], ...extra },
    { id: 'out', type: 'helper' },
    ...catcher(['sub']),
  ];
}

function openSockets(): number {
  return (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().filter((h) => h instanceof Socket && !(h as Socket).destroyed).length;
}

describe('OPC UA nodes under faults', () => {
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-opcua-res-'));
  const serverPki = mkdtempSync(join(tmpdir(), 'millwright-opcua-res-srv-'));
  const running = new Set<TestServer>();
  async function start(port?: number): Promise<TestServer> {
    const s = await startTestServer({ tickMs: 100, port, pkiDir: serverPki });
    assert.equal(s.nodeId('Counter'), 'ns=2;s=Counter');
    running.add(s);
    return s;
  }
  async function stop(s: TestServer): Promise<void> {
    running.delete(s);
    await s.stop();
  }
  before(async () => {
    helper.settings({ userDir });
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    for (const s of running) await s.stop();
    rmSync(userDir, { recursive: true, force: true });
    rmSync(serverPki, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
  });

  it('a server that stops and starts again: status follows, data resumes on a re-created subscription within 5 s', async () => {
    const port = await freePort();
    let srv = await start(port);
    await helper.load(opcuaNodes, subscribeFlow(srv.url));
    const sub = getNode('sub');
    const got = collect(getNode('out'));
    await until('data', () => got.length > 2, 15_000);
    await stop(srv);
    await waitForStatus(sub, (s) => /reconnecting \(attempt \d+\)/.test(s.text ?? '') && s.fill === 'yellow', 5000);
    await waitForStatus(sub, (s) => s.fill === 'red' && /connection refused/.test(s.text ?? ''), 5000);
    await sleep(3000);
    const before = got.length;
    srv = await start(port);
    await until('data after the restart', () => got.length > before, 5000);
    assert.equal(srv.subscriptions(), 1, 'the subscription was re-created on the new server');
    assert.equal(srv.sessions(), 1);
    const s = await waitForStatus(sub, (st) => /item/.test(st.text ?? ''), 3000);
    assert.equal(s.fill, 'yellow'); // connected, unencrypted
    await stop(srv);
  });

  it('a server that is down when the flow deploys: red status with the reason, then data within 5 s of its start', async () => {
    const port = await freePort();
    await helper.load(opcuaNodes, subscribeFlow(`opc.tcp://127.0.0.1:${port}`));
    const sub = getNode('sub');
    const got = collect(getNode('out'));
    const caught = collect(getNode('caught'));
    await waitForStatus(sub, (s) => s.fill === 'red' && /connection refused/.test(s.text ?? ''), 5000);
    await until('Catch hears about it', () => caught.length === 1, 3000);
    await sleep(4000);
    const srv = await start(port);
    await until('data once the server is up', () => got.length > 0, 5000);
    assert.equal(caught.length, 1, 'one report for the whole outage, not one per retry');
    await stop(srv);
  });

  it('a subscription that goes silent: red stale status, Catch informed, subscription re-created', async () => {
    const srv = await start();
    await helper.load(opcuaNodes, subscribeFlow(srv.url));
    const sub = getNode('sub');
    const got = collect(getNode('out'));
    const caught = collect(getNode('caught'));
    await until('data', () => got.length > 2, 15_000);
    assert.equal(srv.silenceSubscriptions(), 1);
    await waitForStatus(sub, (s) => s.fill === 'red' && /stale/.test(s.text ?? ''), 10_000);
    const silentAt = got.length;
    await until('data again', () => got.length > silentAt, 5000);
    assert.ok(caught.some((m) => /stale/.test(m.error.message)));
    await until('one subscription on the server', () => srv.subscriptions() === 1, 3000);
    await stop(srv);
  });

  it('redeploying the same flow 50 times leaves server sessions and open sockets flat', async () => {
    const srv = await start();
    const flow = [
      ...subscribeFlow(srv.url),
      { id: 'sub2', type: 'millwright-opcua-subscribe', endpoint: 'ep', items: [{ nodeId: 'ns=2;s=Temperature' }], publishingInterval: 500, samplingInterval: 100, queueSize: 5, output: 'publish', wires: [[]] },
      { id: 'rd', type: 'millwright-opcua-read', endpoint: 'ep', items: [{ nodeId: 'ns=2;s=Temperature' }], output: 'all', timeout: 5000, wires: [[]] },
    ];
    const baselineSockets = openSockets();
    const sessions: number[] = [];
    const channels: number[] = [];
    const subscriptions: number[] = [];
    for (let i = 0; i < 50; i++) {
      await helper.load(opcuaNodes, flow);
      const got = collect(getNode('out'));
      await until(`data in deploy ${i + 1}`, () => got.length > 0, 10_000);
      sessions.push(srv.sessions());
      channels.push(srv.channels());
      subscriptions.push(srv.subscriptions());
      await helper.unload();
    }
    await until('last session closed', () => srv.sessions() === 0, 3000);
    assert.deepEqual([...new Set(sessions)], [1], `one session per endpoint while deployed: ${sessions}`);
    assert.deepEqual([...new Set(channels)], [1], `one channel: ${channels}`);
    assert.ok(subscriptions.every((n) => n >= 1 && n <= 2), `one subscription per publishing interval: ${subscriptions}`);
    assert.equal(srv.channels(), 0);
    await until('sockets back to the baseline', () => openSockets() <= baselineSockets, 3000);
    await stop(srv);
  });
});
