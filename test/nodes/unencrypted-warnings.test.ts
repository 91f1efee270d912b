// Links that cannot be encrypted say so once: Modbus (no encryption or login in the protocol) logs one
// "unencrypted" warning per deployment and keeps its green status, so real faults still stand out.
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { isUnencryptedBrokerUrl } from '../../lib/edge/mqtt-link';
import connectionNode = require('../../nodes/modbus-connection/modbus-connection');
import pollNode = require('../../nodes/modbus-poll/modbus-poll');
import { InProcessModbusServer } from '../fixtures/modbus-servers';
import { collect, getNode, helper, lastStatus, sleep } from '../helpers/node-red';

describe('unencrypted links are flagged', () => {
  const server = new InProcessModbusServer();
  before(async () => {
    await new Promise<void>((resolve) => helper.startServer(resolve));
    await server.start();
  });
  after(async () => {
    await server.stop();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
  });
  afterEach(() => helper.unload());

  it('Modbus: one warning per deployment, however many polls, and a green status', async () => {
    await helper.load([connectionNode, pollNode], [
      { id: 'tab', type: 'tab' },
      { id: 'conn', type: 'millwright-modbus-connection', z: '', host: '127.0.0.1', port: server.port, unitId: 1, timeout: 300, queueSize: 64 },
      { id: 'p1', type: 'millwright-modbus-poll', z: 'tab', connection: 'conn', tags: [{ name: 'a', area: 'holding', address: '1', type: 'uint16' }], addressing: '0', interval: 50, output: 'poll', maxGap: '', wires: [['out']] },
      { id: 'p2', type: 'millwright-modbus-poll', z: 'tab', connection: 'conn', tags: [{ name: 'b', area: 'holding', address: '2', type: 'uint16' }], addressing: '0', interval: 50, output: 'poll', maxGap: '', wires: [['out']] },
      { id: 'out', type: 'helper', z: 'tab' },
    ]);
    const got = collect(getNode('out'));
    for (let i = 0; i < 100 && got.length < 6; i++) await sleep(50);
    assert.ok(got.length >= 6, 'both polls delivered');
    const conn = getNode('conn');
    const warnings = (Object.getPrototypeOf(conn).warn.getCalls() as Array<{ thisValue: unknown; args: unknown[] }>).filter((c) => c.thisValue === conn && /^unencrypted:/.test(String(c.args[0])));
    assert.equal(warnings.length, 1);
    assert.match(String(warnings[0].args[0]), /no encryption and no login/);
    assert.equal(lastStatus(getNode('p1')).fill, 'green');
  });

  it('MQTT: broker URLs without TLS are recognised', () => {
    for (const url of ['mqtt://broker:1883', 'ws://broker/mqtt', 'tcp://10.0.0.5:1883', ' MQTT://b ']) assert.equal(isUnencryptedBrokerUrl(url), true, url);
    for (const url of ['mqtts://broker:8883', 'wss://broker/mqtt', 'ssl://b:8883']) assert.equal(isUnencryptedBrokerUrl(url), false, url);
  });
});
