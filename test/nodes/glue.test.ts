import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { NodeAPI, Node } from 'node-red';
import { onInput } from '../../nodes/shared/glue';
import { getNode, helper, lastStatus, nextCaught, sleep } from '../helpers/node-red';

// A node that fails every msg, synchronously or from a promise, through the glue every Millwright node uses.
function failingNode(RED: NodeAPI) {
  function FailingNode(this: Node, config: { mode: string }) {
    RED.nodes.createNode(this, config as never);
    onInput(this, (msg) => {
      if (config.mode === 'async') return Promise.reject(new Error('async failure'));
      throw new Error('sync failure');
    });
  }
  RED.nodes.registerType('glue-test-failing', FailingNode as never);
}

const flow = (mode: string) => [
  { id: 'f', type: 'glue-test-failing', mode, wires: [] },
  { id: 'c', type: 'catch', scope: null, uncaught: false, wires: [['caught']] },
  { id: 'caught', type: 'helper' },
];

/** Nested deeper than Node-RED's msg copy for Catch nodes can follow. */
function tooDeep(levels: number): Record<string, unknown> {
  let o: Record<string, unknown> = { v: 1 };
  for (let i = 0; i < levels; i++) o = { child: o };
  return o;
}

describe('node glue: a failure with a msg Node-RED cannot copy', () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (err: unknown) => unhandled.push(err);
  before(() => {
    process.on('unhandledRejection', onUnhandled);
    process.on('uncaughtException', onUnhandled);
    return new Promise<void>((resolve) => helper.startServer(resolve));
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    process.off('uncaughtException', onUnhandled);
    await new Promise<void>((resolve) => helper.stopServer(resolve));
  });
  afterEach(async () => {
    await helper.unload();
  });

  for (const mode of ['sync', 'async']) {
    it(`reaches Catch with the msg id and a red status, and nothing escapes (${mode} failure)`, async () => {
      await helper.load([failingNode, require('@node-red/nodes/core/common/25-catch.js')], flow(mode));
      const caught = nextCaught(getNode('caught'));
      getNode('f').receive({ _msgid: 'deep-1', topic: 'line1', payload: tooDeep(50_000) });
      const err = await caught;
      assert.equal(err._msgid, 'deep-1');
      assert.equal(err.topic, 'line1');
      assert.match(String(err.error?.message), new RegExp(`${mode} failure`));
      await sleep(50);
      assert.equal(lastStatus(getNode('f')).fill, 'red');
      assert.deepEqual(unhandled, []);
    });
  }

  it('still attaches an ordinary msg whole', async () => {
    await helper.load([failingNode, require('@node-red/nodes/core/common/25-catch.js')], flow('async'));
    const caught = nextCaught(getNode('caught'));
    getNode('f').receive({ payload: { a: [1, 2, 3] }, extra: 'kept' });
    const err = await caught;
    assert.equal(err.extra, 'kept');
    assert.deepEqual(err.payload, { a: [1, 2, 3] });
  });
});
