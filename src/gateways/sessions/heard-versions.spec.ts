import { HeardVersions } from './heard-versions';

describe('HeardVersions', () => {
  it('knows a stream up to its newest version while commits come in order', () => {
    const h = new HeardVersions();
    expect(h.upTo('s:1')).toBeUndefined();
    h.record('s:1', 5, 6);
    h.record('s:1', 7, 7);
    expect(h.upTo('s:1')).toBe(7);
    expect(h.isWhole('s:1')).toBe(true);
    expect([4, 5, 7, 8].map((v) => h.has('s:1', v))).toEqual([true, true, true, false]);
  });

  it('keeps what came past a hole apart until the hole is filled', () => {
    const h = new HeardVersions();
    h.record('s:1', 1, 2);
    h.record('s:1', 5, 5);
    h.record('s:1', 7, 8);
    expect(h.upTo('s:1')).toBe(2);
    expect(h.isWhole('s:1')).toBe(false);
    expect([3, 4, 5, 6, 7, 8, 9].map((v) => h.has('s:1', v))).toEqual([false, false, true, false, true, true, false]);
    h.record('s:1', 3, 4);
    expect(h.upTo('s:1')).toBe(5);
    h.record('s:1', 6, 6);
    expect(h.upTo('s:1')).toBe(8);
    expect(h.isWhole('s:1')).toBe(true);
  });

  it('assumes a stream known without a commit, never over what it heard', () => {
    const h = new HeardVersions();
    h.assume('s:1', 4);
    expect(h.upTo('s:1')).toBe(4);
    h.record('s:2', 1, 9);
    h.assume('s:2', 3);
    expect(h.upTo('s:2')).toBe(9);
    expect(h.keys('s:').sort()).toEqual(['s:1', 's:2']);
    h.forget('s:1');
    expect(h.keys('s:')).toEqual(['s:2']);
  });

  it('unhears the history before the first version heard of a stream that may have started during a gap', () => {
    const h = new HeardVersions();
    h.record('s:1', 3, 4);
    h.unhearBefore('s:1', 0);
    expect(h.upTo('s:1')).toBe(0);
    expect([1, 2, 3, 4].map((v) => h.has('s:1', v))).toEqual([false, false, true, true]);
    h.record('s:1', 1, 2);
    expect(h.upTo('s:1')).toBe(4);
    // A stream first heard from its first version has no history to unhear.
    h.record('s:2', 1, 1);
    h.unhearBefore('s:2', 0);
    expect(h.upTo('s:2')).toBe(1);
  });
});
