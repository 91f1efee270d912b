import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import ModbusRTU from 'modbus-serial';
import { parseArgs } from '../../lib/simulator/cli';

const root = join(__dirname, '..', '..');
const cli = join(root, 'lib', 'simulator', 'cli.ts');

describe('millwright-sim command line', () => {
  it('parses the documented options', () => {
    const o = parseArgs(['--speed', '60', '--seed', 'demo', '--opcua-port=0', '--modbus-port', '1502', '--host', '0.0.0.0', '--fault', 'Spindle:bearing', '--life-hours', '2']);
    assert.deepEqual(o.sim, { speedFactor: 60, seed: 'demo', opcuaPort: 0, modbusPort: 1502, host: '0.0.0.0', spindleLifeHours: 2 });
    assert.deepEqual(o.faults, [['Spindle', 'bearing']]);
    assert.equal(parseArgs(['--seed', '7']).sim.seed, 7);
    assert.equal(parseArgs(['--no-opcua']).sim.opcuaPort, null);
    assert.throws(() => parseArgs(['--speed', 'fast']), /--speed needs a number/);
    assert.throws(() => parseArgs(['--modbus-port', '70000']), /--modbus-port needs a port/);
    assert.throws(() => parseArgs(['--fault', 'bearing']), /machine:fault/);
    assert.throws(() => parseArgs(['--bogus']), /unknown option "--bogus"/);
  });

  it('exits 2 with usage on a bad option', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, '--speed'], { cwd: root, encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--speed needs a number/);
    assert.match(r.stderr, /Usage: millwright-sim/);
  });

  it('serves the plant until SIGINT, with a fault injected from the command line', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', cli, '--no-opcua', '--modbus-port', '0', '--fault', 'Pump:clogging', '--seed', '3'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          const m = /Modbus TCP on 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', () => reject(new Error(`exited early: ${out}`)));
      });
      const client = new ModbusRTU();
      await client.connectTCP('127.0.0.1', { port });
      client.setID(1);
      assert.equal((await client.readCoils(111, 1)).data[0], true, 'Pump clogging coil set by --fault');
      await new Promise<void>((resolve) => client.close(() => resolve()));
    } finally {
      child.kill('SIGINT');
    }
    assert.equal(await exited, 0, out);
  });
});
