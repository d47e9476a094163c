import type { ViewerHealth } from './feedback-policy';
import { decideQuality, INITIAL_QUALITY, stepOf, type QualityState, type QualityStep } from './quality-policy';
import type { ViewerLink } from './viewer-meter';

/** What a session's agent reports about its capture every couple of seconds (`media.stats`). */
export interface AgentMediaStats {
  /** Captures with changes sent per second. */
  fps: number;
  /** Bits per second of frames sent. */
  bitsPerSecond: number;
  /** Mean time of one capture (grab + diff + encode), and of its encode stage, ms. */
  captureMs: number;
  encodeMs: number;
  /** What it produces now (its own cap and the feedback together). */
  quality: number;
  maxFps: number;
  /** The rung of the last feedback it applied (-1: none yet). */
  level: number;
  /** When this node heard it (ms since the epoch). */
  at: number;
}

/** One viewer's figures in a session's quality report. */
export interface ViewerQualityReport {
  memberId: string;
  connId: string;
  link: ViewerLink;
  queuedBytes: number;
  droppedFrames: number;
  supersededFrames: number;
}

/** A session's quality as this node sees it: the ladder's rung (on the agent's node), the agent's report, the viewers here. */
export interface SessionQualityReport {
  sessionId: string;
  /** The rung the agent was told (undefined on a node the agent is not connected to). */
  step?: QualityStep;
  agent?: AgentMediaStats;
  viewers: ViewerQualityReport[];
}

/** Agent reports older than this are not shown. */
const AGENT_STATS_TTL_MS = 10_000;

/**
 * The per-session side of adaptation on the agent's node: each session's place on the ladder (moved by
 * the pure `decideQuality`) and the agent's latest capture report. Bounded by the sessions alive here:
 * `forget` runs when a session ends.
 */
export class SessionQualityBook {
  private readonly states = new Map<string, QualityState>();
  private readonly told = new Map<string, number>();
  private readonly agents = new Map<string, AgentMediaStats>();

  /** One evaluation for a session; returns the rung to tell the agent when it changed (or was never told), else undefined. */
  evaluate(sessionId: string, viewers: readonly ViewerHealth[], now: number): QualityStep | undefined {
    const next = decideQuality(this.states.get(sessionId) ?? INITIAL_QUALITY, viewers, now);
    this.states.set(sessionId, next);
    if (this.told.get(sessionId) === next.level) return undefined;
    this.told.set(sessionId, next.level);
    return stepOf(next.level);
  }

  /** The rung a session is on (undefined when it was never evaluated here). */
  stepOf(sessionId: string): QualityStep | undefined {
    const st = this.states.get(sessionId);
    return st ? stepOf(st.level) : undefined;
  }

  noteAgent(sessionId: string, stats: AgentMediaStats): void {
    this.agents.set(sessionId, stats);
    // A restarted or reconnected agent has not applied the rung: tell it again at the next round.
    if (this.states.has(sessionId) && stats.level !== this.told.get(sessionId)) this.told.delete(sessionId);
  }

  agentOf(sessionId: string, now: number): AgentMediaStats | undefined {
    const a = this.agents.get(sessionId);
    return a && now - a.at <= AGENT_STATS_TTL_MS ? a : undefined;
  }

  /** Every session's latest agent report (for metrics), fresh ones only. */
  agentReports(now: number): AgentMediaStats[] {
    return [...this.agents.values()].filter((a) => now - a.at <= AGENT_STATS_TTL_MS);
  }

  /** The rungs of the sessions evaluated here (for metrics). */
  levels(): number[] {
    return [...this.states.values()].map((s) => s.level);
  }

  forget(sessionId: string): void {
    this.states.delete(sessionId);
    this.told.delete(sessionId);
    this.agents.delete(sessionId);
  }

}
