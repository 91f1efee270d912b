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
});
