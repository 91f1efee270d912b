import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeBits, decodeRegisters, encodeRegisters, withBit } from '../../lib/protocols/modbus-codec';
import { parseTag, type ModbusTagInput } from '../../lib/protocols/modbus-tags';

const tag = (extra: ModbusTagInput) => parseTag({ name: 't', area: 'holding', address: 10, ...extra });
const regs = (...words: number[]) => {
  const b = Buffer.alloc(words.length * 2);
  words.forEach((w, i) => b.writeUInt16BE(w, i * 2));
  return b;
};

describe('modbus codec', () => {
  it('decodes 0x12345678 in all four byte/word orders', () => {
    // The same value as four devices would lay it out in two registers.
    const layouts: Array<[string, string, number[]]> = [
      ['big', 'big', [0x1234, 0x5678]],
      ['big', 'little', [0x5678, 0x1234]],
      ['little', 'big', [0x3412, 0x7856]],
      ['little', 'little', [0x7856, 0x3412]],
    ];
    for (const [byteOrder, wordOrder, words] of layouts) {
      const t = tag({ type: 'uint32', byteOrder, wordOrder });
      assert.equal(decodeRegisters(t, regs(0, ...words), 9), 0x12345678, `${byteOrder}/${wordOrder}`);
      assert.deepEqual(encodeRegisters(t, 0x12345678), words, `${byteOrder}/${wordOrder} encode`);
    }
  });

  it('round-trips every type in every order, with scale and offset', () => {
    const cases: Array<[string, number | string]> = [
      ['int16', -1234], ['uint16', 54321], ['int32', -123456789], ['uint32', 4000000000],
      ['float32', 3.5], ['float64', -1234.56789012345], ['string(7)', 'PUMP-01'],
    ];
    for (const [type, value] of cases) {
      for (const byteOrder of ['big', 'little']) {
        for (const wordOrder of ['big', 'little']) {
          const t = tag({ type, byteOrder, wordOrder });
          const words = encodeRegisters(t, value);
          assert.equal(words.length, t.count);
          assert.equal(decodeRegisters(t, regs(...words), 10), value, `${type} ${byteOrder}/${wordOrder}`);
        }
      }
    }
    const scaled = tag({ type: 'int16', scale: 0.1, offset: 20 });
    assert.deepEqual(encodeRegisters(scaled, 25.5), [55]);
    assert.equal(decodeRegisters(scaled, regs(55), 10), 25.5);
  });

  it('reads float32 1.0 as devices send it', () => {
    assert.equal(decodeRegisters(tag({ type: 'float32' }), regs(0x3f80, 0x0000), 10), 1);
    assert.equal(decodeRegisters(tag({ type: 'float32', wordOrder: 'little' }), regs(0x0000, 0x3f80), 10), 1);
  });

  it('trims NUL padding from strings and honours byte-swapped strings', () => {
    assert.equal(decodeRegisters(tag({ type: 'string(6)' }), regs(0x4142, 0x4300, 0), 10), 'ABC');
    assert.equal(decodeRegisters(tag({ type: 'string(4)', byteOrder: 'little' }), regs(0x4241, 0x4443), 10), 'ABCD');
  });

  it('reads bools from bit areas and from register bits', () => {
    const coil = parseTag({ name: 'c', area: 'coil', address: 5 });
    assert.equal(decodeBits(coil, [false, false, true], 3), true);
    assert.equal(decodeBits(coil, [true, true, false], 3), false);
    const bit = tag({ type: 'bool', bit: 3 });
    assert.equal(decodeRegisters(bit, regs(0b1000), 10), true);
    assert.equal(decodeRegisters(bit, regs(0b0100), 10), false);
    assert.equal(withBit(bit, 0b0001, true), 0b1001);
    assert.equal(withBit(bit, 0b1001, false), 0b0001);
  });

  it('refuses values the raw type cannot hold and tags outside the block', () => {
    assert.throws(() => encodeRegisters(tag({ type: 'int16' }), 40000), /outside int16 range/);
    assert.throws(() => encodeRegisters(tag({ type: 'uint16', scale: 0.01 }), 700), /raw value 70000/);
    assert.throws(() => encodeRegisters(tag({ type: 'float32' }), NaN), /finite/);
    assert.throws(() => encodeRegisters(tag({ type: 'string(2)' }), 'abc'), /longer than 2/);
    assert.throws(() => decodeRegisters(tag({ type: 'float64' }), regs(0, 0), 10), /outside the block/);
  });
});
