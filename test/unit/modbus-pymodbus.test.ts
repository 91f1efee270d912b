// Decoding and coalescing against an independent peer: Debian's pymodbus encodes the values with its
// own BinaryPayloadBuilder and serves them; Millwright reads them back.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ModbusConnection } from '../../lib/protocols/modbus-client';
import { contiguousBlocks, optimalRequestCount } from '../../lib/protocols/modbus-coalesce';
import { ModbusPoller } from '../../lib/protocols/modbus-poller';
import { parseTagTable, type ModbusTagInput } from '../../lib/protocols/modbus-tags';
import { pymodbusAvailable, startPymodbus, type PymodbusServer } from '../fixtures/modbus-servers';

const VALUES: Record<string, number | string> = {
  int16: -12345,
  uint16: 54321,
  int32: -1234567890,
  uint32: 3456789012,
  float32: -1234.25,
  float64: 98765.4321012345,
  string: 'MILLWRIGHT',
};

const skip = pymodbusAvailable() ? false : 'python3-pymodbus is not installed for /usr/bin/python3 (.ci/run installs it)';

describe('modbus against pymodbus (independent peer)', { skip }, () => {
  const rows: ModbusTagInput[] = [];
  const payload: Array<Record<string, unknown>> = [];
  const expected = new Map<string, unknown>();
  let server: PymodbusServer;

  before(async () => {
    // every type in every byte/word order, scattered over two register areas with gaps
    let address = 3;
    for (const area of ['holding', 'input']) {
      for (const [type, value] of Object.entries(VALUES)) {
        const orders = type === 'string' ? [['big', 'big']] : [['big', 'big'], ['big', 'little'], ['little', 'big'], ['little', 'little']];
        for (const [byteorder, wordorder] of orders) {
          const name = `${area}-${type}-${byteorder}-${wordorder}`;
          rows.push({ name, area, address, type: type === 'string' ? 'string(10)' : type, byteOrder: byteorder, wordOrder: wordorder });
          payload.push({ area, address, type, value, byteorder, wordorder });
          expected.set(name, value);
          address += (type === 'float64' ? 4 : type === 'string' ? 5 : type.endsWith('16') ? 1 : 2) + (address % 7);
        }
      }
      address += 200;
    }
    const coilOn = [1, 0, 1, 1, 0];
    coilOn.forEach((v, i) => {
      rows.push({ name: `coil${i}`, area: 'coil', address: 100 + i * 400 });
      expected.set(`coil${i}`, v === 1);
    });
    rows.push({ name: 'flag', area: 'holding', address: 2000, type: 'bool', bit: 9 });
    expected.set('flag', true);
    const coil: Record<string, number[]> = {};
    coilOn.forEach((v, i) => (coil[String(100 + i * 400)] = [v]));
    server = await startPymodbus({ payload, coil, holding: { '2000': [1 << 9] } } as never);
  });
  after(() => server?.stop());

  it('decodes every type in every byte and word order, in the fewest requests', async () => {
    const tags = parseTagTable(rows);
    const conn = new ModbusConnection({ host: '127.0.0.1', port: server.port, backoffInitialMs: 20, backoffMaxMs: 100 });
    const connected = new Promise<void>((resolve) => conn.on('state', (s) => s.state === 'connected' && resolve()));
    conn.start();
    try {
      await connected;
      const poller = new ModbusPoller(conn, tags, 'pymodbus');
      server.reads.length = 0;
      const result = await poller.poll();
      assert.deepEqual(result.failures.map((f) => f.error.message), []);
      for (const s of result.samples) {
        const want = expected.get(s.tag);
        if (typeof want === 'number' && !Number.isInteger(want)) {
          assert.ok(Math.abs((s.value as number) - want) <= Math.abs(want) * 1e-7, `${s.tag}: ${s.value} vs ${want}`);
        } else assert.equal(s.value, want, s.tag);
        assert.equal(s.quality, 'good');
      }
      assert.equal(result.samples.length, tags.length);
      // the peer saw exactly the planned requests, and that is the proven optimum
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(server.reads.length, poller.plan.length);
      assert.equal(poller.plan.length, optimalRequestCount(tags));
      assert.ok(poller.plan.length < contiguousBlocks(tags).length, `${poller.plan.length} vs ${contiguousBlocks(tags).length} contiguous blocks`);
      assert.deepEqual(
        server.reads.map((r) => `${r.area}:${r.start}+${r.count}`).sort(),
        poller.plan.map((r) => `${r.area}:${r.start}+${r.count}`).sort(),
      );
    } finally {
      await conn.close();
    }
  });
});
