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
    await sleep(200);
    assert.equal(srv.sessions(), 0);
    const text = visibleText();
    assert.ok(!text.includes(WRONG_PASSWORD), 'the wrong password appears in no log, status or error');
    assert.ok(!text.includes(GOOD_PASSWORD));
  });
});
