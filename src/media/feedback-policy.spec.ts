import { feedbackFor, FEEDBACK_LEVELS, levelOf, type ViewerHealth, worstOf } from './feedback-policy';

describe('feedbackFor', () => {
  it('gives the full budget when every viewer keeps up (or nobody watches)', () => {
    expect(feedbackFor([])).toEqual(FEEDBACK_LEVELS[0]);
    expect(feedbackFor([{ fill: 0.1, hasDropped: false }, { fill: 0, hasDropped: false }])).toEqual({ maxFps: 30, quality: 80 });
  });

  it('follows the slowest allowed viewer', () => {
    expect(feedbackFor([{ fill: 0, hasDropped: false }, { fill: 0.3, hasDropped: false }])).toEqual({ maxFps: 15, quality: 70 });
    expect(feedbackFor([{ fill: 0.6, hasDropped: false }, { fill: 0.3, hasDropped: false }])).toEqual({ maxFps: 10, quality: 60 });
    expect(feedbackFor([{ fill: 0, hasDropped: false }, { fill: 0, hasDropped: true }])).toEqual({ maxFps: 5, quality: 40 });
  });
});

describe('worstOf', () => {
  it('needs the level of the slowest viewer it stands for (what a node reports to the agent\'s node)', () => {
    const cases: ViewerHealth[][] = [
      [], [{ fill: 0.1, hasDropped: false }], [{ fill: 0.3, hasDropped: false }, { fill: 0.6, hasDropped: false }],
      [{ fill: 0.9, hasDropped: false }, { fill: 0, hasDropped: true }], [{ fill: 0.26, hasDropped: false }, { fill: 0.1, hasDropped: false }],
    ];
    for (const vs of cases) expect(levelOf(worstOf(vs))).toBe(Math.max(0, ...vs.map(levelOf)));
    expect(worstOf([{ fill: 0.9, hasDropped: false }, { fill: 0, hasDropped: true }])).toEqual({ fill: 0.9, hasDropped: true });
    // Combined at the agent's node with its own viewers, it gives the cluster's slowest viewer.
    expect(feedbackFor([{ fill: 0, hasDropped: false }, worstOf([{ fill: 0.3, hasDropped: false }])])).toEqual({ maxFps: 15, quality: 70 });
  });
});
