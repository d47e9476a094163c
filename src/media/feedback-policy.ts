/** How one allowed viewer keeps up, as the relay sees it over the last feedback interval. */
export interface ViewerHealth {
  /** Bytes waiting for this viewer (relay queue + socket) as a fraction of media.viewerBufferBytes, 0–1. */
  fill: number;
  /** Frames were dropped for this viewer (it fell behind and waits for, or just got, a refresh). */
  hasDropped: boolean;
  /** Round trip of the viewer's socket (a ws ping behind the queued frames), ms: the latest, or the age of a ping still unanswered if larger. */
  rttMs?: number;
  /** The best RTT this viewer has had: RTT above it is queueing delay. */
  baseRttMs?: number;
}

/** What the agent is told to produce at most: `media.feedback {sessionId, maxFps, quality}`. */
export interface MediaFeedback {
  maxFps: number;
  /** JPEG quality, 1–100. */
  quality: number;
}

/** The levels, from the fastest viewer's to the slowest's. */
export const FEEDBACK_LEVELS: readonly MediaFeedback[] = [
  { maxFps: 30, quality: 80 },
  { maxFps: 15, quality: 70 },
  { maxFps: 10, quality: 60 },
  { maxFps: 5, quality: 40 },
];

/** The level one viewer needs: 3 if it dropped frames, else by how full its buffer is (>50 % → 2, >25 % → 1, else 0). */
export function levelOf(v: ViewerHealth): number {
  if (v.hasDropped) return 3;
  if (v.fill > 0.5) return 2;
  if (v.fill > 0.25) return 1;
  return 0;
}

/**
 * The agent's budget is set by the slowest allowed viewer: the highest level any of them needs.
 * With no allowed viewer the agent sends nothing anyway, so the fastest level is returned.
 * Deliberately coarse: four levels, re-evaluated once a second, sent only when the level changes.
 */
export function feedbackFor(viewers: readonly ViewerHealth[]): MediaFeedback {
  let level = 0;
  for (const v of viewers) level = Math.max(level, levelOf(v));
  return FEEDBACK_LEVELS[level];
}

/**
 * One health that needs the same level as the worst of `viewers` (the highest fill, dropped if any
 * dropped): what a node reports for its viewers of a session to the agent's node, which feeds it to
 * `feedbackFor` beside its own viewers'. `levelOf(worstOf(vs))` is the highest `levelOf` of `vs`.
 */
export function worstOf(viewers: readonly ViewerHealth[]): ViewerHealth {
  let fill = 0;
  let hasDropped = false;
  let delay = 0;
  for (const v of viewers) {
    if (v.fill > fill) fill = v.fill;
    if (v.hasDropped) hasDropped = true;
    delay = Math.max(delay, (v.rttMs ?? 0) - (v.baseRttMs ?? 0));
  }
  // The worst queueing delay stands for the group (as an RTT over a base of 0).
  return delay > 0 ? { fill, hasDropped, rttMs: Math.round(delay), baseRttMs: 0 } : { fill, hasDropped };
}
