import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import ModbusRTU from 'modbus-serial';
import { PlantSimulator } from '../../lib/simulator/simulator';
import { TAGS, tagName } from '../../lib/simulator/tags';

/** Decodes a float32 the way the docs state it: big-endian bytes, high word first. */
function float(words: number[], at: number): number {
  const buf = Buffer.alloc(4);
  buf.writeUInt16BE(words[at], 0);
  buf.writeUInt16BE(words[at + 1], 2);
  return buf.readFloatBE(0);
}

function words(value: number): number[] {
  const buf = Buffer.alloc(4);
  buf.writeFloatBE(value);
  return [buf.readUInt16BE(0), buf.readUInt16BE(2)];
}

describe('plant simulator: Modbus TCP register map', () => {
  let sim: PlantSimulator;
  let client: ModbusRTU;
  let port: number;

  before(async () => {
    sim = new PlantSimulator({ seed: 3, run: false, opcuaPort: null, modbusPort: 0 });
    const status = await sim.start();
    assert.ok(status.modbus && status.modbus.port > 0);
    assert.equal(status.opcua, null);
    port = status.modbus.port;
    sim.step(45);
    client = new ModbusRTU();
    await client.connectTCP('127.0.0.1', { port });
    client.setID(1);
    client.setTimeout(2000);
  });

  after(async () => {
    await new Promise<void>((resolve) => client.close(() => resolve()));
    await sim.stop();
  });

  it('serves every float tag at its documented input register, mirrored in holding registers', async () => {
    const floats = TAGS.filter((t) => t.register !== undefined && t.type !== 'datetime');
    for (const def of floats) {
      const [input, holding] = await Promise.all([client.readInputRegisters(def.register as number, 2), client.readHoldingRegisters(def.register as number, 2)]);
      const raw = sim.plant.read(tagName(def)).value;
      const expected = typeof raw === 'boolean' ? (raw ? 1 : 0) : Math.fround(raw as number);
      assert.equal(float(input.data, 0), expected, tagName(def));
      assert.deepEqual(holding.data, input.data);
    }
  });

  it('reads a whole machine block in one request and the simulated clock as uint32 seconds', async () => {
    const block = await client.readInputRegisters(0, 20);
    assert.equal(float(block.data, 8), Math.fround(sim.plant.read('Spindle/Temperature').value as number));
    assert.equal(float(block.data, 18), 8192);
    const clock = await client.readInputRegisters(404, 2);
    assert.equal(clock.data[0] * 65536 + clock.data[1], Math.floor(sim.plant.time / 1000));
  });

  it('serves the vibration block as int16 milli-g with sequence, rate and count', async () => {
    const head = await client.readInputRegisters(1000, 4);
    assert.deepEqual(head.data.slice(1), [8192, 1024, 1000]);
    assert.equal(head.data[0], sim.plant.sequence & 0xffff);
    const block = sim.plant.read('Spindle/Vibration').value as number[];
    for (const start of [0, 125, 899]) {
      const got = await client.readInputRegisters(1004 + start, 125);
      got.data.forEach((w, i) => {
        const signed = w >= 0x8000 ? w - 0x10000 : w;
        assert.ok(Math.abs(signed / 1000 - block[start + i]) <= 0.0005 + 1e-9, `sample ${start + i}`);
      });
    }
  });

  it('writes float setpoints as register pairs (FC16, and FC6 high word then low word)', async () => {
    await client.writeRegisters(2, words(9000));
    assert.equal(sim.plant.read('Spindle/SpeedSetpoint').value, 9000);
    const [hi, lo] = words(55);
    await client.writeRegister(108, hi);
    await client.writeRegister(109, lo);
    assert.equal(sim.plant.read('Pump/SpeedSetpoint').value, 55);
    await assert.rejects(client.writeRegisters(2, words(99999)), /Illegal data value|modbusCode|3/i);
    await assert.rejects(client.writeRegisters(8, words(20)), /Illegal data address/i);
    assert.equal(sim.plant.read('Spindle/SpeedSetpoint').value, 9000);
  });

  it('runs motors from their coils', async () => {
    assert.equal(sim.plant.read('Motor3/Run').value, false);
    await client.writeCoil(3, true);
    assert.equal(sim.plant.read('Motor3/Run').value, true);
    sim.step(0.2);
    const coils = await client.readCoils(0, 5);
    assert.deepEqual(coils.data.slice(0, 5), [true, true, true, true, false]);
    const current = await client.readInputRegisters(240, 2);
    assert.ok(float(current.data, 0) > 0);
    await client.writeCoil(3, false);
    assert.equal(sim.plant.read('Motor3/Run').value, false);
  });

  it('injects and clears faults through the fault coils', async () => {
    // Pump is machine 1, clogging fault 1: coil 100 + 10*1 + 1.
    await client.writeCoil(111, true);
    assert.deepEqual(sim.plant.faults(), [{ machine: 'Pump', fault: 'clogging' }]);
    assert.equal((await client.readCoils(111, 1)).data[0], true);
    await client.writeCoil(111, false);
    assert.deepEqual(sim.plant.faults(), []);
    // Spindle stuck sensor (coil 102), then the Spindle repair coil (109) clears it.
    await client.writeCoil(102, true);
    assert.equal(sim.plant.faults()[0]?.fault, 'stuck');
    await client.writeCoil(109, true);
    assert.deepEqual(sim.plant.faults(), []);
    // Clogging does not apply to the spindle: an exception, no fault.
    await assert.rejects(client.writeCoil(101, true), /Illegal data address/i);
    assert.deepEqual(sim.plant.faults(), []);
  });

  it('answers reads outside the map with an exception', async () => {
    await assert.rejects(client.readInputRegisters(2020, 20), /Illegal data address/i);
    await assert.rejects(client.readCoils(500, 1), /Illegal data address/i);
  });

  it('reports a port already in use clearly, and a stopped simulator frees its port', async () => {
    const other = new PlantSimulator({ run: false, opcuaPort: null, modbusPort: port });
    await assert.rejects(other.start(), new RegExp(`Modbus port ${port} on 127.0.0.1 is already in use`));
    await other.stop();

    const probe = new PlantSimulator({ run: false, opcuaPort: null, modbusPort: 0 });
    const { modbus } = await probe.start();
    await probe.stop();
    const free = createServer();
    await new Promise<void>((resolve, reject) => {
      free.once('error', reject);
      free.listen((modbus as { port: number }).port, '127.0.0.1', () => resolve());
    });
    assert.equal((free.address() as AddressInfo).port, modbus?.port);
    await new Promise<void>((resolve) => free.close(() => resolve()));
  });
});
