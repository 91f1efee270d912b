// Every admin HTTP endpoint the pack registers sits behind Node-RED's adminAuth with the right
// permission: reads need '<type>.read', anything that changes state needs '<type>.write'. The routes
// are found in the sources (so a new one is covered without editing this test), checked statically,
// then called on a started Node-RED with the packed pack and adminAuth on: no token and a forged token
// are refused, a read-only user may read but not act, a full user may do both.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../fixtures/opcua-test-server';
import { makeUserDir, projectRoot, removeDir, startNodeRed, type RunningNodeRed } from './support/packed-node-red';

interface Route {
  file: string;
  method: string;
  path: string;
  permission: string | undefined;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? sources(full) : name.endsWith('.ts') ? [full] : [];
  });
}

/** Routes registered on RED.httpAdmin (directly or through an alias), with the permission their middleware asks for. */
function adminRoutes(): Route[] {
  const routes: Route[] = [];
  for (const file of sources(join(projectRoot, 'nodes'))) {
    const src = readFileSync(file, 'utf8');
    if (!/RED\.httpAdmin/.test(src)) continue;
    const named = new Map<string, string>();
    for (const m of src.matchAll(/const\s+(\w+)\s*=\s*RED\.auth\.needsPermission\(\s*'([^']+)'\s*\)/g)) named.set(m[1], m[2]);
    for (const m of src.matchAll(/\.(get|post|put|delete|patch)\(\s*'(\/[^']*)'\s*,\s*([^,]+?)\s*,/g)) {
      const middleware = m[3].trim();
      const inline = /^RED\.auth\.needsPermission\(\s*'([^']+)'\s*\)$/.exec(middleware);
      routes.push({ file: relative(projectRoot, file), method: m[1].toUpperCase(), path: m[2], permission: inline ? inline[1] : named.get(middleware) });
    }
  }
  return routes;
}

const SETTINGS = `
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

describe('admin HTTP endpoints of the pack honour adminAuth permissions', () => {
  const routes = adminRoutes();
  let opcua: TestServer;
  let red: RunningNodeRed;
  let userDir = '';

  before(async () => {
    opcua = await startTestServer({ tickMs: 0 });
    userDir = makeUserDir();
    red = await startNodeRed(userDir, {
      settings: SETTINGS,
      flows: [
        { id: 'tab1', type: 'tab', label: 'auth' },
        { id: 'ep', type: 'millwright-opcua-endpoint', name: 'auth test', endpointUrl: opcua.url, securityMode: 'auto', securityPolicy: 'Basic256Sha256', authType: 'anonymous', certificateFile: '', privateKeyFile: '', acceptUnknownServerCertificate: true },
        { id: 'sink1', type: 'millwright-alert-sink', z: 'tab1', store: '', format: 'email', groupWait: 0, wires: [[], [], []] },
        { id: 'raise1', type: 'inject', z: 'tab1', props: [{ p: 'payload', v: 'true', vt: 'bool' }, { p: 'topic', v: 'pump', vt: 'str' }], repeat: '', once: true, onceDelay: 0.1, topic: '', wires: [['sink1']] },
        // adminAuth refuses the start-up probe of packed-node-red.ts (GET /settings): answer it here.
        { id: 'probe', type: 'http in', z: 'tab1', url: '/settings', method: 'get', upload: false, wires: [['probeOk']] },
        { id: 'probeOk', type: 'http response', z: 'tab1', statusCode: '200', headers: {}, wires: [] },
      ],
    });
  });

  after(async () => {
    await red?.stop();
    if (userDir) removeDir(userDir);
    await opcua?.stop();
  });

  it('finds the routes, each guarded by needsPermission: GET needs .read, every other method .write', () => {
    assert.ok(routes.some((r) => r.path === '/millwright/opcua/browse'), JSON.stringify(routes));
    assert.ok(routes.some((r) => r.method === 'POST' && r.path.startsWith('/millwright/alarms/')), JSON.stringify(routes));
    const wrong = routes.filter((r) => !r.permission || !r.permission.endsWith(r.method === 'GET' ? '.read' : '.write'));
    assert.deepEqual(wrong, [], 'every admin route asks for the permission that fits what it does');
  });

  /** A concrete URL for a route of this test's flow. */
  function urlOf(route: Route): string {
    const path = route.path.replace(':nodeId', 'sink1').replace(':action', 'ack');
    return `${red.url}/admin${path}${path.endsWith('/browse') ? '?endpoint=ep' : ''}`;
  }

  const call = (route: Route, token?: string) =>
    fetch(urlOf(route), {
      method: route.method,
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: route.method === 'GET' ? undefined : JSON.stringify({ alarmId: 'pump#alarm', by: 'mallory' }),
    });

  it('refuses every route without a token or with a forged one', async () => {
    for (const route of routes) {
      assert.equal((await call(route)).status, 401, `${route.method} ${route.path} without a token`);
      assert.equal((await call(route, 'forged-token')).status, 401, `${route.method} ${route.path} with a forged token`);
    }
  });

  it('lets a read-only user read (browse answers) but not act; a full user acts', async () => {
    const browse = routes.find((r) => r.path === '/millwright/opcua/browse')!;
    let res = await call(browse, 'reader-token');
    for (let i = 0; i < 40 && res.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      res = await call(browse, 'reader-token');
    }
    const body = (await res.json()) as { entries?: Array<{ browseName?: string; displayName?: string }> };
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.ok(JSON.stringify(body.entries).includes('Plant'), 'the browse of the Objects folder lists the Plant object');

    for (const route of routes.filter((r) => r.method === 'GET')) {
      const status = (await call(route, 'reader-token')).status;
      assert.ok(status !== 401 && status !== 403, `${route.method} ${route.path} is readable with read permission (got ${status})`);
    }
    for (const route of routes.filter((r) => r.method !== 'GET')) {
      const refused = (await call(route, 'reader-token')).status;
      assert.ok(refused === 401 || refused === 403, `${route.method} ${route.path} is refused to a read-only user (got ${refused})`);
      const allowed = (await call(route, 'writer-token')).status;
      assert.ok(allowed !== 401 && allowed !== 403, `${route.method} ${route.path} is allowed with write permission (got ${allowed})`);
    }
    assert.ok(red.alive());
  });
});
