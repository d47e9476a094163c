import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import type { Connection } from '../gateways/connection';
import { ConnectionRegistry } from '../gateways/connection-registry';
import { HandlerRegistry } from '../gateways/handler-registry';
import { type ViewerHealth, worstOf } from './feedback-policy';
import { decodeFrame, encodeFrame, Encoding, FrameType, type MediaFrame } from './frame-codec';
import { MediaCluster } from './media-cluster';
import { MediaViewer, type RelayedFrame, type ViewerStats } from './media-viewer';
import type { BatchEntry } from './media-wire';
import { ScreenAudience, type AudienceChange } from './screen-audience';
import { SessionQualityBook, type AgentMediaStats, type SessionQualityReport } from './session-quality';
import type { QueuedFrame } from './viewer-queue';

/** How often drained viewers are checked without a send callback (a stalled socket has none). */
const TICK_MS = 200;
/** Feedback is re-evaluated every this many ticks (1 s). */
const FEEDBACK_EVERY = 5;
/** The socket gets at most a quarter of the bound (and at least 64 KiB); the rest waits in the queue, where superseding works. */
const socketWindowOf = (maxBytes: number): number => Math.max(65536, Math.floor(maxBytes / 4));
/** A session whose forwarded frames are refused here as too new is read from its owner after this long… */
const BEHIND_LOAD_AFTER_MS = 500;
/** …at most this often… */
const BEHIND_LOAD_EVERY_MS = 1000;
/** …and given up on after this long (the session is gone, or its frames stopped). */
const BEHIND_GIVE_UP_MS = 10_000;

/** A session whose forwarded frames this node refused because it has not applied the sender's audience yet. */
interface Behind {
  since: number;
  loadedAt: number;
}

interface PendingRefresh {
  /** Every monitor seen (on the agent's node: of the agent; elsewhere: let that node decide). */
  all: boolean;
  monitors: Set<number>;
}

/** Node counters, for metrics and tests. */
export interface RelayCounters {
  framesIn: number;
  bytesIn: number;
  /** Frames handed to viewers (queued or sent), one per viewer. */
  framesOut: number;
  /** Frames that had no allowed viewer (hold, pending, nobody connected here). */
  framesUnseen: number;
  badFrames: number;
  forbiddenFrames: number;
  refreshRequests: number;
  feedbacks: number;
  /** Frames other nodes forwarded here (from their agents). */
  framesFromNodes: number;
  /** Of those, refused because this node had not applied the sender's audience change yet. */
  framesAhead: number;
  /** Refresh requests sent on to the agent's node (no agent connection here). */
  refreshesForwarded: number;
}

/**
 * The tile relay: every binary frame an agent sends for its own session goes to the console
 * connections of the members that `screenRecipients` allows right now, each through its own
 * bounded MediaViewer: on this node directly, on other nodes through MediaCluster (forwarded to the
 * nodes that announced allowed viewers of the session, where this same class checks its own
 * audience again and delivers). In hold, pending or ended sessions nothing is relayed, whatever the
 * agent sends. The agent is asked for a full refresh (a RefreshRequest binary frame) when a viewer
 * is newly allowed, sees its first frame, or drained after falling behind (on any node), and it is
 * told the budget of the slowest allowed viewer of every node (`media.feedback`).
 */
@Injectable()
export class MediaRelay implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('media');
  private readonly viewers = new Map<Connection, MediaViewer>();
  private readonly viewersById = new Map<string, MediaViewer>();
  /** Monitors seen per session (a refresh asks for each). */
  private readonly monitors = new Map<string, Set<number>>();
  /** Each session's rung on the quality ladder and its agent's capture report (docs/media.md, "Quality and adaptation"). */
  readonly quality = new SessionQualityBook();
  private readonly pendingRefresh = new Map<string, PendingRefresh>();
  private readonly behind = new Map<string, Behind>();
  /** Called with every frame of an agent connected here that someone may see now (recording taps here). */
  private readonly taps: ((frame: MediaFrame, bytes: Uint8Array) => void)[] = [];
  private isAnnounceScheduled = false;
  /** Per session, the viewers its frames go to now (see viewersOfSession). */
  private readonly targets = new Map<string, MediaViewer[]>();
  private isRefreshScheduled = false;
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  private readonly maxBytes: number;
  private readonly socketWindow: number;
  readonly counters: RelayCounters = {
    framesIn: 0, bytesIn: 0, framesOut: 0, framesUnseen: 0, badFrames: 0, forbiddenFrames: 0, refreshRequests: 0, feedbacks: 0,
    framesFromNodes: 0, framesAhead: 0, refreshesForwarded: 0,
  };

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly connections: ConnectionRegistry,
    private readonly audience: ScreenAudience,
    private readonly cluster: MediaCluster,
    @Inject(CONFIG) config: TandemConfig,
  ) {
    this.maxBytes = config.media.viewerBufferBytes;
    this.socketWindow = Math.min(this.maxBytes, socketWindowOf(this.maxBytes));
  }

  onModuleInit(): void {
    this.handlers.onBinary((conn, frame) => this.onFrame(conn, frame));
    this.handlers.onOpen((conn) => {
      this.targets.clear();
      if (conn.endpoint === 'console') this.scheduleAnnounce();
    });
    this.handlers.onClose((conn) => {
      this.targets.clear();
      this.forgetViewer(conn);
      this.scheduleAnnounce();
    });
    this.audience.onChange((change) => this.onAudience(change));
    this.cluster.attach({
      onFrames: (_sender, entries, afterGap) => this.onRemoteFrames(entries, afterGap),
      onRefresh: (sessionId, monitors) => this.onRemoteRefresh(sessionId, monitors),
      onNewInterest: (sessionId) => {
        // Frames start flowing to another node now: its viewers start from a full frame.
        if (this.hasLocalAgent(sessionId)) this.requestRefresh(sessionId);
      },
      onLinkDrained: (streams) => {
        for (const stream of streams) {
          const bar = stream.lastIndexOf('|');
          this.requestRefresh(stream.slice(0, bar), Number(stream.slice(bar + 1)));
        }
      },
    });
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    for (const v of this.viewers.values()) v.close();
    this.viewers.clear();
    this.viewersById.clear();
  }

  /**
   * Taps the frames of agents connected to this node that pass the audience check (someone may see the
   * screen now: never in hold), once per frame, before delivery. The tap must not keep `bytes` (copy).
   */
  onRelayed(tap: (frame: MediaFrame, bytes: Uint8Array) => void): void {
    this.taps.push(tap);
  }

  /** Bytes waiting for a viewer connection (relay queue + socket); undefined when it is no viewer. */
  queuedBytes(connId: string): number | undefined {
    return this.viewersById.get(connId)?.queuedBytes;
  }

  /** The monitors of a session a console connection shows (null: every monitor); the others' frames are not sent to it. */
  showMonitors(conn: Connection, sessionId: string, monitors: readonly number[] | null): void {
    this.viewerOf(conn).showMonitors(sessionId, monitors);
  }

  /** A viewer connection's counters (peak bytes, sent, dropped, superseded, refreshes). */
  viewerStats(connId: string): ViewerStats | undefined {
    return this.viewersById.get(connId)?.snapshot();
  }

  /** The agent's capture report (`media.stats`, checked by the handler: the session's own agent). */
  noteAgentStats(sessionId: string, stats: AgentMediaStats): void {
    this.quality.noteAgent(sessionId, stats);
  }

  /** A session's quality as this node sees it: its rung and agent report (on the agent's node) and its viewers here. */
  sessionQuality(sessionId: string): SessionQualityReport {
    const viewers: SessionQualityReport['viewers'] = [];
    const audience = this.audience.audienceOf(sessionId);
    for (const v of this.viewers.values()) {
      if (!v.watches(sessionId) || !audience.has(v.conn.identity.id)) continue;
      const st = v.snapshot();
      viewers.push({ memberId: v.conn.identity.id, connId: v.conn.id, link: st.link, queuedBytes: st.queuedBytes, droppedFrames: st.droppedFrames, supersededFrames: st.supersededFrames });
    }
    return { sessionId, step: this.quality.stepOf(sessionId), agent: this.quality.agentOf(sessionId, Date.now()), viewers };
  }

  /**
   * Once a second, every viewer here gets its own figures for each session it watches
   * (`media.quality`): what its link delivers, what it missed, and the rung and agent report when the
   * agent is connected here. The cockpit's quality indicator shows them.
   */
  private tellViewers(): void {
    const now = Date.now();
    for (const v of this.viewers.values()) {
      if (!v.conn.isOpen) continue;
      const st = v.snapshot();
      for (const sessionId of v.sessions) {
        if (!this.audience.audienceOf(sessionId).has(v.conn.identity.id)) continue;
        const step = this.quality.stepOf(sessionId);
        const agent = this.quality.agentOf(sessionId, now);
        v.conn.send('media.quality', {
          sessionId, rttMs: Math.round(st.link.rttMs), baseRttMs: Math.round(st.link.baseRttMs), fps: st.link.fps, kbps: Math.round(st.link.bitsPerSecond / 1000),
          dropped: st.droppedFrames, superseded: st.supersededFrames, queuedBytes: st.queuedBytes,
          level: step?.level ?? null, quality: agent?.quality ?? step?.quality ?? null, maxFps: agent?.maxFps ?? step?.maxFps ?? null,
          agentFps: agent?.fps ?? null, agentKbps: agent ? Math.round(agent.bitsPerSecond / 1000) : null, encodeMs: agent?.encodeMs ?? null,
        });
      }
    }
  }

  private onFrame(conn: Connection, bytes: Buffer): void {
    this.counters.framesIn += 1;
    this.counters.bytesIn += bytes.length;
    const parsed = decodeFrame(bytes);
    if (!parsed.ok) {
      this.counters.badFrames += 1;
      conn.error(undefined, 'BAD_FRAME', parsed.message);
      return;
    }
    const frame = parsed.frame;
    if (frame.type === FrameType.RefreshRequest) {
      this.counters.badFrames += 1;
      conn.error(undefined, 'BAD_FRAME', 'refresh requests go to agents; an agent does not send them');
      return;
    }
    const state = this.audience.cached(frame.sessionId);
    if (state === undefined) {
      // Not heard of on this node yet: read it once. This frame is dropped; the viewers' first
      // frame asks for a refresh anyway.
      void this.audience.load(frame.sessionId).then((loaded) => {
        if (!loaded || loaded.agentId !== conn.identity.id) this.forbidden(conn, frame.sessionId);
      });
      return;
    }
    if (state === null || state.agentId !== conn.identity.id) {
      this.forbidden(conn, frame.sessionId);
      return;
    }
    this.noteMonitor(frame.sessionId, frame.monitor);
    const audience = this.audience.audienceOf(frame.sessionId);
    if (audience.size === 0) {
      this.counters.framesUnseen += 1;
      return;
    }
    for (const tap of this.taps) tap(frame, bytes);
    const here = this.relayHere(frame, bytes, audience);
    const elsewhere = this.cluster.forward(frame.sessionId, frame.monitor, this.audience.audienceSeq(frame.sessionId), bytes);
    if (here === 0 && elsewhere === 0) this.counters.framesUnseen += 1;
  }

  /**
   * Frames an agent's node forwarded here. Checked again against this node's own audience (the
   * sender's check is not trusted), and refused while this node has not yet applied the audience
   * change the sender had applied (its `audienceSeq`): a removal or a hold seen there first must not
   * let a frame out here. Then delivered exactly like a local agent's frames.
   */
  private onRemoteFrames(entries: readonly BatchEntry[], afterGap: boolean): void {
    if (afterGap) {
      // Batches were lost on the way (Redis dropped this node's subscriber, say): start over.
      for (const sessionId of this.wantedHere().keys()) this.requestRefresh(sessionId);
    }
    for (const entry of entries) {
      this.counters.framesFromNodes += 1;
      const parsed = decodeFrame(entry.bytes);
      if (!parsed.ok || parsed.frame.type === FrameType.RefreshRequest) {
        this.counters.badFrames += 1;
        continue;
      }
      const frame = parsed.frame;
      const sessionId = frame.sessionId;
      const state = this.audience.cached(sessionId);
      if (state === undefined || (state !== null && state.seq < entry.audienceSeq)) {
        this.counters.framesAhead += 1;
        // Never heard of here (this node started later): read it now; else give the commit a moment.
        if (state === undefined) void this.audience.load(sessionId);
        this.markBehind(sessionId);
        continue;
      }
      if (state === null) {
        this.counters.framesUnseen += 1;
        continue;
      }
      if (this.behind.delete(sessionId)) this.requestRefresh(sessionId);
      const audience = this.audience.audienceOf(sessionId);
      if (audience.size === 0) {
        this.counters.framesUnseen += 1;
        continue;
      }
      this.noteMonitor(sessionId, frame.monitor);
      if (this.relayHere(frame, entry.bytes, audience) === 0) this.counters.framesUnseen += 1;
    }
  }

  private markBehind(sessionId: string): void {
    if (this.behind.has(sessionId)) return;
    this.behind.set(sessionId, { since: Date.now(), loadedAt: 0 });
  }

  /** Sessions refused as too new for a while are read from their owner (a commit may have been missed). */
  private checkBehind(now: number): void {
    for (const [sessionId, b] of this.behind) {
      if (now - b.since > BEHIND_GIVE_UP_MS) this.behind.delete(sessionId);
      else if (now - b.since > BEHIND_LOAD_AFTER_MS && now - b.loadedAt > BEHIND_LOAD_EVERY_MS) {
        b.loadedAt = now;
        void this.audience.load(sessionId);
      }
    }
  }

  /** Hands a frame to this node's allowed viewers of its session; returns how many. */
  private relayHere(frame: MediaFrame, bytes: Uint8Array, audience: ReadonlySet<string>): number {
    const stream = `${frame.sessionId}|${frame.monitor}`;
    let queued: QueuedFrame | undefined;
    const relayed: RelayedFrame = {
      data: bytes, sessionId: frame.sessionId, monitor: frame.monitor, frameSeq: frame.frameSeq, stream,
      queued: () => (queued ??= { data: ownBytes(bytes), sessionId: frame.sessionId, monitor: frame.monitor, frameSeq: frame.frameSeq, key: keyOf(stream, frame) }),
    };
    const viewers = this.viewersOfSession(frame.sessionId, audience);
    for (const viewer of viewers) {
      if (!viewer.watches(frame.sessionId)) {
        // A connection that never had this session's frames (new tab, reconnect) needs the whole screen.
        viewer.sessions.add(frame.sessionId);
        this.requestRefresh(frame.sessionId);
      }
      viewer.deliver(relayed);
    }
    this.counters.framesOut += viewers.length;
    return viewers.length;
  }

  /**
   * The open console connections of the allowed members, as viewers. Cached per session: the cache
   * is dropped when the session's audience changes and whenever a connection opens or closes.
   */
  private viewersOfSession(sessionId: string, audience: ReadonlySet<string>): MediaViewer[] {
    const cached = this.targets.get(sessionId);
    if (cached) return cached;
    const out: MediaViewer[] = [];
    for (const memberId of audience) {
      for (const c of this.connections.ofIdentity('person', memberId)) if (c.endpoint === 'console') out.push(this.viewerOf(c));
    }
    this.targets.set(sessionId, out);
    return out;
  }

  /** Runs inside the commit's dispatch: removed viewers lose what is queued for them before the next frame. */
  private onAudience(change: AudienceChange): void {
    const { sessionId, state } = change;
    this.targets.delete(sessionId);
    for (const memberId of change.removed) {
      for (const c of this.connections.ofIdentity('person', memberId)) this.viewers.get(c)?.cut(sessionId);
    }
    this.scheduleAnnounce();
    if (state.status === 'ended') {
      for (const v of this.viewers.values()) v.cut(sessionId);
      this.monitors.delete(sessionId);
      this.quality.forget(sessionId);
      this.behind.delete(sessionId);
      return;
    }
    if (change.added.length === 0) return;
    let isWatchedHere = false;
    for (const memberId of change.added) {
      for (const c of this.connections.ofIdentity('person', memberId)) {
        if (c.endpoint !== 'console') continue;
        this.viewerOf(c).sessions.add(sessionId);
        isWatchedHere = true;
      }
    }
    // Newly allowed viewers (a join, observe after hold) start from a full frame: here, and on
    // other nodes that already want the session (their request may have come before this change did).
    if (isWatchedHere || this.cluster.isWantedElsewhere(sessionId)) this.requestRefresh(sessionId);
  }

  /** A viewer on another node needs a full frame: asked of the agent if it is connected here. */
  private onRemoteRefresh(sessionId: string, monitors: readonly number[] | null): void {
    if (!this.hasLocalAgent(sessionId)) return;
    if (monitors === null) this.requestRefresh(sessionId);
    else for (const m of monitors) this.requestRefresh(sessionId, m);
  }

  /** The agent connections of the session's agent on this node. */
  private localAgents(sessionId: string): Connection[] {
    const agentId = this.audience.cached(sessionId)?.agentId;
    if (!agentId) return [];
    return this.connections.ofIdentity('agent', agentId).filter((c) => c.endpoint === 'agent');
  }

  private hasLocalAgent(sessionId: string): boolean {
    return this.localAgents(sessionId).length > 0;
  }

  private forbidden(conn: Connection, sessionId: string): void {
    this.counters.forbiddenFrames += 1;
    conn.error(undefined, 'FORBIDDEN', `frame for session ${sessionId}, which is not this agent's session`, { sessionId });
  }

  /** Asks the session's agent for a full frame of a monitor (every monitor it sent when omitted). */
  refresh(sessionId: string, monitor?: number): void {
    this.requestRefresh(sessionId, monitor);
  }

  /** Asks the session's agent for a full frame of a monitor (all it sent so far when omitted); requests of one turn are merged. */
  private requestRefresh(sessionId: string, monitor?: number): void {
    let pending = this.pendingRefresh.get(sessionId);
    if (!pending) this.pendingRefresh.set(sessionId, (pending = { all: false, monitors: new Set() }));
    if (monitor === undefined) pending.all = true;
    else pending.monitors.add(monitor);
    if (this.isRefreshScheduled) return;
    this.isRefreshScheduled = true;
    setImmediate(() => this.flushRefreshes());
  }

  /**
   * Sends the turn's refresh requests: to the agent when it is connected here, else to the agent's
   * node over the bus, but only for sessions this node already announced (for a session not yet
   * announced, the announcement itself makes the agent's node ask for a full frame).
   */
  private flushRefreshes(): void {
    this.isRefreshScheduled = false;
    const pending = [...this.pendingRefresh];
    this.pendingRefresh.clear();
    for (const [sessionId, wanted] of pending) {
      const state = this.audience.cached(sessionId);
      if (!state?.agentId || this.audience.audienceOf(sessionId).size === 0) continue;
      const agents = this.localAgents(sessionId);
      if (agents.length === 0) {
        if (this.cluster.isAnnounced(sessionId)) {
          this.cluster.askRefresh(sessionId, wanted.all ? null : [...wanted.monitors]);
          this.counters.refreshesForwarded += 1;
        }
        continue;
      }
      const monitors = new Set(wanted.monitors);
      if (wanted.all) for (const m of this.monitors.get(sessionId) ?? [0]) monitors.add(m);
      for (const agent of agents) {
        for (const monitor of monitors) {
          agent.sendBinary(encodeFrame({
            type: FrameType.RefreshRequest, encoding: Encoding.None, monitor, frameSeq: 0, timestamp: Date.now(),
            x: 0, y: 0, width: 0, height: 0, sessionId, payload: new Uint8Array(0),
          }));
          this.counters.refreshRequests += 1;
        }
      }
    }
  }

  private tick(): void {
    for (const v of this.viewers.values()) v.tick();
    if (this.behind.size > 0) this.checkBehind(Date.now());
    if (++this.ticks % FEEDBACK_EVERY === 0) this.sendFeedback();
  }

  /**
   * Once a second: tells each session's agent connected here the budget of its slowest allowed
   * viewer, here and on the other nodes (their `want` carries their worst viewer), when it changed;
   * and tells the other nodes which sessions have allowed viewers here and how they keep up.
   */
  private sendFeedback(): void {
    const health = new Map<MediaViewer, ViewerHealth>();
    for (const v of this.viewers.values()) health.set(v, v.takeHealth());
    this.cluster.beginFeedbackRound();
    const sessions = new Set<string>(this.cluster.wantedElsewhere());
    for (const v of this.viewers.values()) for (const s of v.sessions) sessions.add(s);
    for (const sessionId of sessions) {
      const audience = this.audience.audienceOf(sessionId);
      if (audience.size === 0) continue;
      const agents = this.localAgents(sessionId);
      if (agents.length === 0) continue;
      const healths = [...this.healthsHere(sessionId, audience, health), ...this.cluster.remoteHealth(sessionId)];
      if (healths.length === 0) continue;
      const step = this.quality.evaluate(sessionId, healths, Date.now());
      if (!step) continue;
      for (const agent of agents) {
        agent.send('media.feedback', { sessionId, maxFps: step.maxFps, quality: step.quality, level: step.level });
        this.counters.feedbacks += 1;
      }
    }
    this.tellViewers();
    if (this.cluster.isEnabled) {
      this.loadUnknownSessions();
      this.cluster.announce(this.wantedHere(health), true);
    }
  }

  private healthsHere(sessionId: string, audience: ReadonlySet<string>, health: ReadonlyMap<MediaViewer, ViewerHealth>): ViewerHealth[] {
    const out: ViewerHealth[] = [];
    for (const [v, h] of health) if (v.watches(sessionId) && audience.has(v.conn.identity.id)) out.push(h);
    return out;
  }

  /**
   * The sessions whose frames this node needs from another node: someone may see the screen now,
   * one of them has a console connection here, and the agent is not connected here. With the worst
   * health of the viewers here (from this round's `health`, else their fill now).
   */
  private wantedHere(health?: ReadonlyMap<MediaViewer, ViewerHealth>): Map<string, ViewerHealth> {
    const out = new Map<string, ViewerHealth>();
    for (const [sessionId, members] of this.audience.visible()) {
      let isWatched = false;
      const healths: ViewerHealth[] = [];
      for (const memberId of members) {
        for (const c of this.connections.ofIdentity('person', memberId)) {
          if (c.endpoint !== 'console') continue;
          isWatched = true;
          const v = this.viewers.get(c);
          if (v?.watches(sessionId)) healths.push(health?.get(v) ?? { fill: Math.min(1, v.queuedBytes / this.maxBytes), hasDropped: false });
        }
      }
      if (isWatched && !this.hasLocalAgent(sessionId)) out.set(sessionId, worstOf(healths));
    }
    return out;
  }

  /** A session a console connection here follows but this node never heard a commit of (it started later): read it once. */
  private loadUnknownSessions(): void {
    for (const c of this.connections.list()) {
      if (c.endpoint !== 'console') continue;
      for (const sessionId of c.sessions) if (this.audience.cached(sessionId) === undefined) void this.audience.load(sessionId);
    }
  }

  /** Announces a changed set of wanted sessions at the end of this turn (audience changes, connections coming and going). */
  private scheduleAnnounce(): void {
    if (!this.cluster.isEnabled || this.isAnnounceScheduled) return;
    this.isAnnounceScheduled = true;
    setImmediate(() => {
      this.isAnnounceScheduled = false;
      this.cluster.announce(this.wantedHere(), false);
    });
  }

  private noteMonitor(sessionId: string, monitor: number): void {
    let set = this.monitors.get(sessionId);
    if (!set) this.monitors.set(sessionId, (set = new Set()));
    if (set.size < 16) set.add(monitor);
  }

  private viewerOf(conn: Connection): MediaViewer {
    let viewer = this.viewers.get(conn);
    if (!viewer) {
      viewer = new MediaViewer(conn, {
        maxBytes: this.maxBytes, socketWindow: this.socketWindow, now: () => Date.now(),
        onNeedsRefresh: (sessionId, monitor) => this.requestRefresh(sessionId, monitor),
      });
      this.viewers.set(conn, viewer);
      this.viewersById.set(conn.id, viewer);
    }
    return viewer;
  }

  private forgetViewer(conn: Connection): void {
    const viewer = this.viewers.get(conn);
    if (!viewer) return;
    viewer.close();
    this.viewers.delete(conn);
    this.viewersById.delete(conn.id);
  }
}

/** What a newer frame replaces (see QueuedFrame.key). */
function keyOf(stream: string, f: MediaFrame): string {
  switch (f.type) {
    case FrameType.Tile: return `${stream}|t|${f.x},${f.y},${f.width},${f.height}`;
    case FrameType.Cursor: return `${stream}|c`;
    case FrameType.ScreenInfo: return `${stream}|i`;
    default: return `${stream}|e`;
  }
}

/**
 * ws may hand us a slice of a larger socket chunk (and a forwarded frame is a slice of its batch); a
 * queued slice would keep the whole chunk alive and make the byte bound a lie, so such frames are
 * copied once when first queued (shared by every viewer). Frames sent at once are not copied.
 */
function ownBytes(bytes: Uint8Array): Uint8Array {
  return bytes.buffer.byteLength > bytes.byteLength * 2 + 8192 ? Buffer.from(bytes) : bytes;
}
