import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { OnnxRunner } from '../../lib/rul/onnx-client';
import { checkCardAgainstModel, resolveInside, validateModelCard } from '../../lib/rul/onnx-card';
import { encodeLinearOnnx } from '../../lib/rul/onnx-encode';

const dir = mkdtempSync(join(tmpdir(), 'millwright-onnx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('ONNX model card', () => {
  it('validates the card fields', () => {
    const card = validateModelCard({ inputName: 'x', features: ['a', 'b'], outputUnit: 'hours' });
    assert.equal(card.sequenceLength, 1);
    assert.throws(() => validateModelCard({ inputName: 'x', features: [], outputUnit: 'hours' }), /features must be a non-empty array/);
    assert.throws(() => validateModelCard({ inputName: 'x', features: ['a'], outputUnit: 'days' }), /outputUnit must be one of/);
    assert.throws(() => validateModelCard({ inputName: 'x', features: ['a', 'a'], outputUnit: 'hours' }), /must not repeat/);
    assert.throws(() => validateModelCard({ inputName: 'x', features: ['a'], sequenceLength: 0, outputUnit: 'hours' }), /sequenceLength/);
    assert.throws(() => validateModelCard({ inputName: 'x', features: ['a'], normalisation: { mean: [0], std: [0] }, outputUnit: 'hours' }), /std values must be > 0/);
  });

  it('checks the card against input metadata', () => {
    const card = validateModelCard({ inputName: 'x', features: ['a', 'b'], sequenceLength: 5, outputUnit: 'cycles' });
    checkCardAgainstModel(card, ['x'], ['y'], [{ name: 'x', type: 'float32', shape: ['batch', 5, 2] }]);
    checkCardAgainstModel(card, ['x'], ['y'], [{ name: 'x', type: 'float32', shape: ['batch', 'seq', 2] }]);
    assert.throws(() => checkCardAgainstModel(card, ['x'], ['y'], [{ name: 'x', type: 'float32', shape: ['batch', 4, 2] }]), /shape \[batch, 4, 2\] but the card implies \[batch, 5, 2\]/);
    assert.throws(() => checkCardAgainstModel(card, ['x'], ['y'], [{ name: 'x', type: 'float32', shape: ['batch', 10] }]), /card implies/);
    assert.throws(() => checkCardAgainstModel(card, ['x'], ['y'], [{ name: 'x', type: 'int64', shape: ['batch', 5, 2] }]), /is int64/);
    assert.throws(() => checkCardAgainstModel({ ...card, outputName: 'rul' }, ['x'], ['y'], []), /no output "rul"/);
  });

  it('accepts only files inside the user directory', () => {
    mkdirSync(join(dir, 'models'), { recursive: true });
    writeFileSync(join(dir, 'models', 'm.onnx'), 'x');
    const outside = mkdtempSync(join(tmpdir(), 'millwright-outside-'));
    try {
      writeFileSync(join(outside, 'evil.onnx'), 'x');
      symlinkSync(join(outside, 'evil.onnx'), join(dir, 'models', 'link.onnx'));
      assert.ok(resolveInside(dir, 'models/m.onnx').endsWith('m.onnx'));
      assert.throws(() => resolveInside(dir, '../x.onnx'), /outside the Node-RED user directory/);
      assert.throws(() => resolveInside(dir, join(outside, 'evil.onnx')), /outside/);
      assert.throws(() => resolveInside(dir, 'models/../../x'), /outside/);
      assert.throws(() => resolveInside(dir, 'models/link.onnx'), /resolves outside/);
      assert.throws(() => resolveInside(dir, 'models/none.onnx'), /not found/);
      assert.throws(() => resolveInside(dir, ''), /no path/);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('ONNX runner (worker thread)', () => {
  it('runs a hand-encoded linear model', async () => {
    const file = join(dir, 'lin.onnx');
    writeFileSync(file, encodeLinearOnnx({ inputName: 'feats', inputDims: ['batch', 3], outputName: 'rul', weights: [0.5, -1, 2], bias: 100 }));
    const runner = new OnnxRunner();
    try {
      await runner.load(file, validateModelCard({ inputName: 'feats', features: ['a', 'b', 'c'], outputUnit: 'cycles' }));
      assert.ok(Math.abs((await runner.run([2, 3, 4])) - (1 - 3 + 8 + 100)) < 1e-4);
      await assert.rejects(runner.run([1]), /needs 3 values, got 1/);
    } finally {
      await runner.close();
    }
  });

  it('says clearly when the runtime package is absent', async () => {
    const file = join(dir, 'lin2.onnx');
    writeFileSync(file, encodeLinearOnnx({ inputName: 'x', inputDims: ['batch', 1], outputName: 'y', weights: [1], bias: 0 }));
    const runner = new OnnxRunner('onnxruntime-node-not-installed');
    try {
      await assert.rejects(runner.load(file, validateModelCard({ inputName: 'x', features: ['a'], outputUnit: 'cycles' })), /optional package onnxruntime-node-not-installed.*install it/);
    } finally {
      await runner.close();
    }
  });
});
