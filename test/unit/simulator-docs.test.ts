import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { faultCoil } from '../../lib/simulator/modbus-map';
import { opcuaNodeId } from '../../lib/simulator/opcua-address';
import { MACHINE_NAMES, PROCESS_FAULT_MACHINES, TAGS, tagName } from '../../lib/simulator/tags';

const doc = readFileSync(join(__dirname, '..', '..', 'docs', 'simulator.md'), 'utf8');

describe('docs/simulator.md matches the simulator', () => {
  it('lists every register at its address and every OPC UA node id', () => {
    for (const def of TAGS) {
      if (def.register !== undefined) assert.ok(doc.includes(`| ${def.register}–${def.register + 1} | \`${tagName(def)}\``), `register row of ${tagName(def)}`);
      assert.ok(doc.includes(`| \`${opcuaNodeId(def)}\``), `node id row of ${tagName(def)}`);
    }
  });

  it('gives the fault coil of every machine and fault that applies', () => {
    for (const machine of MACHINE_NAMES) {
      const row = doc.split('\n').find((line) => line.startsWith(`| ${machine} | `) && /\| \d+ \|$/.test(line));
      assert.ok(row, `coil row for ${machine}`);
      const cells = row.split('|').slice(2, -1).map((c) => c.trim());
      (['bearing', 'clogging', 'stuck', 'spike', 'dropout', 'repair'] as const).forEach((fault, i) => {
        const applies = fault === 'bearing' || fault === 'clogging' ? PROCESS_FAULT_MACHINES[fault].includes(machine) : true;
        assert.equal(cells[i], applies ? String(faultCoil(machine, fault)) : '–', `${machine} ${fault}`);
      });
    }
  });
});
