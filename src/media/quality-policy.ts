/**
 * The adaptation ladder and the pure decision that walks it (docs/media.md, "Quality and
 * adaptation"). Once a second the relay on the agent's node hands `decideQuality` the health of every
 * allowed viewer of a session (here and on other nodes) and the session's previous `QualityState`;
 * the step it returns is what the agent is told to produce at most (`media.feedback`).
 *
 * No clock, no I/O: `now` comes in, the new state goes out.
 */
import type { ViewerHealth } from './feedback-policy';

/** One rung: JPEG quality first, then frame rate. Lossless (few-colour, text) tiles do not depend on `quality`. */
export interface QualityStep {
  level: number;
  /** JPEG quality, 1–100. */
  quality: number;
  maxFps: number;
}

/**
 * From the best picture to the floor. The first rungs lower JPEG quality at full rate, the next ones
 * the frame rate at the floor quality (40: the ringing around glyphs stays below their stroke width,
 * and text on plain backgrounds travels as lossless tiles anyway). The floor, 40 at 2 frames a second,
 * fits a changing text screen in 256 kbit/s (figures in docs/media.md). Scale is not a rung: scaling
 * a text screen makes it unreadable before it makes it small.
 */
export const QUALITY_LADDER: readonly QualityStep[] = [
  { level: 0, quality: 80, maxFps: 30 },
  { level: 1, quality: 70, maxFps: 30 },
  { level: 2, quality: 55, maxFps: 30 },
  { level: 3, quality: 40, maxFps: 30 },
  { level: 4, quality: 40, maxFps: 15 },
  { level: 5, quality: 40, maxFps: 8 },
  { level: 6, quality: 40, maxFps: 4 },
  { level: 7, quality: 40, maxFps: 2 },
];
export const FLOOR_LEVEL = QUALITY_LADDER.length - 1;

/** Queueing delay (RTT above the viewer's best RTT) above which a viewer is congested… */
export const CONGESTED_DELAY_MS = 300;
/** …severely (two rungs at once)… */
export const SEVERE_DELAY_MS = 1500;
/** …and below which it is clear (a rung up is considered). */
export const CLEAR_DELAY_MS = 150;
/** Seconds every viewer must be clear before one rung up; doubled after a rung up that did not hold. */
export const BASE_CLEAR_SECONDS = 3;
export const MAX_CLEAR_SECONDS = 30;
/** A congestion within this long of a rung up means the rung up did not hold. */
export const UP_FAILED_WITHIN_MS = 10_000;
/** After this long without a congestion the required clear time is back to its base. */
export const CALM_RESET_MS = 60_000;

/** A session's place on the ladder and what the hysteresis remembers. */
export interface QualityState {
  level: number;
  /** Consecutive clear evaluations. */
  clearRounds: number;
  /** Clear evaluations needed before the next rung up. */
  needClear: number;
  lastUpAt: number;
  lastDownAt: number;
}

export const INITIAL_QUALITY: QualityState = { level: 0, clearRounds: 0, needClear: BASE_CLEAR_SECONDS, lastUpAt: -Infinity, lastDownAt: -Infinity };

export type ViewerCondition = 'severe' | 'congested' | 'fair' | 'clear';

/** How one viewer keeps up: its queue, drops, and queueing delay (RTT minus its best RTT). */
export function conditionOf(v: ViewerHealth): ViewerCondition {
  const delay = Math.max(0, (v.rttMs ?? 0) - (v.baseRttMs ?? 0));
  if (v.hasDropped || v.fill > 0.5 || delay > SEVERE_DELAY_MS) return 'severe';
  if (v.fill > 0.25 || delay > CONGESTED_DELAY_MS) return 'congested';
  if (v.fill < 0.05 && delay < CLEAR_DELAY_MS) return 'clear';
  return 'fair';
}

const RANK: Record<ViewerCondition, number> = { clear: 0, fair: 1, congested: 2, severe: 3 };

/** The worst condition of `viewers` ('clear' when there are none). */
export function worstCondition(viewers: readonly ViewerHealth[]): ViewerCondition {
  let worst: ViewerCondition = 'clear';
  for (const v of viewers) {
    const c = conditionOf(v);
    if (RANK[c] > RANK[worst]) worst = c;
  }
  return worst;
}

/**
 * One evaluation: down one rung when a viewer is congested (two when severe), never below the floor;
 * up one rung only after every viewer was clear for `needClear` evaluations in a row. A congestion soon
 * after a rung up doubles `needClear` (up to 30), so a link that holds level n but not n−1 settles on n
 * instead of oscillating; a climb that held halves it again, and a minute without congestion resets it.
 */
export function decideQuality(state: QualityState, viewers: readonly ViewerHealth[], now: number): QualityState {
  if (viewers.length === 0) return state;
  const worst = worstCondition(viewers);
  if (worst === 'severe' || worst === 'congested') {
    const failedUp = now - state.lastUpAt < UP_FAILED_WITHIN_MS;
    const level = Math.min(FLOOR_LEVEL, state.level + (worst === 'severe' ? 2 : 1));
    return {
      level,
      clearRounds: 0,
      needClear: failedUp ? Math.min(MAX_CLEAR_SECONDS, state.needClear * 2) : state.needClear,
      lastUpAt: state.lastUpAt,
      lastDownAt: level !== state.level ? now : state.lastDownAt,
    };
  }
  const needClear = now - state.lastDownAt > CALM_RESET_MS ? BASE_CLEAR_SECONDS : state.needClear;
  if (worst === 'fair') return { ...state, clearRounds: 0, needClear };
  const clearRounds = state.clearRounds + 1;
  if (state.level > 0 && clearRounds >= needClear) {
    // The previous climb held (no congestion since it): the next one may come sooner.
    const hasHeld = state.lastUpAt > state.lastDownAt;
    return { level: state.level - 1, clearRounds: 0, needClear: hasHeld ? Math.max(BASE_CLEAR_SECONDS, Math.floor(needClear / 2)) : needClear, lastUpAt: now, lastDownAt: state.lastDownAt };
  }
  return { ...state, clearRounds, needClear };
}

/** The rung of a level (clamped to the ladder). */
export function stepOf(level: number): QualityStep {
  return QUALITY_LADDER[Math.min(FLOOR_LEVEL, Math.max(0, Math.round(level)))];
}
