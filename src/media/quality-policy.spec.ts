import { worstOf, type ViewerHealth } from './feedback-policy';
import {
  BASE_CLEAR_SECONDS, conditionOf, decideQuality, FLOOR_LEVEL, INITIAL_QUALITY, MAX_CLEAR_SECONDS, QUALITY_LADDER, stepOf, type QualityState,
} from './quality-policy';

const clear: ViewerHealth = { fill: 0, hasDropped: false, rttMs: 20, baseRttMs: 10 };
const slow: ViewerHealth = { fill: 0, hasDropped: false, rttMs: 700, baseRttMs: 10 };
const stalled: ViewerHealth = { fill: 0.1, hasDropped: false, rttMs: 4000, baseRttMs: 10 };
const fair: ViewerHealth = { fill: 0.1, hasDropped: false, rttMs: 30, baseRttMs: 10 };

/** Runs one evaluation a second from `from` with the viewers `each(second)` gives. */
function run(from: QualityState, seconds: number, each: (s: number) => ViewerHealth[], start = 0): { state: QualityState; levels: number[] } {
  let state = from;
  const levels: number[] = [];
  for (let s = 0; s < seconds; s++) {
    state = decideQuality(state, each(s), start + s * 1000);
    levels.push(state.level);
  }
  return { state, levels };
}

describe('the quality ladder', () => {
  it('lowers JPEG quality first, then the frame rate, and never goes up on the way down', () => {
    for (let i = 1; i < QUALITY_LADDER.length; i++) {
      const [a, b] = [QUALITY_LADDER[i - 1]!, QUALITY_LADDER[i]!];
      expect(b.quality <= a.quality && b.maxFps <= a.maxFps && (b.quality < a.quality || b.maxFps < a.maxFps)).toBe(true);
      // Once the frame rate starts falling, quality stays put.
      if (b.maxFps < a.maxFps) expect(b.quality).toBe(a.quality);
    }
    expect(stepOf(99)).toEqual(QUALITY_LADDER[FLOOR_LEVEL]);
    expect(stepOf(-3)).toEqual(QUALITY_LADDER[0]);
  });

  it('classifies viewers by queueing delay above their own best RTT, not by the RTT itself (a far viewer is not a slow one)', () => {
    expect(conditionOf({ fill: 0, hasDropped: false, rttMs: 320, baseRttMs: 300 })).toBe('clear');
    expect(conditionOf(slow)).toBe('congested');
    expect(conditionOf(stalled)).toBe('severe');
    expect(conditionOf({ fill: 0, hasDropped: true })).toBe('severe');
    expect(conditionOf({ fill: 0.3, hasDropped: false })).toBe('congested');
    expect(conditionOf(fair)).toBe('fair');
  });
});

describe('decideQuality', () => {
  it('keeps the top rung while every viewer keeps up, and changes nothing with no viewer', () => {
    expect(run(INITIAL_QUALITY, 20, () => [clear, clear]).levels.every((l) => l === 0)).toBe(true);
    expect(decideQuality(INITIAL_QUALITY, [], 0)).toBe(INITIAL_QUALITY);
  });

  it('follows the slowest viewer down one rung a second, two when severe, and stops at the floor', () => {
    expect(run(INITIAL_QUALITY, 3, () => [clear, slow]).levels).toEqual([1, 2, 3]);
    expect(run(INITIAL_QUALITY, 3, () => [clear, stalled]).levels).toEqual([2, 4, 6]);
    expect(run(INITIAL_QUALITY, 30, () => [stalled]).state.level).toBe(FLOOR_LEVEL);
  });

  it('climbs one rung after every viewer was clear for the required time, back to the top', () => {
    const down = run(INITIAL_QUALITY, 10, () => [stalled]).state;
    const up = run(down, 40, () => [clear], 100_000);
    expect(up.levels.slice(0, BASE_CLEAR_SECONDS)).toEqual([FLOOR_LEVEL, FLOOR_LEVEL, FLOOR_LEVEL - 1]);
    expect(up.state.level).toBe(0);
    // A fair viewer (neither clear nor congested) holds the level where it is.
    expect(run(down, 30, () => [fair], 100_000).levels.every((l) => l === FLOOR_LEVEL)).toBe(true);
  });

  it('does not oscillate on a link that holds level 4 but not level 3: the wait before trying again doubles', () => {
    // The viewer is congested whenever the session is above level 4 (the link's capacity).
    let state: QualityState = { ...INITIAL_QUALITY, level: 4 };
    const levels: number[] = [];
    for (let s = 0; s < 120; s++) {
      state = decideQuality(state, [state.level < 4 ? slow : clear], s * 1000);
      levels.push(state.level);
    }
    const tries = levels.filter((l, i) => l === 3 && levels[i - 1] === 4).length;
    // Waits of 3, 6, 12, 24, 30, 30 s; without hysteresis it would try every 3 s (30 times in two minutes).
    expect(tries).toBeLessThanOrEqual(6);
    expect(state.needClear).toBe(MAX_CLEAR_SECONDS);
    expect(levels.filter((l) => l === 4).length).toBeGreaterThan(110);
  });

  it('climbs sooner after each climb that held, once the link is fast again', () => {
    // Failed climbs left a 24 s wait; the link is fast now (every viewer clear).
    let state: QualityState = { level: 7, clearRounds: 0, needClear: 24, lastUpAt: 0, lastDownAt: 5000 };
    const ups: number[] = [];
    for (let s = 6; s < 80; s++) {
      const next = decideQuality(state, [clear], s * 1000);
      if (next.level < state.level) ups.push(s);
      state = next;
    }
    // 24 s for the first two (the climb before them failed), then 12 (that one held), then at most 6
    // (halved again, or reset to 3 a calm minute after the last congestion).
    const gaps = ups.slice(1).map((u, i) => u - ups[i]!);
    expect(ups[0]).toBe(6 + 24 - 1);
    expect(gaps.slice(0, 2)).toEqual([24, 12]);
    expect(Math.max(...gaps.slice(2))).toBeLessThanOrEqual(6);
    expect(state.level).toBe(0);
  });

  it('forgets a failed climb after a calm minute', () => {
    const state: QualityState = { level: 4, clearRounds: 0, needClear: MAX_CLEAR_SECONDS, lastUpAt: 0, lastDownAt: 1000 };
    const later = decideQuality(state, [clear], 1000 + 61_000);
    expect(later.needClear).toBe(BASE_CLEAR_SECONDS);
  });

  it('weighs a remote node\'s viewers by the worst delay it reported', () => {
    const remote = worstOf([clear, stalled]);
    expect(conditionOf(remote)).toBe('severe');
    expect(decideQuality(INITIAL_QUALITY, [clear, remote], 0).level).toBe(2);
  });
});
