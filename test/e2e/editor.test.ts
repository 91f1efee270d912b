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

  it('fills the anomaly detector dialog from each preset, Drift included, and saves the Drift setting', async () => {
    // What each preset promises (the help names them); Drift only for SKAB, and its row only shows for PCA/k-means.
    const presets: Record<string, { detector: string; learnSamples: string; noiseFloor: string; drift: boolean; driftShown: boolean }> = {
      nab: { detector: 'surprise', learnSamples: '750', noiseFloor: '0', drift: false, driftShown: false },
      skab: { detector: 'pca', learnSamples: '400', noiseFloor: '3', drift: true, driftShown: true },
      baseline: { detector: 'windowed-gaussian', learnSamples: '200', noiseFloor: '0', drift: false, driftShown: false },
      regimes: { detector: 'pca', learnSamples: '600', noiseFloor: '1', drift: false, driftShown: true },
      vibration: { detector: 'kmeans', learnSamples: '300', noiseFloor: '0', drift: false, driftShown: true },
    };
    await page.evaluate(() =>
      (window as any).RED.view.importNodes([
        { id: 'e2e_anomaly', type: 'millwright-anomaly-detector', detector: 'surprise', learnSamples: 500, falseAlarmRate: 1, driftAllowance: false, x: 200, y: 640, wires: [[]] },
      ]),
    );
    const open = async () => {
      await page.evaluate(() => {
        const RED = (window as any).RED;
        RED.editor.edit(RED.nodes.node('e2e_anomaly'));
      });
      await page.locator('#node-dialog-ok').waitFor({ state: 'visible' });
      await page.locator('#node-input-preset').waitFor({ state: 'visible' });
    };
    const done = async () => {
      await page.click('#node-dialog-ok');
      await page.locator('#node-dialog-ok').waitFor({ state: 'detached' });
      return page.evaluate(() => {
        const n = (window as any).RED.nodes.node('e2e_anomaly');
        return { detector: n.detector, learnSamples: Number(n.learnSamples), driftAllowance: n.driftAllowance };
      });
    };
    const drift = page.locator('#node-input-driftAllowance');

    // Start from SKAB so every later preset has a checked box to clear; end on SKAB to save it checked.
    await open();
    for (const name of ['skab', 'nab', 'skab', 'baseline', 'skab', 'regimes', 'skab', 'vibration', 'skab']) {
      const want = presets[name];
      await page.selectOption('#node-input-preset', name);
      assert.equal(await page.inputValue('#node-input-detector'), want.detector, `${name} sets the detector`);
      assert.equal(await page.inputValue('#node-input-learnSamples'), want.learnSamples, `${name} sets the learning length`);
      assert.equal(await page.inputValue('#node-input-noiseFloor'), want.noiseFloor, `${name} sets the noise floor`);
      assert.equal(await drift.isChecked(), want.drift, `${name} ${want.drift ? 'checks' : 'unchecks'} Drift`);
      assert.equal(await drift.isVisible(), want.driftShown, `the Drift row ${want.driftShown ? 'shows' : 'hides'} for ${want.detector}`);
      // The browser paints a field red when its value breaks the field's min/max/step, so a preset must not.
      const invalid = await page.$$eval('.red-ui-editor input:invalid', (els) => els.map((e) => e.id));
      assert.deepEqual(invalid, [], `${name} leaves no field marked invalid`);
    }
    await page.screenshot({ path: artifactPath('anomaly-detector-skab-dialog.png') });
    assert.deepEqual(await done(), { detector: 'pca', learnSamples: 400, driftAllowance: true }, 'Done saves the SKAB preset with Drift on');

    // Reopened, the dialog shows the saved Drift; another preset clears it and Done saves that.
    await open();
    assert.equal(await drift.isChecked(), true, 'the reopened dialog shows Drift checked');
    await page.selectOption('#node-input-preset', 'vibration');
    assert.equal(await drift.isChecked(), false, 'the vibration preset unchecks Drift');
    assert.deepEqual(await done(), { detector: 'kmeans', learnSamples: 300, driftAllowance: false }, 'Done saves Drift off');

    // Unticking by hand is saved too.
    await open();
    await page.selectOption('#node-input-preset', 'skab');
    await drift.uncheck();
    assert.deepEqual(await done(), { detector: 'pca', learnSamples: 400, driftAllowance: false }, 'a hand-cleared Drift is saved off');

    const help = await page.evaluate(() => document.querySelector('script[data-help-name="millwright-anomaly-detector"]')?.textContent ?? '');
    assert.match(help, /<b>Drift<\/b>/, 'the node help explains the Drift setting');
  });
});
