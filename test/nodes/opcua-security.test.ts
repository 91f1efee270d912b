// SignAndEncrypt with user name and password against a real node-opcua server; the password
// must never show up in a log line, a status or an error.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import { collect, getNode, helper, nextMessage, sleep } from '../helpers/node-red';
import { captureOutput, catcher, endpointConfig, opcuaNodes, until, waitForStatus } from '../fixtures/opcua-node-flows';
import { startTestServer, type TestServer } from '../fixtures/opcua-test-server';

const GOOD_PASSWORD = 'S3cr3t-pa55!word';
const WRONG_PASSWORD = 'wr0ng-Pa55-guess';

describe('OPC UA security', () => {
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-opcua-sec-'));
  let srv: TestServer;
  let output: ReturnType<typeof captureOutput>;
  before(async () => {
    helper.settings({ userDir });
    srv = await startTestServer({
      tickMs: 100,
      securityModes: [MessageSecurityMode.SignAndEncrypt],
      securityPolicies: [SecurityPolicy.Basic256Sha256, SecurityPolicy.Aes256_Sha256_RsaPss],
      users: { operator: GOOD_PASSWORD },
    });
    await new Promise<void>((resolve) => helper.startServer(resolve));
    output = captureOutput();
  });
  after(async () => {
    output.stop();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    await srv.stop();
    rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
  });

  function secureFlow(password: string, policy = 'Basic256Sha256') {
    return {
      flow: [
        endpointConfig(srv.url, { securityMode: 'SignAndEncrypt', securityPolicy: policy, authType: 'username' }),
        { id: 'sub', type: 'millwright-opcua-subscribe', endpoint: 'ep', items: [{ nodeId: srv.nodeId('Counter'), tag: 'count' }], publishingInterval: 100, samplingInterval: 50, queueSize: 5, output: 'change', wires: [['out']] },
        { id: 'rd', type: 'millwright-opcua-read', endpoint: 'ep', items: [{ nodeId: srv.nodeId('Temperature') }], output: 'all', timeout: 2000, wires: [['rdout']] },
        { id: 'out', type: 'helper' },
        { id: 'rdout', type: 'helper' },
        ...catcher(),
      ],
      credentials: { ep: { userName: 'operator', password } },
    };
  }

  /** Everything a user or log reader could see during the test. */
  function visibleText(): string {
    const parts: string[] = [output.text()];
    const log = helper.log();
    for (const call of log.getCalls()) parts.push(JSON.stringify(call.args, (_k, v) => (v instanceof Error ? `${v.message} ${v.stack}` : v)));
    const proto = Object.getPrototypeOf(getNode('sub'));
    for (const method of ['status', 'error', 'warn', 'log']) {
      const spy = proto[method];
      for (const call of spy.getCalls?.() ?? []) parts.push(JSON.stringify(call.args, (_k, v) => (v instanceof Error ? `${v.message}` : v)));
    }
    return parts.join('\n');
  }

  it('connects with SignAndEncrypt / Basic256Sha256 and the right password: data flows, green status', async () => {
    const { flow, credentials } = secureFlow(GOOD_PASSWORD);
    await helper.load(opcuaNodes, flow, credentials);
    const got = collect(getNode('out'));
    await until('data over the encrypted session', () => got.length >= 2, 20_000);
    assert.equal(got[0].payload.quality, 'good');
    const s = await waitForStatus(getNode('sub'), (st) => /item/.test(st.text ?? ''));
    assert.equal(s.fill, 'green');
    assert.doesNotMatch(s.text!, /unencrypted/);
    assert.equal(srv.sessions(), 1);
    assert.ok(!visibleText().includes(GOOD_PASSWORD), 'the password appears in no log, status or error');
  });

  it('also speaks Aes256_Sha256_RsaPss', async () => {
    const { flow, credentials } = secureFlow(GOOD_PASSWORD, 'Aes256_Sha256_RsaPss');
    await helper.load(opcuaNodes, flow, credentials);
    const reply = nextMessage(getNode('rdout'), 20_000);
    getNode('rd').receive({ payload: 1 });
    const msg = await reply;
    assert.equal(msg.payload[0].value, 20.5);
  });

  it('a wrong password gives a clear error and a red status, never the password itself', async () => {
    const { flow, credentials } = secureFlow(WRONG_PASSWORD);
    await helper.load(opcuaNodes, flow, credentials);
    const s = await waitForStatus(getNode('sub'), (st) => st.fill === 'red', 20_000);
    assert.match(s.text!, /rejected the credentials/);
    const caught = collect(getNode('caught'));
    getNode('rd').receive({ payload: 1 });
    await until('read refused', () => caught.some((m) => m.error.source.id === 'rd'), 5000);
    const readError = caught.find((m) => m.error.source.id === 'rd')!.error.message;
    assert.match(readError, /check user name and password/);
    assert.ok(caught.some((m) => m.error.source.id === 'sub' && /rejected the credentials/.test(m.error.message)), 'the subscribe node reports to Catch too');
    await sleep(1500);
    assert.equal(srv.sessions(), 0);
    const state = (getNode('ep') as unknown as { endpoint: { state: { state: string; attempt: number } } }).endpoint.state;
    assert.deepEqual([state.state, state.attempt], ['error', 1], 'one try, then a long wait before the password is tried again (no account lock-out)');
    const text = visibleText();
    assert.ok(!text.includes(WRONG_PASSWORD), 'the wrong password appears in no log, status or error');
    assert.ok(!text.includes(GOOD_PASSWORD));
  });
});

describe('OPC UA security: automatic (the default)', () => {
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-opcua-auto-'));
  let mixed: TestServer;
  let plain: TestServer;
  before(async () => {
    helper.settings({ userDir });
    mixed = await startTestServer({
      tickMs: 100,
      securityModes: [MessageSecurityMode.None, MessageSecurityMode.Sign, MessageSecurityMode.SignAndEncrypt],
      securityPolicies: [SecurityPolicy.None, SecurityPolicy.Aes128_Sha256_RsaOaep, SecurityPolicy.Basic256Sha256],
    });
    plain = await startTestServer({ tickMs: 100 });
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });
  after(async () => {
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    await mixed.stop();
    await plain.stop();
    rmSync(userDir, { recursive: true, force: true });
  });
  afterEach(async () => {
    await helper.unload();
  });

  /** An endpoint as the palette creates it now (securityMode 'auto'), or as an old flow without the property. */
  function autoFlow(url: string, nodeId: string, endpoint: Record<string, unknown>) {
    return [
      { ...endpointConfig(url), securityPolicy: 'Aes128_Sha256_RsaOaep', ...endpoint },
      { id: 'sub', type: 'millwright-opcua-subscribe', endpoint: 'ep', items: [{ nodeId, tag: 'count' }], publishingInterval: 100, samplingInterval: 50, queueSize: 5, output: 'change', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
  }

  const unencryptedWarnings = () =>
    (Object.getPrototypeOf(getNode('ep')).warn.getCalls() as Array<{ thisValue: unknown; args: unknown[] }>).filter(
      (c) => c.thisValue === getNode('ep') && /^unencrypted:/.test(String(c.args[0])),
    );

  it('picks SignAndEncrypt / Basic256Sha256 from a server offering None, Sign and SignAndEncrypt: green, no warning', async () => {
    await helper.load(opcuaNodes, autoFlow(mixed.url, mixed.nodeId('Counter'), { securityMode: 'auto' }));
    const got = collect(getNode('out'));
    await until('data over the automatically secured session', () => got.length >= 2, 20_000);
    const s = await waitForStatus(getNode('sub'), (st) => /item/.test(st.text ?? ''));
    assert.equal(s.fill, 'green');
    const endpoint = (getNode('ep') as unknown as { endpoint: { state: { security?: string; unencrypted: boolean } } }).endpoint;
    assert.equal(endpoint.state.security, 'SignAndEncrypt/Basic256Sha256', 'the policy set on the node (Aes128) is ignored by auto');
    assert.equal(endpoint.state.unencrypted, false);
    const channels = mixed.server.engine.getSessions().map((x) => `${MessageSecurityMode[x.channel!.securityMode]}/${x.channel!.securityPolicy.split('#')[1]}`);
    assert.deepEqual(channels, ['SignAndEncrypt/Basic256Sha256'], 'the server sees the encrypted channel too');
    assert.equal(unencryptedWarnings().length, 0);
  });

  it('an endpoint saved without a security mode (an old or hand-written flow) also picks encryption', async () => {
    const flow = autoFlow(mixed.url, mixed.nodeId('Counter'), {});
    delete (flow[0] as Record<string, unknown>).securityMode;
    await helper.load(opcuaNodes, flow);
    const got = collect(getNode('out'));
    await until('data', () => got.length >= 1, 20_000);
    const endpoint = (getNode('ep') as unknown as { endpoint: { state: { security?: string } } }).endpoint;
    assert.equal(endpoint.state.security, 'SignAndEncrypt/Basic256Sha256');
  });

  it('falls back to None on a server offering only None: data flows, yellow status naming it, one warning', async () => {
    await helper.load(opcuaNodes, autoFlow(plain.url, plain.nodeId('Counter'), { securityMode: 'auto' }));
    const got = collect(getNode('out'));
    await until('data over the unencrypted session', () => got.length >= 2, 20_000);
    const s = await waitForStatus(getNode('sub'), (st) => /item/.test(st.text ?? ''));
    assert.equal(s.fill, 'yellow');
    assert.match(s.text!, /unencrypted/);
    const warnings = unencryptedWarnings();
    assert.equal(warnings.length, 1, 'one warning, not one per reconnect or per node');
    assert.match(String(warnings[0].args[0]), /uses security None \(the strongest mode the server offers\)/);
  });

  it('a flow saved with None keeps None even where the server offers encryption', async () => {
    await helper.load(opcuaNodes, autoFlow(mixed.url, mixed.nodeId('Counter'), { securityMode: 'None' }));
    const got = collect(getNode('out'));
    await until('data', () => got.length >= 1, 20_000);
    const s = await waitForStatus(getNode('sub'), (st) => /item/.test(st.text ?? ''));
    assert.equal(s.fill, 'yellow');
    assert.match(s.text!, /unencrypted/);
    assert.match(String(unencryptedWarnings()[0]?.args[0]), /uses security None \(as set on the endpoint\)/);
  });
});

describe('OPC UA security: automatic never downgrades around a refused certificate', () => {
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-opcua-untrusted-'));
  let strict: TestServer;
  before(async () => {
    helper.settings({ userDir });
    strict = await startTestServer({
      tickMs: 100,
      trustUnknownClients: false,
      securityModes: [MessageSecurityMode.None, MessageSecurityMode.SignAndEncrypt],
      securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
    });
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });
  after(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    await strict.stop();
    rmSync(userDir, { recursive: true, force: true });
  });

  it('a server offering encryption that does not trust the client certificate: red error, no session over None', async () => {
    await helper.load(opcuaNodes, [
      { ...endpointConfig(strict.url), securityMode: 'auto' },
      { id: 'sub', type: 'millwright-opcua-subscribe', endpoint: 'ep', items: [{ nodeId: strict.nodeId('Counter'), tag: 'count' }], publishingInterval: 100, samplingInterval: 50, queueSize: 5, output: 'change', wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const s = await waitForStatus(getNode('sub'), (st) => st.fill === 'red', 20_000);
    assert.match(s.text!, /certificate rejected.*trust the client certificate on the server/);
    await sleep(500);
    assert.equal(strict.sessions(), 0, 'no fall-back session over None');
  });
});

describe('OPC UA security: automatic never downgrades on a reconnect', () => {
  const userDir = mkdtempSync(join(tmpdir(), 'millwright-opcua-downgrade-'));
  const serverPki = mkdtempSync(join(tmpdir(), 'millwright-opcua-downgrade-srv-'));
  let srv: TestServer | undefined;
  const encrypted = { securityModes: [MessageSecurityMode.SignAndEncrypt], securityPolicies: [SecurityPolicy.Basic256Sha256] };
  before(async () => {
    helper.settings({ userDir });
    await new Promise<void>((resolve) => helper.startServer(resolve));
  });
  after(async () => {
    await helper.unload();
    await new Promise<void>((resolve) => helper.stopServer(resolve));
    await srv?.stop();
    rmSync(userDir, { recursive: true, force: true });
    rmSync(serverPki, { recursive: true, force: true });
  });

  async function restart(options: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
    const port = srv!.port;
    await srv!.stop();
    srv = undefined;
    srv = await startTestServer({ tickMs: 100, pkiDir: serverPki, port, ...options });
    return srv;
  }

  it('after SignAndEncrypt, a server back with only None is refused (red, no session over None) until it offers encryption again', async () => {
    srv = await startTestServer({ tickMs: 100, pkiDir: serverPki, ...encrypted });
    await helper.load(opcuaNodes, [
      { ...endpointConfig(srv.url), securityMode: 'auto' },
      { id: 'sub', type: 'millwright-opcua-subscribe', endpoint: 'ep', items: [{ nodeId: srv.nodeId('Counter'), tag: 'count' }], publishingInterval: 100, samplingInterval: 50, queueSize: 5, output: 'change', wires: [['out']] },
      { id: 'out', type: 'helper' },
      ...catcher(),
    ]);
    const got = collect(getNode('out'));
    await until('data over the encrypted session', () => got.length >= 1, 20_000);
    const endpoint = (getNode('ep') as unknown as { endpoint: { state: { state: string; attempt: number; security?: string; error?: string } } }).endpoint;
    assert.equal(endpoint.state.security, 'SignAndEncrypt/Basic256Sha256');

    const caught = collect(getNode('caught'));
    const plain = await restart({});
    const s = await waitForStatus(getNode('sub'), (st) => st.fill === 'red' && /offers only/.test(st.text ?? ''), 20_000);
    assert.match(s.text!, /offers only None\/None, was SignAndEncrypt\/Basic256Sha256/);
    assert.match(s.text!, /set the security mode explicitly/);
    await until('Catch hears of the refusal', () => caught.some((m) => m.error.source.id === 'sub' && /offers only None/.test(m.error.message)), 5000);
    const refusedAt = endpoint.state.attempt;
    await until('two more attempts (it keeps retrying)', () => endpoint.state.attempt >= refusedAt + 2 && endpoint.state.state === 'error', 20_000);
    assert.match(endpoint.state.error ?? '', /offers only None/, 'still refused, not connected over None');
    assert.equal(plain.sessions(), 0, 'no session over None');

    await restart(encrypted);
    const before = got.length;
    await until('data once the server offers encryption again', () => got.length > before, 30_000);
    assert.equal(endpoint.state.state, 'connected');
    assert.equal(endpoint.state.security, 'SignAndEncrypt/Basic256Sha256');
  });
});
