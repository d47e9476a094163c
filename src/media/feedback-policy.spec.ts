import { worstOf, type ViewerHealth } from './feedback-policy';
import { conditionOf, worstCondition } from './quality-policy';

describe('worstOf', () => {
  it('is as bad as the slowest viewer it stands for (what a node reports to the agent\'s node)', () => {
    const cases: ViewerHealth[][] = [
      [], [{ fill: 0.1, hasDropped: false }], [{ fill: 0.3, hasDropped: false }, { fill: 0.6, hasDropped: false }],
      [{ fill: 0.9, hasDropped: false }, { fill: 0, hasDropped: true }], [{ fill: 0.26, hasDropped: false }, { fill: 0.1, hasDropped: false }],
      [{ fill: 0, hasDropped: false, rttMs: 900, baseRttMs: 100 }, { fill: 0.1, hasDropped: false, rttMs: 20, baseRttMs: 10 }],
      [{ fill: 0, hasDropped: false, rttMs: 5000, baseRttMs: 100 }], [{ fill: 0.04, hasDropped: false, rttMs: 60, baseRttMs: 10 }],
    ];
    for (const vs of cases) expect(conditionOf(worstOf(vs))).toBe(worstCondition(vs));
    expect(worstOf([{ fill: 0.9, hasDropped: false }, { fill: 0, hasDropped: true }])).toEqual({ fill: 0.9, hasDropped: true });
    expect(worstOf([{ fill: 0, hasDropped: false, rttMs: 900, baseRttMs: 100 }])).toEqual({ fill: 0, hasDropped: false, rttMs: 800, baseRttMs: 0 });
  });
});
