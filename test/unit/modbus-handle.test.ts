import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectionOptionsFrom, connectionStatus } from '../../lib/protocols/modbus-handle';

describe('modbus connection status and options', () => {
  it('shows connecting in yellow, connected in green and every retry in red with its attempt', () => {
    assert.deepEqual(connectionStatus({ state: 'connecting', attempt: 0 }, 'plc:502'), { fill: 'yellow', shape: 'ring', text: 'connecting to plc:502' });
    assert.equal(connectionStatus({ state: 'connected', attempt: 0 }, 'plc:502').fill, 'green');
    const retry = connectionStatus({ state: 'reconnecting', attempt: 4, error: 'connect ECONNREFUSED' }, 'plc:502');
    assert.deepEqual([retry.fill, retry.text], ['red', 'reconnecting (attempt 4): connect ECONNREFUSED']);
    assert.equal(connectionStatus({ state: 'connecting', attempt: 4, error: 'x' }, 'plc:502').fill, 'red');
    assert.deepEqual(connectionStatus({ state: 'closed', attempt: 0 }, 'plc:502'), {});
  });

  it('reads editor fields with defaults and keeps bad values for the connection to refuse', () => {
    const o = connectionOptionsFrom({ host: ' 10.0.0.5 ', port: '', timeout: '250' });
    assert.deepEqual([o.transport, o.host, o.port, o.unitId, o.timeoutMs, o.queueSize], ['tcp', '10.0.0.5', 502, 1, 250, 64]);
    assert.ok(Number.isNaN(connectionOptionsFrom({ port: 'abc' }).port));
    assert.equal(connectionOptionsFrom({ transport: 'rtu', serialPath: '/dev/ttyUSB0' }).path, '/dev/ttyUSB0');
  });
});
