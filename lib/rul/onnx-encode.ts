// A minimal ONNX (protobuf) writer for linear models: y = x . W + b, with x of shape
// [batch, features] or [batch, sequence, features] flattened by the model card. Enough to export
// a linear RUL model and for tests to build models without Python. Field numbers follow onnx.proto.

function varint(n: number | bigint): number[] {
  let v = BigInt(n);
  if (v < 0n) v += 1n << 64n;
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}

const key = (field: number, wire: number) => varint((field << 3) | wire);
const intField = (field: number, n: number) => [...key(field, 0), ...varint(n)];
const bytesField = (field: number, bytes: number[] | Uint8Array) => [...key(field, 2), ...varint(bytes.length), ...bytes];
const strField = (field: number, s: string) => bytesField(field, [...Buffer.from(s, 'utf8')]);

/** A dimension: a number, or a symbolic name such as 'batch'. */
export type OnnxDim = number | string;

function valueInfo(name: string, dims: OnnxDim[]): number[] {
  const shape = dims.flatMap((d) => bytesField(1, typeof d === 'number' ? intField(1, d) : strField(2, d)));
  const tensorType = [...intField(1, 1), ...bytesField(2, shape)];
  return [...strField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

function floatTensor(name: string, dims: number[], values: number[]): number[] {
  const raw = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => raw.writeFloatLE(v, i * 4));
  return [...dims.flatMap((d) => intField(1, d)), ...intField(2, 1), ...strField(8, name), ...bytesField(9, [...raw])];
}

function node(op: string, inputs: string[], outputs: string[], name: string): number[] {
  return [...inputs.flatMap((i) => strField(1, i)), ...outputs.flatMap((o) => strField(2, o)), ...strField(3, name), ...strField(4, op)];
}

export interface LinearOnnxSpec {
  inputName: string;
  /** Input shape; its last dimension times the others after the batch is the weight count. */
  inputDims: OnnxDim[];
  outputName: string;
  weights: number[];
  bias: number;
}

/** Encodes y = reshape(x, [batch, -1]) . weights + bias as an ONNX model (opset 13). */
export function encodeLinearOnnx(spec: LinearOnnxSpec): Uint8Array {
  const F = spec.weights.length;
  const nodes = [
    node('Reshape', [spec.inputName, 'flat_shape'], ['flat'], 'flatten'),
    node('MatMul', ['flat', 'W'], ['xw'], 'matmul'),
    node('Add', ['xw', 'B'], [spec.outputName], 'add'),
  ];
  const shapeRaw = Buffer.alloc(16);
  shapeRaw.writeBigInt64LE(-1n, 0);
  shapeRaw.writeBigInt64LE(BigInt(F), 8);
  const shapeTensor = [...intField(1, 2), ...intField(2, 7), ...strField(8, 'flat_shape'), ...bytesField(9, [...shapeRaw])];
  const graph = [
    ...nodes.flatMap((n) => bytesField(1, n)),
    ...strField(2, 'linear_rul'),
    ...bytesField(5, floatTensor('W', [F, 1], spec.weights)),
    ...bytesField(5, floatTensor('B', [1], [spec.bias])),
    ...bytesField(5, shapeTensor),
    ...bytesField(11, valueInfo(spec.inputName, spec.inputDims)),
    ...bytesField(12, valueInfo(spec.outputName, [spec.inputDims[0], 1])),
  ];
  const model = [...intField(1, 7), ...strField(2, 'millwright'), ...bytesField(7, graph), ...bytesField(8, [...strField(1, ''), ...intField(2, 13)])];
  return Uint8Array.from(model);
}
