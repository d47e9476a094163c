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

/**
 * One health as bad as the worst of `viewers` (the highest fill, dropped if any dropped, the largest
 * queueing delay): what a node reports for its viewers of a session to the agent's node, which feeds
 * it to `decideQuality` (quality-policy.ts) beside its own viewers'. `conditionOf(worstOf(vs))` is the
 * worst `conditionOf` of `vs`.
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
