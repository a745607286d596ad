import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Pax8IdSet, packUuid } from '../../../src/imports/pax8-id-set.js';

describe('imports: the set of Pax8 ids a listing returned', () => {
  it('holds lowercase UUIDs exactly, through its growth, and answers no for the others', () => {
    const set = new Pax8IdSet();
    const ids = Array.from({ length: 5000 }, () => randomUUID());
    for (const id of ids) set.add(id);
    for (const id of ids.slice(0, 100)) set.add(id);
    expect(set.size).to.equal(5000);
    for (const id of ids) expect(set.has(id)).to.equal(true);
    for (let i = 0; i < 5000; i++) expect(set.has(randomUUID())).to.equal(false);
  });

  it('tells apart UUIDs that differ in one bit and UUIDs that land in the same slot', () => {
    const set = new Pax8IdSet();
    set.add('00000000-0000-0000-0000-000000000001');
    // Same XOR of the four words, so the same first slot: found by comparing all 128 bits.
    set.add('00000001-0000-0000-0000-000000000000');
    expect(set.has('00000000-0000-0000-0000-000000000001')).to.equal(true);
    expect(set.has('00000001-0000-0000-0000-000000000000')).to.equal(true);
    expect(set.has('00000000-0000-0001-0000-000000000000')).to.equal(false);
    expect(set.has('00000000-0000-0000-0000-000000000000')).to.equal(false);
    expect(set.has('80000000-0000-0000-0000-000000000001')).to.equal(false);
  });

  it('keeps any other id as it is: an upper-case UUID is not its lower-case form', () => {
    const set = new Pax8IdSet();
    const id = 'a1b2c3d4-0000-4000-8000-00000000abcd';
    set.add(id.toUpperCase());
    set.add('sub-1');
    expect(set.has(id.toUpperCase())).to.equal(true);
    expect(set.has(id)).to.equal(false);
    expect(set.has('sub-1')).to.equal(true);
    expect(set.has('sub-2')).to.equal(false);
    expect(set.size).to.equal(2);
  });

  it('packs only the 36-character lowercase form with its four dashes', () => {
    const out = new Uint32Array(4);
    expect(packUuid('ffffffff-0000-0001-8000-00000000000f', out)).to.equal(true);
    expect([...out]).to.deep.equal([0xffffffff, 0x00000001, 0x80000000, 0x0000000f]);
    for (const bad of ['ffffffff-0000-0001-8000-00000000000', 'ffffffff00000-0001-8000-00000000000f', 'gfffffff-0000-0001-8000-00000000000f', '']) {
      expect(packUuid(bad, out), bad).to.equal(false);
    }
  });
});
