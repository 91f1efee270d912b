import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEndpointSettings } from '../../lib/protocols/opcua-options';
import { chooseSecurity, describeOffered, holdSecurity, policyName, securityStrength, type OfferedEndpoint } from '../../lib/protocols/opcua-security-choice';

const URI = 'http://opcfoundation.org/UA/SecurityPolicy#';
const ep = (mode: string, policy: string, tokenTypes = ['Anonymous', 'UserName']): OfferedEndpoint => ({ mode, policyUri: URI + policy, tokenTypes });

describe('OPC UA security auto choice', () => {
  it('picks SignAndEncrypt with Basic256Sha256 over every weaker offer, whatever the order', () => {
    const offered = [ep('None', 'None'), ep('Sign', 'Basic256Sha256'), ep('SignAndEncrypt', 'Aes128_Sha256_RsaOaep'), ep('SignAndEncrypt', 'Basic256Sha256'), ep('SignAndEncrypt', 'Aes256_Sha256_RsaPss')];
    for (const list of [offered, [...offered].reverse()]) assert.deepEqual(chooseSecurity(list, 'anonymous'), { mode: 'SignAndEncrypt', policy: 'Basic256Sha256' });
  });

  it('falls back in order: Aes256 then Aes128 encryption, then Sign, then None', () => {
    assert.deepEqual(chooseSecurity([ep('SignAndEncrypt', 'Aes128_Sha256_RsaOaep'), ep('SignAndEncrypt', 'Aes256_Sha256_RsaPss'), ep('Sign', 'Basic256Sha256')], 'anonymous'), { mode: 'SignAndEncrypt', policy: 'Aes256_Sha256_RsaPss' });
    assert.deepEqual(chooseSecurity([ep('None', 'None'), ep('SignAndEncrypt', 'Aes128_Sha256_RsaOaep')], 'anonymous'), { mode: 'SignAndEncrypt', policy: 'Aes128_Sha256_RsaOaep' });
    assert.deepEqual(chooseSecurity([ep('None', 'None'), ep('Sign', 'Aes128_Sha256_RsaOaep')], 'anonymous'), { mode: 'Sign', policy: 'Aes128_Sha256_RsaOaep' });
    assert.deepEqual(chooseSecurity([ep('None', 'None')], 'anonymous'), { mode: 'None', policy: 'None' });
  });

  it('ignores policies this client does not speak (deprecated Basic256, Basic128Rsa15) and says what was offered', () => {
    const deprecated = [ep('SignAndEncrypt', 'Basic256'), ep('SignAndEncrypt', 'Basic128Rsa15')];
    assert.equal(chooseSecurity(deprecated, 'anonymous'), undefined);
    assert.deepEqual(chooseSecurity([...deprecated, ep('None', 'None')], 'anonymous'), { mode: 'None', policy: 'None' });
    assert.equal(describeOffered(deprecated), 'SignAndEncrypt/Basic256, SignAndEncrypt/Basic128Rsa15');
    assert.equal(describeOffered([]), 'no endpoints');
  });

  it('prefers an endpoint that accepts the configured login', () => {
    const offered = [ep('SignAndEncrypt', 'Basic256Sha256', ['Anonymous']), ep('Sign', 'Basic256Sha256', ['UserName'])];
    assert.deepEqual(chooseSecurity(offered, 'username'), { mode: 'Sign', policy: 'Basic256Sha256' });
    assert.deepEqual(chooseSecurity(offered, 'anonymous'), { mode: 'SignAndEncrypt', policy: 'Basic256Sha256' });
    // No endpoint lists X.509 users: still the strongest, the server's session error will say why.
    assert.deepEqual(chooseSecurity(offered, 'certificate'), { mode: 'SignAndEncrypt', policy: 'Basic256Sha256' });
  });

  it('reads policy names from URIs', () => {
    assert.equal(policyName(`${URI}Aes256_Sha256_RsaPss`), 'Aes256_Sha256_RsaPss');
    assert.equal(policyName('None'), 'None');
  });

  it('auto is the default; a flow saved with None keeps None', () => {
    assert.equal(parseEndpointSettings({ endpointUrl: 'opc.tcp://h:1', pkiDir: 'pki' }).securityMode, 'auto');
    assert.equal(parseEndpointSettings({ endpointUrl: 'opc.tcp://h:1', pkiDir: 'pki', securityMode: '' }).securityMode, 'auto');
    const none = parseEndpointSettings({ endpointUrl: 'opc.tcp://h:1', pkiDir: 'pki', securityMode: 'None', securityPolicy: 'Basic256Sha256' });
    assert.equal(none.securityMode, 'None');
    assert.equal(none.securityPolicy, 'None');
  });

  it('on a reconnect, refuses a weaker choice than the connection already had and names both', () => {
    const had = { mode: 'SignAndEncrypt', policy: 'Basic256Sha256' } as const;
    const onlyNone = [ep('None', 'None')];
    const refused = holdSecurity(chooseSecurity(onlyNone, 'anonymous')!, had, onlyNone);
    assert.ok('refused' in refused, 'None after SignAndEncrypt is refused');
    assert.match(refused.refused, /offers only None\/None, was SignAndEncrypt\/Basic256Sha256/);
    assert.match(refused.refused, /set the security mode explicitly/);
    const signOnly = [ep('Sign', 'Basic256Sha256')];
    assert.ok('refused' in holdSecurity(chooseSecurity(signOnly, 'anonymous')!, had, signOnly), 'Sign after SignAndEncrypt is refused');
  });

  it('on a reconnect, keeps an equal or stronger choice, and the earlier one while it is still offered', () => {
    const had = { mode: 'Sign', policy: 'Basic256Sha256' } as const;
    const stronger = { mode: 'SignAndEncrypt', policy: 'Basic256Sha256' } as const;
    assert.deepEqual(holdSecurity(stronger, had, [ep('SignAndEncrypt', 'Basic256Sha256')]), stronger);
    assert.deepEqual(holdSecurity(had, had, [ep('Sign', 'Basic256Sha256')]), had);
    assert.deepEqual(holdSecurity({ mode: 'None', policy: 'None' }, undefined, [ep('None', 'None')]), { mode: 'None', policy: 'None' }, 'a first connect takes what is offered');
    // The login filter picked a weaker endpoint, but the earlier one is still listed: keep it.
    const offered = [ep('None', 'None', ['UserName']), ep('Sign', 'Basic256Sha256', ['Anonymous'])];
    assert.deepEqual(holdSecurity(chooseSecurity(offered, 'username')!, had, offered), had);
  });

  it('ranks SignAndEncrypt above Sign above None, Basic256Sha256 first among policies', () => {
    const order = [
      { mode: 'None', policy: 'None' },
      { mode: 'Sign', policy: 'Basic256Sha256' },
      { mode: 'SignAndEncrypt', policy: 'Aes128_Sha256_RsaOaep' },
      { mode: 'SignAndEncrypt', policy: 'Aes256_Sha256_RsaPss' },
      { mode: 'SignAndEncrypt', policy: 'Basic256Sha256' },
    ] as const;
    const strengths = order.map((c) => securityStrength(c));
    assert.deepEqual([...strengths].sort((a, b) => a - b), strengths);
    assert.equal(new Set(strengths).size, strengths.length);
  });
});
