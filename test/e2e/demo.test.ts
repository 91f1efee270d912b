// `npm start` as a technician meets it: scripts/demo.mjs runs the plant demo flows (moved to free ports)
// with the dashboard; every node of the demo shows a live status, the dashboard draws its charts, and a
// bearing fault injected from the dashboard is flagged by the demo's detector before the spindle fails.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import ModbusRTU from 'modbus-serial';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, browserSkipReason, launchBrowser } from './support/browser';
import { editorStatuses, exampleFlow, retargetDemo, startDemo } from './support/demo';
import { loadNodeDefinitions } from './support/node-definitions';
import { freePort, projectRoot, removeDir, type RunningNodeRed } from './support/packed-node-red';

const skip = browserSkipReason();
if (skip) console.log(`e2e demo tests skipped: ${skip}`);

const SPINDLE_MODE_REGISTER = 10;
const SPEED_FACTOR_REGISTER = 400;
const FAILED_MODE = 4;

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describe('the example flows', () => {
  it('use every palette node type of the pack at least once', () => {
    const used = new Set(readdirSync(join(projectRoot, 'examples')).flatMap((f) => exampleFlow(f).map((n) => n.type)));
    const paletteTypes = loadNodeDefinitions(join(projectRoot, 'nodes')).filter((d) => d.category !== 'config').map((d) => d.type);
    assert.ok(paletteTypes.length > 0);
    assert.deepEqual(paletteTypes.filter((t) => !used.has(t)), [], 'node types without an example');
  });

  it('keep the plant demo free of dashboard nodes so it runs on gateways without the dashboard', () => {
    const types = new Set(exampleFlow('plant-demo.json').map((n) => n.type));
    assert.deepEqual([...types].filter((t) => t.startsWith('ui-')), []);
    const dashboardTypes = new Set(exampleFlow('plant-demo-dashboard.json').map((n) => n.type));
    assert.ok(dashboardTypes.has('ui-chart') && dashboardTypes.has('ui-table') && dashboardTypes.has('ui-template'));
  });
});

describe('the npm start demo in a real browser', { skip }, () => {
  let red: RunningNodeRed;
  let browser: Browser;
  let editor: Page;
  let dashboard: Page;
  let modbusPort: number;
  const modbus = new ModbusRTU();
  const plant = exampleFlow('plant-demo.json');
  const demoNodes = plant.filter((n) => n.type.startsWith('millwright-') && !['millwright-modbus-connection', 'millwright-opcua-endpoint'].includes(n.type));

  before(async () => {
    modbusPort = await freePort();
    const flows = [...retargetDemo(plant, { opcuaPort: await freePort(), modbusPort }), ...exampleFlow('plant-demo-dashboard.json')];
    red = await startDemo(flows);
    browser = await launchBrowser();
  });

  after(async () => {
    if (modbus.isOpen) await new Promise<void>((resolve) => modbus.close(() => resolve()));
    await browser?.close();
    await red?.stop();
    if (red) removeDir(red.userDir);
  });

  it('shows a live status on every Millwright node of the demo within 60 s', async () => {
    assert.ok(demoNodes.length >= 10, 'the demo flow uses the pack');
    editor = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await editor.goto(red.url);
    await editor.waitForFunction(() => (globalThis as any).RED?.nodes?.node('mw_demo_sim'), undefined, { timeout: 60_000 });
    const ids = demoNodes.map((n) => n.id);
    let shown: Record<string, { fill?: string; text?: string } | null> = {};
    try {
      await waitFor('every node status', 60_000, async () => {
        shown = await editorStatuses(editor, ids);
        return ids.every((id) => shown[id]?.text && shown[id]?.fill !== 'red' && !/^(waiting|connecting)/.test(shown[id]?.text ?? '')) ? true : undefined;
      });
    } finally {
      await editor.screenshot({ path: artifactPath('demo-editor.png') });
    }
    for (const n of demoNodes) assert.ok(shown[n.id]?.text, `${n.type} "${n.name}" shows no status`);
    // Generated JSON is only as good as the editor finds it: every node and widget passes its own validation.
    // (no named functions inside evaluate: tsx would wrap them in a helper the page does not have)
    const invalid = await editor.evaluate(() => {
      const all: any[] = [];
      (globalThis as any).RED.nodes.eachNode((n: any) => void all.push(n));
      (globalThis as any).RED.nodes.eachConfig((n: any) => void all.push(n));
      return all.filter((n) => n.valid === false).map((n) => `${n.type} ${n.id} ${JSON.stringify(n.validationErrors ?? [])}`);
    });
    assert.deepEqual(invalid, [], 'nodes the editor marks invalid');
    assert.doesNotMatch(red.log(), /\[error\]/, 'the demo logged no error');
  });

  it('draws the dashboard: trends, anomaly score, RUL, alarm table and the schedule Gantt', async () => {
    dashboard = await browser.newPage({ viewport: { width: 1400, height: 1800 } });
    await dashboard.goto(`${red.url}/dashboard`);
    await dashboard.waitForSelector('.nrdb-ui-chart', { timeout: 30_000 });
    // Charts have data when their canvas has drawn non-blank pixels beyond the axes; wait for a line.
    await waitFor('the spindle charts to draw data', 30_000, async () => {
      const drawn = await dashboard.$$eval('.nrdb-ui-chart canvas', (canvases) =>
        canvases.map((c: any) => {
          const ctx = c.getContext('2d');
          if (!ctx) return 0;
          const { data } = ctx.getImageData(0, 0, c.width, c.height);
          let coloured = 0;
          for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 0 && Math.abs(data[i] - data[i + 2]) > 60) coloured++;
          return coloured;
        }),
      );
      return drawn.filter((n) => n > 50).length >= 3 ? drawn : undefined;
    });
    await waitFor('the Gantt of the first plan', 60_000, async () => ((await dashboard.locator('.mw-gantt svg rect').count()) > 0 ? true : undefined));
    const text = await dashboard.locator('body').innerText();
    for (const title of ['Spindle signals', 'Anomaly detector', 'Remaining useful life', 'Alarms', 'Energy']) assert.match(text, new RegExp(title));
    await dashboard.screenshot({ path: artifactPath('demo-dashboard.png'), fullPage: true });
  });

  it('flags a bearing fault injected from the dashboard before the spindle fails, with the clock accelerated', async () => {
    await new Promise<void>((resolve, reject) => modbus.connectTCP('127.0.0.1', { port: modbusPort }, (err: unknown) => (err ? reject(err) : resolve())));
    modbus.setID(1);
    modbus.setTimeout(2000);
    const spindleMode = async () => (await modbus.readInputRegisters(SPINDLE_MODE_REGISTER, 2)).buffer.readFloatBE(0);
    // The detector learns normal first (150 feature vectors at the demo's own speed).
    await waitFor('the detector to finish learning', 120_000, async () => {
      const s = (await editorStatuses(editor, ['mw_demo_detector'])).mw_demo_detector;
      return s?.text && !/learning/.test(s.text) ? true : undefined;
    });
    const events = async () => {
      const res = await fetch(`${red.url}/millwright/alarms/mw_demo_alerts/events`);
      return ((await res.json()) as { events: Array<{ alarmId: string; transition: string; active: boolean; by?: string; timestamp: number }> }).events;
    };

    const injectedAt = Date.now();
    await dashboard.getByRole('button', { name: 'Inject bearing fault' }).click();
    // The detector's flag after the injection raises the alarm (or escalates it, should a false alarm
    // already be standing); the alarm table shows it while the bearing still has hours to live.
    await waitFor('the detector to flag the fault', 60_000, async () =>
      (await events()).some((e) => e.alarmId === 'spindle#anomaly' && e.active && e.timestamp >= injectedAt && ['raise', 'severity'].includes(e.transition)) ? true : undefined,
    );
    const shownAt = await waitFor('the anomaly alarm in the dashboard table', 30_000, async () =>
      /spindle#anomaly\s+(unack|ack)-active/.test(await dashboard.locator('.nrdb-ui-table').innerText()) ? await spindleMode() : undefined,
    );
    await dashboard.screenshot({ path: artifactPath('demo-alarm.png'), fullPage: true });
    assert.notEqual(shownAt, FAILED_MODE, 'the alarm showed while the spindle was still running');

    // The operator selects the row and acknowledges, then shelves: the alert sink logs both as theirs.
    await dashboard.locator('.nrdb-ui-table tr', { hasText: 'spindle#anomaly' }).first().click();
    await waitFor('the row to be selected', 10_000, async () => (/selected: spindle#anomaly/.test(await dashboard.locator('body').innerText()) ? true : undefined));
    const byDashboard = async (transition: string) =>
      (await events()).some((e) => e.alarmId === 'spindle#anomaly' && e.transition === transition && e.by === 'dashboard') ? true : undefined;
    await dashboard.getByRole('button', { name: 'Acknowledge' }).click();
    await waitFor('the acknowledgement', 10_000, () => byDashboard('ack'));
    await dashboard.getByRole('button', { name: 'Shelve 1 h' }).click();
    await waitFor('the shelving', 10_000, () => byDashboard('shelve'));

    // Then a fortnight a minute: the faulty bearing really does fail, seconds later in real time.
    const speed = Buffer.alloc(4);
    speed.writeFloatBE(600);
    await modbus.writeRegisters(SPEED_FACTOR_REGISTER, [speed.readUInt16BE(0), speed.readUInt16BE(2)]);
    await waitFor('the spindle to fail', 90_000, async () => ((await spindleMode()) === FAILED_MODE ? true : undefined));
  });
});
