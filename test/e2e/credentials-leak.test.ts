// Credentials stay in Node-RED's credential store. Every node type of the pack that has credentials
// is deployed through the admin API of a started Node-RED (the packed pack, as a gateway installs it)
// with a unique password, made to fail (wrong password, unreachable server), and then every place a
// person could read is searched for the password: the exported flows (GET /flows), the flow file on
// disk, the runtime's stdout/stderr, every status and every error a Catch node receives.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MessageSecurityMode, SecurityPolicy } from 'node-opcua';
import { startTestServer, type TestServer } from '../fixtures/opcua-test-server';
import { mosquittoPath } from '../helpers/mosquitto';
import { defaultConfig, loadNodeDefinitions, registeredEditorFiles } from './support/node-definitions';
import { freePort, makeUserDir, projectRoot, removeDir, startNodeRed, type RunningNodeRed } from './support/packed-node-red';

type FlowNode = Record<string, unknown> & { id: string; type: string };

const RUN = Math.random().toString(36).slice(2, 10);
const secretFor = (id: string) => `Pw-${id}-${RUN}-9!x`;
const CANARY = `canary-${RUN}`;

/** Node types whose editor definition declares a password credential. */
function credentialTypesFromEditor(): string[] {
  const defs = loadNodeDefinitions(join(projectRoot, 'nodes'), registeredEditorFiles(projectRoot));
  return defs.filter((d) => Object.values(d.credentials).some((c) => c.type === 'password')).map((d) => d.type).sort();
}

/** Node types whose runtime registerType declares credentials (read from the sources). */
function credentialTypesFromRuntime(): string[] {
  const found: string[] = [];
  const dir = join(projectRoot, 'nodes');
  for (const sub of readdirSync(dir)) {
    const file = join(dir, sub, `${sub}.ts`);
    if (!existsSync(file)) continue;
    const src = readFileSync(file, 'utf8');
    for (const m of src.matchAll(/registerType\(\s*'([^']+)'([\s\S]*?)\);/g)) if (/credentials\s*:/.test(m[2])) found.push(m[1]);
  }
  return found.sort();
}

/** A mosquitto that accepts one user only, so a wrong password is refused ("Not authorized"). */
class AuthBroker {
  private child: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'millwright-leak-mqtt-'));
  port = 0;
  async start(): Promise<void> {
    this.port = await freePort();
    // Started as root, mosquitto drops to its own user, which must be able to read the password file.
    chmodSync(this.dir, 0o755);
    const passwd = join(this.dir, 'passwd');
    const made = spawnSync('mosquitto_passwd', ['-c', '-b', passwd, 'plant', 'the-right-one'], { stdio: 'pipe' });
    if (made.status !== 0) throw new Error(`mosquitto_passwd failed: ${made.stderr}`);
    chmodSync(passwd, 0o644);
    const conf = join(this.dir, 'mosquitto.conf');
    writeFileSync(conf, `listener ${this.port} 127.0.0.1\nallow_anonymous false\npassword_file ${passwd}\npersistence false\n`);
    this.child = spawn(mosquittoPath()!, ['-c', conf], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      const up = await new Promise<boolean>((resolve) => {
        const s = connect(this.port, '127.0.0.1');
        s.once('connect', () => (s.destroy(), resolve(true)));
        s.once('error', () => resolve(false));
      });
      if (up) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('mosquitto did not start');
  }
  get url(): string {
    return `mqtt://127.0.0.1:${this.port}`;
  }
  async dispose(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) await new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL')));
    removeDir(this.dir);
  }
}

const RECORD_CAUGHT = String.raw`
const seen = global.get('leak') || { caught: [], statuses: [] };
let text;
try { text = JSON.stringify(msg); } catch (e) { text = String(msg.error && msg.error.message); }
if (seen.caught.length < 2000) seen.caught.push({ source: msg.error && msg.error.source && msg.error.source.id, text });
global.set('leak', seen);
return null;`;

const RECORD_STATUS = String.raw`
const seen = global.get('leak') || { caught: [], statuses: [] };
if (seen.statuses.length < 2000) seen.statuses.push({ source: msg.status && msg.status.source && msg.status.source.id, fill: msg.status && msg.status.fill, text: JSON.stringify(msg.status) });
global.set('leak', seen);
return null;`;

const REPORT = `msg.payload = global.get('leak') || { caught: [], statuses: [] }; return msg;`;

interface Report {
  caught: Array<{ source: string; text: string }>;
  statuses: Array<{ source: string; fill: string; text: string }>;
}

describe('credentials never leak (packed pack, started Node-RED)', { skip: mosquittoPath() ? undefined : 'mosquitto not installed (apt-get install mosquitto)' }, () => {
  let userDir = '';
  let red: RunningNodeRed;
  let opcua: TestServer;
  const broker = new AuthBroker();
  let closedPort = 0;
  /** Node id -> the password it was deployed with. */
  const secrets = new Map<string, string>();
  /** Nodes whose status or caught errors must show the failure (proving each was really exercised). */
  const mustReport: Array<{ credentialNode: string; reporter: string; reason: RegExp }> = [];

  /** Per credentialed type: nodes that make it fail with a wrong password and with an unreachable server. */
  const recipes: Record<string, (defaults: Record<string, unknown>) => FlowNode[]> = {
    'millwright-opcua-endpoint': (d) => {
      const out: FlowNode[] = [];
      for (const [id, url, reason] of [
        ['ep_wrong', opcua.url, /rejected the credentials/],
        ['ep_unreachable', `opc.tcp://127.0.0.1:${closedPort}`, /connection refused/],
      ] as const) {
        secrets.set(id, secretFor(id));
        out.push({ ...d, id, type: 'millwright-opcua-endpoint', name: `leak ${id}`, endpointUrl: url, authType: 'username', credentials: { userName: 'operator', password: secrets.get(id) } });
        out.push({ id: `${id}_sub`, type: 'millwright-opcua-subscribe', z: 'leak', endpoint: id, items: [{ nodeId: opcua.nodeId('Counter'), tag: 'count' }], publishingInterval: 500, samplingInterval: 250, queueSize: 5, output: 'change', wires: [[]] });
        out.push({ id: `${id}_rd`, type: 'millwright-opcua-read', z: 'leak', endpoint: id, items: [{ nodeId: opcua.nodeId('Temperature') }], output: 'all', timeout: 1000, wires: [[]] });
        out.push({ id: `${id}_tick`, type: 'inject', z: 'leak', props: [{ p: 'payload' }], payload: '1', payloadType: 'num', repeat: '1', once: true, onceDelay: 1, wires: [[`${id}_rd`]] });
        mustReport.push({ credentialNode: id, reporter: `${id}_sub`, reason });
      }
      return out;
    },
    'millwright-uns-publish': (d) => {
      const out: FlowNode[] = [];
      for (const [id, url, reason] of [
        ['uns_wrong', broker.url, /Connection ref|Not authorized/],
        ['uns_unreachable', `mqtt://127.0.0.1:${closedPort}`, /ECONNREFUSED|ECONNR/],
      ] as const) {
        secrets.set(id, secretFor(id));
        out.push({ ...d, id, type: 'millwright-uns-publish', z: 'leak', name: `leak ${id}`, broker: url, credentials: { username: 'plant', password: secrets.get(id) }, wires: [[]] });
        out.push({ id: `${id}_tick`, type: 'inject', z: 'leak', props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }], topic: 'Spindle', payload: '{"key":"Spindle","score":0.1,"anomaly":false,"timestamp":1700000000000,"detector":"t","explanation":[]}', payloadType: 'json', repeat: '1', once: true, onceDelay: 1, wires: [[id]] });
        mustReport.push({ credentialNode: id, reporter: id, reason });
      }
      return out;
    },
    'millwright-energy-coordination': (d) => {
      const out: FlowNode[] = [];
      for (const [id, url, reason] of [
        ['coord_wrong', broker.url, /Not authorized/],
        ['coord_unreachable', `mqtt://127.0.0.1:${closedPort}`, /ECONNREFUSED/],
      ] as const) {
        secrets.set(id, secretFor(id));
        out.push({ ...d, id, type: 'millwright-energy-coordination', z: 'leak', name: `leak ${id}`, broker: url, gatewayId: `gw-${id}`, credentials: { username: 'plant', password: secrets.get(id) }, wires: [[], []] });
        out.push({ id: `${id}_tick`, type: 'inject', z: 'leak', props: [{ p: 'payload' }], payload: '{"loads":[{"id":"m1","powerKw":5,"durationMinutes":15}]}', payloadType: 'json', repeat: '1', once: true, onceDelay: 1, wires: [[id]] });
        mustReport.push({ credentialNode: id, reporter: id, reason });
      }
      return out;
    },
  };

  before(async () => {
    opcua = await startTestServer({
      tickMs: 200,
      securityModes: [MessageSecurityMode.None, MessageSecurityMode.SignAndEncrypt],
      securityPolicies: [SecurityPolicy.None, SecurityPolicy.Basic256Sha256],
      users: { operator: 'the-right-one' },
    });
    await broker.start();
    closedPort = await freePort();
    userDir = makeUserDir();
    red = await startNodeRed(userDir, { flows: [] });
  });

  after(async () => {
    await red?.stop();
    if (userDir) removeDir(userDir);
    await broker.dispose();
    await opcua?.stop();
  });

  it('the editor and the runtime agree on which node types hold credentials, and each has a recipe here', () => {
    const editor = credentialTypesFromEditor();
    assert.deepEqual(credentialTypesFromRuntime(), editor);
    assert.ok(editor.length >= 3, `found ${editor.join(', ')}`);
    assert.deepEqual(editor.filter((t) => !recipes[t]), [], 'a new node type with credentials needs a recipe in this test');
  });

  it('no password in the exported flows, the flow file, the log, any status or any caught error', async () => {
    const defs = new Map(loadNodeDefinitions(join(projectRoot, 'nodes'), registeredEditorFiles(projectRoot)).map((d) => [d.type, d]));
    const flows: FlowNode[] = [
      { id: 'leak', type: 'tab', label: 'leak test' },
      { id: 'canary', type: 'comment', z: 'leak', name: CANARY, info: '' },
      { id: 'canary_warn', type: 'function', z: 'leak', name: '', func: `node.warn(${JSON.stringify(CANARY)}); return null;`, outputs: 1, wires: [[]] },
      { id: 'canary_tick', type: 'inject', z: 'leak', props: [{ p: 'payload' }], repeat: '', once: true, onceDelay: 0.5, wires: [['canary_warn']] },
      { id: 'catch_all', type: 'catch', z: 'leak', scope: null, uncaught: false, wires: [['rec_caught', 'dbg_caught']] },
      { id: 'rec_caught', type: 'function', z: 'leak', func: RECORD_CAUGHT, outputs: 1, wires: [[]] },
      { id: 'dbg_caught', type: 'debug', z: 'leak', active: true, tosidebar: true, console: true, complete: 'true', targetType: 'full', wires: [] },
      { id: 'status_all', type: 'status', z: 'leak', scope: null, wires: [['rec_status', 'dbg_status']] },
      { id: 'rec_status', type: 'function', z: 'leak', func: RECORD_STATUS, outputs: 1, wires: [[]] },
      { id: 'dbg_status', type: 'debug', z: 'leak', active: true, tosidebar: true, console: true, complete: 'true', targetType: 'full', wires: [] },
      { id: 'report_in', type: 'http in', z: 'leak', url: '/leak-report', method: 'get', upload: false, wires: [['report_fn']] },
      { id: 'report_fn', type: 'function', z: 'leak', func: REPORT, outputs: 1, wires: [['report_out']] },
      { id: 'report_out', type: 'http response', z: 'leak', statusCode: '', headers: {}, wires: [] },
    ];
    for (const type of credentialTypesFromEditor()) flows.push(...recipes[type](defaultConfig(defs.get(type)!)));

    const deployed = await fetch(`${red.url}/flows`, { method: 'POST', headers: { 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' }, body: JSON.stringify(flows) });
    assert.equal(deployed.status, 204, await deployed.text());

    // Each credentialed node fails visibly, for the reason arranged (the wrong password was really tried
    // and refused): a red status or a caught error from the node itself or the node that uses it.
    let report: Report = { caught: [], statuses: [] };
    const failed = (m: (typeof mustReport)[number]) =>
      report.caught.some((c) => c.source === m.reporter && m.reason.test(c.text)) || report.statuses.some((s) => s.source === m.reporter && s.fill === 'red' && m.reason.test(s.text));
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      const res = await fetch(`${red.url}/leak-report`);
      // 404 until the deployed flow's http in node is up.
      if (res.ok) report = (await res.json()) as Report;
      if (mustReport.every(failed)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.deepEqual(mustReport.filter((m) => !failed(m)).map((m) => m.credentialNode), [], `every credentialed node failed visibly; log:\n${red.log().slice(-3000)}`);

    // Node-RED holds every password (in its encrypted credential file), so there was something to leak.
    for (const [id, secret] of secrets) {
      const type = flows.find((n) => n.id === id)!.type;
      const creds = await (await fetch(`${red.url}/credentials/${type}/${id}`)).text();
      assert.match(creds, /"has_password":true/, `${id} has its password`);
      assert.ok(!creds.includes(secret), `${id}: the credentials API does not return the password`);
    }
    const credFile = readFileSync(join(userDir, 'flows_cred.json'), 'utf8');

    const exported = await (await fetch(`${red.url}/flows`)).text();
    const flowFile = readFileSync(join(userDir, 'flows.json'), 'utf8');
    const log = red.log();
    const places: Record<string, string> = {
      'exported flows (GET /flows)': exported,
      'flows.json': flowFile,
      'runtime log (stdout/stderr)': log,
      statuses: report.statuses.map((s) => s.text).join('\n'),
      'caught errors': report.caught.map((c) => c.text).join('\n'),
      'credential file (encrypted)': credFile,
    };
    // The search works: the canary is found where it was put.
    assert.ok(exported.includes(CANARY) && flowFile.includes(CANARY) && log.includes(CANARY), 'canary found in flows, flow file and log');
    assert.ok(report.statuses.length > 0 && report.caught.length > 0, 'statuses and errors were collected');
    const leaks: string[] = [];
    for (const [id, secret] of secrets) for (const [place, text] of Object.entries(places)) if (text.includes(secret)) leaks.push(`${id} in ${place}`);
    assert.deepEqual(leaks, []);
    assert.ok(red.alive(), 'the runtime is still running');
  });
});
