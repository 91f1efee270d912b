import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, maxBackoffDelay } from '../../lib/protocols/opcua-backoff';
import { checkEndpointUrl, isUnencrypted, parseEndpointSettings, redact } from '../../lib/protocols/opcua-options';

describe('OPC UA endpoint settings', () => {
  it('accepts the usual URL shapes and names what is wrong with bad ones', () => {
    assert.equal(checkEndpointUrl(' opc.tcp://127.0.0.1:4840 '), 'opc.tcp://127.0.0.1:4840');
    assert.equal(checkEndpointUrl('opc.tcp://plc-7.local:4840/UA/Server'), 'opc.tcp://plc-7.local:4840/UA/Server');
    assert.throws(() => checkEndpointUrl(''), /Endpoint URL is empty/);
    assert.throws(() => checkEndpointUrl('http://127.0.0.1:4840'), /not valid: expected opc\.tcp/);
    assert.throws(() => checkEndpointUrl('opc.tcp://host:99999'), /port 99999 is out of range/);
    assert.throws(() => checkEndpointUrl('opc.tcp://ho st:4840'), /not valid/);
  });

  it('parses security and authentication, with defaults', () => {
    const anon = parseEndpointSettings({ endpointUrl: 'opc.tcp://h:1', pkiDir: 'pki', securityMode: 'None' });
    assert.equal(anon.securityMode, 'None');
    assert.equal(anon.securityPolicy, 'None');
    assert.deepEqual(anon.auth, { type: 'anonymous' });
    assert.equal(isUnencrypted(anon), true);
    const secure = parseEndpointSettings({ endpointUrl: 'opc.tcp://h:1', pkiDir: 'pki', securityMode: 'SignAndEncrypt', securityPolicy: 'Aes256_Sha256_RsaPss', authType: 'username', userName: 'op', password: 'pw' });
    assert.equal(secure.securityPolicy, 'Aes256_Sha256_RsaPss');
    assert.deepEqual(secure.auth, { type: 'username', userName: 'op', password: 'pw' });
    assert.equal(isUnencrypted(secure), false);
    assert.equal(isUnencrypted({ securityMode: 'Sign' }), true);
  });

  it('rejects unknown modes, policies and incomplete credentials with the field named', () => {
    const base = { endpointUrl: 'opc.tcp://h:1', pkiDir: 'pki' };
    assert.throws(() => parseEndpointSettings({ ...base, securityMode: 'Encrypt' }), /Security mode "Encrypt" is unknown/);
    assert.throws(() => parseEndpointSettings({ ...base, securityMode: 'Sign', securityPolicy: 'Basic128Rsa15' }), /Security policy "Basic128Rsa15" is unknown/);
    assert.throws(() => parseEndpointSettings({ ...base, authType: 'username' }), /User name is empty/);
    assert.throws(() => parseEndpointSettings({ ...base, authType: 'certificate', certificateFile: 'a.pem' }), /certificate file and a private key file/);
    assert.throws(() => parseEndpointSettings({ ...base, authType: 'kerberos' }), /Authentication "kerberos" is unknown/);
  });

  it('redacts every occurrence of a secret', () => {
    assert.equal(redact('user op pw s3cret! failed, s3cret! again', ['s3cret!', undefined, '']), 'user op pw *** failed, *** again');
  });
});

describe('reconnect backoff', () => {
  it('grows exponentially from the initial delay and stays under the cap however long the outage', () => {
    const mid = () => 0.5; // no jitter
    const opts = { initialMs: 100, maxMs: 1000, jitter: 0.2 };
    assert.deepEqual([1, 2, 3, 4, 5].map((n) => backoffDelay(n, opts, mid)), [100, 200, 400, 800, 1000]);
    for (const attempt of [10, 1000, 1e9]) {
      assert.ok(backoffDelay(attempt, opts, () => 0.999999) <= maxBackoffDelay(opts));
      assert.ok(backoffDelay(attempt, opts, () => 0) >= 800);
    }
  });

  it('spreads delays with jitter so many clients do not reconnect in lockstep', () => {
    const seen = new Set<number>();
    let x = 0.1;
    for (let i = 0; i < 20; i++) seen.add(backoffDelay(6, { initialMs: 100, maxMs: 1000, jitter: 0.25 }, () => (x = (x * 7.13) % 1)));
    assert.ok(seen.size > 10, `expected varied delays, got ${[...seen]}`);
  });

  it('the default cap lets a returning server be found well within 5 s', () => {
    assert.ok(maxBackoffDelay() <= 3000);
  });
});
