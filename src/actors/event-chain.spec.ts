import fc from 'fast-check';
import { canonical, GENESIS, hashOf, seal, verifyChain } from './event-chain';

describe('event chain', () => {
  it('hashes the same value to the same bytes whatever the key order', () => {
    expect(canonical({ b: 1, a: { d: [1, { f: 2, e: 3 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"e":3,"f":2}]},"b":1}');
    expect(hashOf({ x: 1, y: 2 }, GENESIS)).toBe(hashOf({ y: 2, x: 1 }, GENESIS));
  });

  it('verifies any sealed stream and finds any single edit at its position', () => {
    fc.assert(fc.property(fc.array(fc.record({ text: fc.string(), n: fc.integer() }), { minLength: 1, maxLength: 20 }), fc.nat(), (bodies, k) => {
      const { sealed } = seal(bodies.map((b, i) => ({ ...b, seq: i + 1 })), GENESIS);
      expect(verifyChain(sealed)).toBeNull();
      const i = k % sealed.length;
      const tampered = sealed.map((e, j) => (j === i ? { ...e, n: e.n + 1 } : e));
      expect(verifyChain(tampered)).toMatchObject({ position: i + 1, reason: 'hash-mismatch' });
    }));
  });

  it('finds a broken link, a missing hash and a reordering', () => {
    const { sealed } = seal([{ seq: 1 }, { seq: 2 }, { seq: 3 }], GENESIS);
    expect(verifyChain([sealed[0], { ...sealed[1]!, prevHash: GENESIS }, sealed[2]])).toMatchObject({ position: 2, reason: 'link-broken' });
    expect(verifyChain([sealed[0], { seq: 2 }])).toMatchObject({ position: 2, reason: 'missing-hash' });
    expect(verifyChain([sealed[1], sealed[0]])).toMatchObject({ position: 1, reason: 'seq-out-of-order' });
  });
});
