import { feedbackFor, FEEDBACK_LEVELS } from './feedback-policy';

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
