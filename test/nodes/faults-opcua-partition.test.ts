// A blackhole longer than the session keep-alive's 10-s timeout: the client gives the session up and
// its reconnect attempts vanish into the dead link too. When the link answers again, data must come
// back; the reconnect time is printed for bench/faults.ts, which checks the 5-s requirement (an attempt's
// full connect timeout would miss it), while the test waits generously and never asserts on real time.
// (A file of its own: it waits 15 s.)
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FaultProxy } from '../fixtures/fault-proxy';
import { assertNoDuplicates, reportFault, watch } from '../fixtures/fault-watch';
import { catcher, endpointConfig, opcuaNodes } from '../fixtures/opcua-node-flows';
import { startTestServer, type TestServer } from '../fixtures/opcua-test-server';
import { getNode, helper, sleep } from '../helpers/node-red';

const HOLE_MS = 15_000;

describe('OPC UA through a long blackhole', () => {
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-faults-partition-'));
  let server: TestServer;
  let proxy: FaultProxy | undefined;
  before(async () => {
    helper.settings({ userDir });
    await new Promise<void>((resolve) => helper.startServer(resolve));
    server = await startTestServer({ tickMs: 100 });
  });
  after(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    await proxy?.stop();
    await server.stop();
    rmSync(userDir, { recursive: true, force: true });
  });

  it(`a ${HOLE_MS / 1000}-s blackhole: stale flagged, Catch told, data again once the link answers`, async () => {
    proxy = await new FaultProxy(server.port).up();
    await helper.load(opcuaNodes, [
      endpointConfig(`opc.tcp://127.0.0.1:${proxy.port}`),
      { id: 'sub', type: 'millwright-opcua-subscribe', endpoint: 'ep', items: [{ nodeId: 'ns=2;s=Counter', tag: 'count' }], publishingInterval: 100, samplingInterval: 50, queueSize: 10, output: 'change', wires: [['out']] },
      { id: 'out', type: 'helper' },
      ...catcher(null),
    ]);
    const w = watch(getNode('out'), getNode('caught'));
    const good = (from = 0) => w.samplesSince(from).filter((s) => s.quality === 'good');
    await w.until('data', () => good().length > 3);
    const accepted = proxy.stats.accepted;
    proxy.mode = 'blackhole';
    const during = w.msgs.length;
    await sleep(HOLE_MS);
    assert.ok(w.samplesSince(during).some((s) => s.quality === 'bad'), 'stale data flagged');
    assert.ok(proxy.stats.accepted > accepted, 'the client gave the session up and tried to reconnect into the blackhole');
    proxy.mode = 'pass';
    const back = w.msgs.length;
    const reconnectMs = await w.until('data once the link answers', () => good(back).length > 0);
    assert.ok(w.caught.some((e) => /stale/.test(e)), `Catch heard of it: ${w.caught.join(' | ')}`);
    assertNoDuplicates(w.samplesSince(0), 'long blackhole');
    reportFault('opcua', `blackhole ${HOLE_MS / 1000} s (past the keep-alive timeout)`, { survived: true, reconnectMs, caught: w.caught });
  });
});
