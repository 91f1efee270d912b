// The pack as a technician meets it: packed, installed with npm into a fresh Node-RED user directory,
// seen in the editor's palette, an example imported through Import > Examples, deployed, running.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { artifactPath, browserSkipReason, launchBrowser } from './support/browser';
import { makeUserDir, packageNodeSets, removeDir, startNodeRed, type RunningNodeRed } from './support/packed-node-red';

const skip = browserSkipReason();
if (skip) console.log(`e2e editor tests skipped: ${skip}`);

describe('the packed pack in a real Node-RED and a real browser', { skip }, () => {
  let userDir: string;
  let red: RunningNodeRed;
  let browser: Browser;
  let page: Page;

  before(async () => {
    userDir = makeUserDir();
    red = await startNodeRed(userDir);
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(red.url);
    await page.waitForSelector('#red-ui-palette-container-millwright', { timeout: 60_000 });
  });

  after(async () => {
    await browser?.close();
    await red?.stop();
    if (userDir) removeDir(userDir);
  });

  it('loads every node set of the pack with no error', async () => {
    const res = await fetch(`${red.url}/nodes`, { headers: { Accept: 'application/json' } });
    const sets = (await res.json()) as Array<{ name: string; module: string; err?: string; enabled: boolean }>;
    const ours = sets.filter((s) => s.module === '@millwright/node-red-millwright');
    assert.deepEqual(ours.map((s) => s.name).sort(), packageNodeSets().sort());
    for (const set of ours) {
      assert.equal(set.err, undefined, `${set.name} failed to load: ${set.err}`);
      assert.equal(set.enabled, true, `${set.name} is disabled`);
    }
    assert.doesNotMatch(red.log(), /\[error\].*millwright/i);
  });

  it('shows every node of the pack in the palette under millwright', async () => {
    const res = await fetch(`${red.url}/nodes`, { headers: { Accept: 'application/json' } });
    const sets = (await res.json()) as Array<{ module: string; types: string[] }>;
    const types = sets.filter((s) => s.module === '@millwright/node-red-millwright').flatMap((s) => s.types);
    const expected = await page.evaluate(
      (all) => all.filter((t) => (window as any).RED.nodes.getType(t)?.category !== 'config'),
      types,
    );
    assert.ok(expected.length > 0, 'the pack has at least one palette node');
    const shown = await page.$$eval('#red-ui-palette-container-millwright .red-ui-palette-node', (els) =>
      els.map((e) => e.getAttribute('data-palette-type')),
    );
    assert.deepEqual([...shown].sort(), [...expected].sort());
    await page.screenshot({ path: artifactPath('palette.png') });
  });

  it('imports an example through Import > Examples, deploys it and shows live node status', async () => {
    await page.click('#red-ui-header-button-sidemenu');
    await page.click('#menu-item-import');
    await page.getByRole('link', { name: 'Examples' }).click();
    const examples = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
    await examples.getByText('@millwright/node-red-millwright', { exact: true }).click();
    await examples.getByText('feature-window-basics', { exact: true }).click();
    await page.click('#red-ui-clipboard-dialog-ok');
    await page.locator('#red-ui-workspace-tabs').getByText('Feature window basics').click();
    await page.click('#red-ui-header-button-deploy');
    // The inject fires every 0.1 s; the window's status counts samples in and feature values out.
    await page.waitForFunction(
      () => [...document.querySelectorAll('.red-ui-flow-node-status-label')].some((e) => /\d+ in, [1-9]\d* out/.test(e.textContent ?? '')),
      undefined,
      { timeout: 30_000 },
    );
    await page.screenshot({ path: artifactPath('example-deployed.png') });
    const flows = (await (await fetch(`${red.url}/flows`)).json()) as Array<{ type: string }>;
    assert.ok(flows.some((n) => n.type === 'millwright-feature-window'), 'the deployed flows contain the example node');
  });

  it('serves the shared editor scripts, and the OPC UA and Modbus edit dialogs build and save their item and tag lists with them', async () => {
    for (const file of ['opcua-editor.js', 'modbus-tags-editor.js']) {
      const res = await fetch(`${red.url}/resources/@millwright/node-red-millwright/${file}`);
      assert.equal(res.status, 200, `the pack serves resources/${file}`);
    }
    const items = [{ nodeId: 'ns=2;s=Machine.Speed', tag: 'speed' }, { nodeId: 'ns=2;s=Machine.Temperature' }];
    const tags = [
      { name: 'setpoint', area: 'holding', address: '100', type: 'float32', byteOrder: 'big', wordOrder: 'little', min: '0', max: '80', limitMode: 'clamp' },
      { name: 'Motor3.Run', area: 'coil', address: '3', type: 'bool', byteOrder: 'big', wordOrder: 'big', limitMode: 'reject', loadId: 'Motor3' },
    ];
    await page.evaluate(
      ({ items, tags }) =>
        (window as any).RED.view.importNodes([
          { id: 'e2e_endpoint', type: 'millwright-opcua-endpoint', endpointUrl: 'opc.tcp://127.0.0.1:4840' },
          { id: 'e2e_read', type: 'millwright-opcua-read', endpoint: 'e2e_endpoint', items, output: 'all', timeout: 5000, x: 200, y: 400, wires: [[]] },
          { id: 'e2e_subscribe', type: 'millwright-opcua-subscribe', endpoint: 'e2e_endpoint', items, x: 200, y: 460, wires: [[]] },
          { id: 'e2e_connection', type: 'millwright-modbus-connection', host: '127.0.0.1', port: 502, unitId: 1 },
          { id: 'e2e_poll', type: 'millwright-modbus-poll', connection: 'e2e_connection', addressing: '0', interval: 1000, tags, x: 200, y: 520, wires: [[]] },
          { id: 'e2e_write', type: 'millwright-modbus-write', connection: 'e2e_connection', addressing: '0', tags, x: 200, y: 580, wires: [[]] },
        ]),
      { items, tags },
    );
    const edit = async (type: string) => {
      await page.evaluate((t) => {
        const RED = (window as any).RED;
        RED.editor.edit(RED.nodes.filterNodes({ type: t })[0]);
      }, type);
      await page.locator('#node-dialog-ok').waitFor({ state: 'visible' });
    };
    const saved = async (type: string, property: string) => {
      await page.click('#node-dialog-ok');
      await page.locator('#node-dialog-ok').waitFor({ state: 'detached' });
      return page.evaluate(([t, p]) => (window as any).RED.nodes.filterNodes({ type: t })[0][p], [type, property]);
    };

    for (const type of ['millwright-opcua-read', 'millwright-opcua-subscribe']) {
      await edit(type);
      const rows = page.locator('#node-input-item-list .mw-node-id');
      await rows.first().waitFor();
      assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value)), items.map((i) => i.nodeId), `${type} lists its items`);
      // The picker asks the runtime to browse; the endpoint is not deployed, which it says.
      await page.click('#node-input-browse');
      await page.locator('#node-input-browse-panel').getByText(/Cannot browse: endpoint not deployed/).waitFor({ timeout: 10_000 });
      if (type === 'millwright-opcua-read') await page.screenshot({ path: artifactPath('opcua-read-dialog.png') });
      assert.deepEqual(await saved(type, 'items'), items, `${type} saves the items it showed`);
    }

    for (const type of ['millwright-modbus-poll', 'millwright-modbus-write']) {
      await edit(type);
      const refs = page.locator('#node-input-tag-list .mw-ref');
      await refs.first().waitFor();
      assert.deepEqual(await refs.allTextContents(), ['holding 100 (400101)', 'coil 3 (000004)'], `${type} shows each address in both forms`);
      const written = type === 'millwright-modbus-write';
      assert.equal(await page.locator('#node-input-tag-list .mw-loadId').count(), written ? 2 : 0, 'only the write node has the load id column');
      if (written) await page.screenshot({ path: artifactPath('modbus-write-dialog.png') });
      const expected = written ? tags : tags.map(({ min, max, limitMode, loadId, ...typing }) => typing);
      assert.deepEqual(await saved(type, 'tags'), expected, `${type} saves the tag table it showed`);
    }
  });
});
