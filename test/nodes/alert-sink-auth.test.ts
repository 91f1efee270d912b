// The alert sink's HTTP actions live under the admin API, so adminAuth protects them. The test helper
// lets every request through, so this starts a real Node-RED with adminAuth (users by token) and
// loads the node's TypeScript through tsx from a nodes directory. The admin API sits under /admin; the
// start-up probe of packed-node-red.ts (GET /settings, which adminAuth would refuse) is answered by an
// http in node instead.
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { removeDir, startNodeRed, type RunningNodeRed } from '../e2e/support/packed-node-red';

const root = join(__dirname, '..', '..');

function nodesDirWithSink(): string {
  const dir = mkdtempSync(join(tmpdir(), 'millwright-sink-nodes-'));
  const src = join(root, 'nodes', 'alert-sink');
  const out = join(dir, 'alert-sink');
  mkdirSync(out);
  writeFileSync(join(out, 'alert-sink.js'), `module.exports = require(${JSON.stringify(join(src, 'alert-sink.ts'))});\n`);
  cpSync(join(src, 'alert-sink.html'), join(out, 'alert-sink.html'));
  cpSync(join(src, 'locales'), join(out, 'locales'), { recursive: true });
  cpSync(join(root, 'icons'), join(out, 'icons'), { recursive: true });
  return dir;
}

const flows = [
  { id: 'tab1', type: 'tab', label: 'auth' },
  { id: 'sink1', type: 'millwright-alert-sink', z: 'tab1', store: '', format: 'email', groupWait: 0, wires: [[], [], []] },
  {
    id: 'raise1', type: 'inject', z: 'tab1', name: '', props: [{ p: 'payload', v: 'true', vt: 'bool' }, { p: 'topic', v: 'pump', vt: 'str' }],
    repeat: '', crontab: '', once: true, onceDelay: 0.1, topic: '', wires: [['sink1']],
  },
  { id: 'probe', type: 'http in', z: 'tab1', url: '/settings', method: 'get', upload: false, wires: [['probeOk']] },
  { id: 'probeOk', type: 'http response', z: 'tab1', statusCode: '200', headers: {}, wires: [] },
];

const SETTINGS = `
  nodesDir: NODES_DIR,
  httpAdminRoot: '/admin',
  adminAuth: {
    type: 'credentials',
    users: [],
    tokens: function (token) {
      if (token === 'writer-token') return Promise.resolve({ username: 'alice', permissions: '*' });
      if (token === 'reader-token') return Promise.resolve({ username: 'rita', permissions: 'read' });
      return Promise.resolve(null);
    },
  },
`;

describe('alert sink HTTP actions with adminAuth on', () => {
  let red: RunningNodeRed;
  let userDir: string;
  let nodesDir: string;

  before(async () => {
    userDir = mkdtempSync(join(tmpdir(), 'millwright-sink-auth-'));
    nodesDir = nodesDirWithSink();
    red = await startNodeRed(userDir, {
      flows,
      settings: SETTINGS.replace('NODES_DIR', JSON.stringify(nodesDir)),
      nodeArgs: ['--import', pathToFileURL(require.resolve('tsx')).href],
    });
  });

  after(async () => {
    await red?.stop();
    if (userDir) removeDir(userDir);
    if (nodesDir) removeDir(nodesDir);
  });

  const call = (path: string, token?: string, body?: unknown) =>
    fetch(`${red.url}/admin${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function alarms(): Promise<Array<Record<string, any>>> {
    for (let i = 0; i < 100; i++) {
      const res = await call('/millwright/alarms/sink1', 'reader-token');
      if (res.status === 200) {
        const body = (await res.json()) as { alarms: Array<Record<string, any>> };
        if (body.alarms.length > 0) return body.alarms;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the sink never listed the raised alarm; log:\n${red.log().slice(-2000)}`);
  }

  it('rejects calls without a token, refuses writes to a read-only user, and records who acted', async () => {
    assert.equal((await alarms())[0].state, 'unack-active', `node loaded and raised; log:\n${red.log().slice(-1500)}`);
    assert.equal((await call('/millwright/alarms/sink1')).status, 401);
    assert.equal((await call('/millwright/alarms/sink1/ack', undefined, { alarmId: 'pump#alarm' })).status, 401);
    assert.equal((await call('/millwright/alarms/sink1/ack', 'forged-token', { alarmId: 'pump#alarm' })).status, 401);
    // Node-RED answers 401 also when the user lacks the permission.
    assert.equal((await call('/millwright/alarms/sink1/ack', 'reader-token', { alarmId: 'pump#alarm' })).status, 401);
    assert.equal((await alarms())[0].state, 'unack-active', 'no rejected call changed anything');
    const ok = await call('/millwright/alarms/sink1/ack', 'writer-token', { alarmId: 'pump#alarm', by: 'mallory' });
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.equal((await alarms())[0].state, 'ack-active');
    const log = (await (await call('/millwright/alarms/sink1/events', 'reader-token')).json()) as { events: Array<Record<string, any>> };
    assert.deepEqual(log.events.map((e) => `${e.transition}:${e.by}`), ['raise:flow', 'ack:alice']);
    assert.ok(red.alive());
  });

  it('keeps its alarms in a file under the Node-RED user directory when no context store is chosen', async () => {
    const file = join(userDir, 'millwright', 'alert-sink-sink1.json');
    for (let i = 0; i < 50 && !existsSync(file); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(existsSync(file), `no ${file}`);
  });
});
