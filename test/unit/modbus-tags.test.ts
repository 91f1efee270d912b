import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modiconReference, parseAddressBase, parseTag, parseTagTable, TagError } from '../../lib/protocols/modbus-tags';

describe('modbus tag table', () => {
  it('understands 0-based, 1-based and 40001-style addresses as the same register', () => {
    const zero = parseTag({ name: 'a', area: 'holding', address: '99', type: 'int16' }, 0);
    const one = parseTag({ name: 'a', area: 'holding', address: 100, type: 'int16' }, 1);
    const modicon5 = parseTag({ name: 'a', address: '40100', type: 'int16' }, 'modicon');
    const modicon6 = parseTag({ name: 'a', address: '400100', type: 'int16' }, 'modicon');
    const explicit = parseTag({ name: 'a', address: '4x100', type: 'int16' }, 0);
    for (const t of [zero, one, modicon5, modicon6, explicit]) {
      assert.equal(t.area, 'holding');
      assert.equal(t.address, 99);
      assert.equal(t.reference, '400100');
    }
  });

  it('takes the area from a Modicon reference and refuses a conflicting area column', () => {
    assert.equal(parseTag({ name: 'c', address: '00001' }, 'modicon').area, 'coil');
    assert.equal(parseTag({ name: 'd', address: '10010' }, 'modicon').area, 'discrete');
    assert.equal(parseTag({ name: 'i', address: '30002', type: 'float32' }, 'modicon').address, 1);
    assert.throws(() => parseTag({ name: 'x', area: 'input', address: '40001' }, 'modicon'), /holding reference but the area is input/);
    assert.throws(() => parseTag({ name: 'x', address: '20001' }, 'modicon'), /leading digit 2 names no area/);
  });

  it('rejects addresses out of range with the limits in the message', () => {
    assert.throws(() => parseTag({ name: 'hi', area: 'holding', address: 65536 }, 0), /hi.*65536 is out of range: 0-based addresses run from 0 to 65535/);
    assert.throws(() => parseTag({ name: 'z', area: 'holding', address: 0 }, 1), /1-based addresses run from 1 to 65536/);
    assert.throws(() => parseTag({ name: 'f', area: 'holding', address: 65535, type: 'float32' }, 0), /runs past 65535/);
    assert.throws(() => parseTag({ name: 'm', address: '465537' }, 'modicon'), /out of range/);
    assert.throws(() => parseTag({ name: 'n', area: 'holding', address: '-1' }, 0), /whole number/);
    assert.equal(parseTag({ name: 'last', area: 'holding', address: 65535 }, 0).address, 65535);
  });

  it('rejects unknown types, bad string lengths and types that do not fit the area', () => {
    assert.throws(() => parseTag({ name: 't', area: 'holding', address: 0, type: 'int24' }), (e: Error) => e instanceof TagError && /unknown type "int24"/.test(e.message));
    assert.throws(() => parseTag({ name: 's', area: 'holding', address: 0, type: 'string' }), /needs a length/);
    assert.throws(() => parseTag({ name: 's', area: 'holding', address: 0, type: 'string(300)' }), /1\.\.250/);
    assert.throws(() => parseTag({ name: 'c', area: 'coil', address: 0, type: 'float32' }), /one bit: use bool/);
    assert.throws(() => parseTag({ name: 'b', area: 'holding', address: 0, type: 'bool', bit: 16 }), /0\.\.15/);
    assert.throws(() => parseTag({ name: 'a', area: 'register', address: 0 }), /area: expected one of/);
  });

  it('computes register spans per type and keeps scale, offset, unit and orders', () => {
    const t = parseTag({ name: 'temp', area: 'input', address: 10, type: 'float64', byteOrder: 'little', wordOrder: 'LE', scale: '0.1', offset: -5, unit: 'degC', unitId: 3 });
    assert.deepEqual([t.count, t.byteOrder, t.wordOrder, t.scale, t.offset, t.unit, t.unitId], [4, 'little', 'little', 0.1, -5, 'degC', 3]);
    assert.equal(parseTag({ name: 's', area: 'holding', address: 0, type: 'string(5)' }).count, 3);
    assert.equal(parseTag({ name: 's', area: 'holding', address: 0, type: 'string', length: 8 }).count, 4);
    assert.equal(parseTag({ name: 'c', area: 'coil', address: 7 }).type, 'bool');
  });

  it('parses a JSON table, refuses duplicate names and says which row is bad', () => {
    const tags = parseTagTable(JSON.stringify([{ name: 'a', area: 'holding', address: 0 }, { name: 'b', area: 'coil', address: 1 }]));
    assert.equal(tags.length, 2);
    assert.throws(() => parseTagTable([{ name: 'a', area: 'holding', address: 0 }, { name: 'a', area: 'coil', address: 1 }]), /"a".*unique/);
    assert.throws(() => parseTagTable('[{'), /not valid JSON/);
    assert.throws(() => parseTagTable([{ area: 'holding', address: 0 }]), /#1.*name/);
  });

  it('formats references and reads the addressing option', () => {
    assert.equal(modiconReference('coil', 0), '000001');
    assert.equal(modiconReference('input', 65535), '365536');
    assert.equal(parseAddressBase('1'), 1);
    assert.equal(parseAddressBase('modicon'), 'modicon');
    assert.throws(() => parseAddressBase('2'), /0, 1 or modicon/);
  });
});
