import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { backoffDelay, ModbusConnection, ModbusRequestError, type StateChange } from '../../lib/protocols/modbus-client';
import { ModbusPoller } from '../../lib/protocols/modbus-poller';
import { parseTagTable } from '../../lib/protocols/modbus-tags';
import { freePort, InProcessModbusServer } from '../fixtures/modbus-servers';

function waitFor(conn: ModbusConnection, state: StateChange['state'], timeoutMs: number): Promise<StateChange> {
  if (conn.state.state === state) return Promise.resolve(conn.state);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      conn.off('state', on);
      reject(new Error(`no "${state}" within ${timeoutMs} ms (now ${conn.state.state})`));
    }, timeoutMs);
    const on = (s: StateChange) => {
      if (s.state !== state) return;
      clearTimeout(timer);
      conn.off('state', on);
      resolve(s);
    };
    conn.on('state', on);
  });
}

const fast = { backoffInitialMs: 20, backoffMaxMs: 100 };

describe('modbus connection', () => {
  const server = new InProcessModbusServer();
  before(async () => {
    await server.start();
    server.memory.holding.set([0x3f80, 0x0000, 0xffff], 10);
    server.memory.coil[3] = 1;
  });
  after(() => server.stop());

  it('reads registers and bits, and a poller decodes them into good samples', async () => {
    const conn = new ModbusConnection({ host: '127.0.0.1', port: server.port, ...fast });
    try {
      conn.start();
      await waitFor(conn, 'connected', 3000);
      const tags = parseTagTable([
        { name: 'speed', area: 'holding', address: 10, type: 'float32', unit: 'm/s' },
        { name: 'minus', area: 'holding', address: 12, type: 'int16' },
        { name: 'run', area: 'coil', address: 3 },
      ]);
      const poller = new ModbusPoller(conn, tags, 'plc');
      const result = await poller.poll();
      assert.deepEqual(result.failures, []);
      assert.deepEqual(result.samples.map((s) => [s.tag, s.value, s.quality, s.unit]), [['run', true, 'good', undefined], ['speed', 1, 'good', 'm/s'], ['minus', -1, 'good', undefined]]);
      assert.equal(result.requests, 2);
    } finally {
      await conn.close();
    }
  });

  it('turns a Modbus exception into an error with its code, and bad quality for the tags it carried', async () => {
    const conn = new ModbusConnection({ host: '127.0.0.1', port: server.port, ...fast });
    server.refuse = (area, start) => (area === 'holding' && start === 0 ? 2 : undefined);
    try {
      conn.start();
      await waitFor(conn, 'connected', 3000);
      await assert.rejects(conn.readRegisters('holding', 1, 0, 2), (e: ModbusRequestError) => e.kind === 'exception' && e.exceptionCode === 2 && /Illegal data address/.test(e.message));
      const poller = new ModbusPoller(conn, parseTagTable([{ name: 'a', area: 'holding', address: 0 }, { name: 'b', area: 'holding', address: 200, type: 'int16' }]), 'plc', { maxGap: 0 });
      const result = await poller.poll();
      assert.equal(result.failures.length, 1);
      assert.deepEqual(result.samples.map((s) => [s.tag, s.quality]), [['a', 'bad'], ['b', 'good']]);
      assert.match(result.samples.find((s) => s.tag === 'a')!.error ?? '', /exception 2/);
    } finally {
      server.refuse = undefined;
      await conn.close();
    }
  });

  it('splits a merged read the device refuses across unmapped addresses, and keeps the split', async () => {
    const conn = new ModbusConnection({ host: '127.0.0.1', port: server.port, ...fast });
    const mapped = new Set([10, 11, 12, 60, 61]);
    server.refuse = (area, start, count) => {
      for (let a = start; a < start + count; a++) if (area === 'holding' && !mapped.has(a)) return 2;
      return undefined;
    };
    try {
      conn.start();
      await waitFor(conn, 'connected', 3000);
      const tags = parseTagTable([
        { name: 'speed', area: 'holding', address: 10, type: 'float32' },
        { name: 'minus', area: 'holding', address: 12, type: 'int16' },
        { name: 'far', area: 'holding', address: 60, type: 'uint32' },
      ]);
      const poller = new ModbusPoller(conn, tags, 'plc');
      assert.equal(poller.plan.length, 1);
      const first = await poller.poll();
      assert.deepEqual(first.failures, []);
      assert.ok(first.samples.every((s) => s.quality === 'good'));
      assert.deepEqual(poller.plan.map((r) => [r.start, r.count]), [[10, 3], [60, 2]]);
      assert.equal(poller.splits, 1);
      const reads = server.reads.length;
      const second = await poller.poll();
      assert.ok(second.samples.every((s) => s.quality === 'good'));
      assert.equal(server.reads.length - reads, 2);
      // an address that really is missing stays a failure
      mapped.delete(60);
      const third = await poller.poll();
      assert.equal(third.failures.length, 1);
      assert.equal(third.samples.find((s) => s.tag === 'far')?.quality, 'bad');
    } finally {
      server.refuse = undefined;
      await conn.close();
    }
  });

  it('polls a table needing more requests than the queue holds without overflowing it', async () => {
    const conn = new ModbusConnection({ host: '127.0.0.1', port: server.port, queueSize: 4, ...fast });
    try {
      conn.start();
      await waitFor(conn, 'connected', 3000);
      const tags = parseTagTable(Array.from({ length: 30 }, (_, i) => ({ name: `t${i}`, area: 'holding', address: i * 10 })));
      const poller = new ModbusPoller(conn, tags, 'plc', { maxGap: 0 });
      assert.equal(poller.plan.length, 30);
      const result = await poller.poll();
      assert.deepEqual(result.failures.map((f) => f.error.message), []);
      assert.equal(result.samples.filter((s) => s.quality === 'good').length, 30);
      assert.equal(conn.stats.drops, 0);
    } finally {
      await conn.close();
    }
  });

  it('times out silent requests, then drops and re-opens a link that keeps timing out', async () => {
    const conn = new ModbusConnection({ host: '127.0.0.1', port: server.port, timeoutMs: 100, timeoutsBeforeReconnect: 2, ...fast });
    try {
      conn.start();
      await waitFor(conn, 'connected', 3000);
      server.silent = true;
      await assert.rejects(conn.readRegisters('holding', 1, 0, 1), (e: ModbusRequestError) => e.kind === 'timeout' && /no reply .* within 100 ms/.test(e.message));
      const lost = waitFor(conn, 'reconnecting', 3000);
      await assert.rejects(conn.readRegisters('holding', 1, 0, 1), /no reply/);
      assert.match((await lost).error ?? '', /2 requests in a row timed out/);
      server.silent = false;
      await waitFor(conn, 'connected', 3000);
      assert.equal((await conn.readRegisters('holding', 1, 12, 1)).readUInt16BE(0), 0xffff);
      assert.equal(conn.stats.timeouts, 2);
    } finally {
      server.silent = false;
      await conn.close();
    }
  });

  it('rejects requests beyond the queue bound with a clear error and counts them', async () => {
    const conn = new ModbusConnection({ host: '127.0.0.1', port: server.port, queueSize: 3, ...fast });
    try {
      conn.start();
      await waitFor(conn, 'connected', 3000);
      const results = await Promise.allSettled(Array.from({ length: 8 }, () => conn.readRegisters('holding', 1, 10, 2)));
      const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
      // one request goes on the wire at once, three may wait, the other four are refused
      assert.equal(rejected.length, 4);
      assert.ok(rejected.every((r) => (r.reason as ModbusRequestError).kind === 'queue-full' && /request queue full \(3 waiting/.test(r.reason.message)));
      assert.equal(conn.stats.drops, 4);
    } finally {
      await conn.close();
    }
  });

  it('keeps retrying while the server is down, fails requests fast meanwhile, and is back within 5 s of its return', async () => {
    const port = await freePort();
    const states: StateChange[] = [];
    const conn = new ModbusConnection({ host: '127.0.0.1', port });
    conn.on('state', (s) => states.push(s));
    const late = new InProcessModbusServer(port);
    try {
      conn.start();
      // long enough for the backoff to reach its cap
      await new Promise((r) => setTimeout(r, 5000));
      assert.equal(conn.state.state, 'reconnecting');
      await assert.rejects(conn.readRegisters('holding', 1, 0, 1), (e: ModbusRequestError) => e.kind === 'not-connected' && /not connected to 127\.0\.0\.1:\d+ \(reconnecting, attempt \d+: .*ECONNREFUSED/.test(e.message));
      const attempts = states.filter((s) => s.state === 'reconnecting').map((s) => s.attempt);
      assert.ok(attempts.length >= 4, `attempts so far: ${attempts}`);
      assert.deepEqual(attempts, attempts.map((_, i) => i + 1));
      await late.start();
      await waitFor(conn, 'connected', 5000);
      assert.equal(late.openSockets, 1);
    } finally {
      await conn.close();
      await late.stop();
    }
  });

  it('reconnects after the server stops and restarts, and close() leaves no socket open', async () => {
    const restartable = await new InProcessModbusServer().start();
    const conn = new ModbusConnection({ host: '127.0.0.1', port: restartable.port, ...fast });
    try {
      conn.start();
      await waitFor(conn, 'connected', 3000);
      const lost = waitFor(conn, 'reconnecting', 3000);
      await restartable.stop();
      assert.match((await lost).error ?? '', /closed|ECONNRESET|EPIPE/);
      await restartable.start();
      await waitFor(conn, 'connected', 5000);
      assert.equal((await conn.readRegisters('holding', 1, 0, 1)).length, 2);
      assert.equal(restartable.openSockets, 1);
      await conn.close();
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(restartable.openSockets, 0);
      await assert.rejects(conn.readRegisters('holding', 1, 0, 1), /connection closed/);
    } finally {
      await conn.close();
      await restartable.stop();
    }
  });

  it('caps the backoff so a returning server is retried within the cap, with jitter', () => {
    const delays = Array.from({ length: 40 }, (_, i) => backoffDelay(i + 1, 250, 2500, () => 1));
    assert.deepEqual(delays.slice(0, 5), [250, 500, 1000, 2000, 2500]);
    assert.ok(delays.every((d) => d <= 2500));
    assert.equal(backoffDelay(10, 250, 2500, () => 0), 1250);
  });

  it('refuses bad options with a clear message', () => {
    assert.throws(() => new ModbusConnection({ host: '', port: 502 }), /host is missing/);
    assert.throws(() => new ModbusConnection({ host: 'plc', port: 70000 }), /port must be a whole number in 1\.\.65535/);
    assert.throws(() => new ModbusConnection({ transport: 'rtu' }), /serial port path is missing/);
    assert.throws(() => new ModbusConnection({ host: 'plc', queueSize: 0 }), /queue size/);
  });
});
