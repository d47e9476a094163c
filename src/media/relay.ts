import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import type { Connection } from '../gateways/connection';
import { ConnectionRegistry } from '../gateways/connection-registry';
import { HandlerRegistry } from '../gateways/handler-registry';
import { feedbackFor, type ViewerHealth } from './feedback-policy';
import { decodeFrame, encodeFrame, Encoding, FrameType, type MediaFrame } from './frame-codec';
import { MediaViewer, type RelayedFrame, type ViewerStats } from './media-viewer';
import { ScreenAudience, type AudienceChange } from './screen-audience';
import type { QueuedFrame } from './viewer-queue';

/** How often drained viewers are checked without a send callback (a stalled socket has none). */
const TICK_MS = 200;
/** Feedback is re-evaluated every this many ticks (1 s). */
const FEEDBACK_EVERY = 5;
/** The socket gets at most a quarter of the bound (and at least 64 KiB); the rest waits in the queue, where superseding works. */
const socketWindowOf = (maxBytes: number): number => Math.max(65536, Math.floor(maxBytes / 4));

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
}

/**
 * The tile relay: every binary frame an agent sends for its own session goes to the console
 * connections (on this node) of the members that `screenRecipients` allows right now, each through
 * its own bounded MediaViewer. In hold, pending or ended sessions nothing is relayed, whatever the
 * agent sends. The agent is asked for a full refresh (a RefreshRequest binary frame) when a viewer
 * is newly allowed, sees its first frame, or drained after falling behind, and it is told the
 * budget of the slowest allowed viewer (`media.feedback`).
 */
@Injectable()
export class MediaRelay implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('media');
  private readonly viewers = new Map<Connection, MediaViewer>();
  private readonly viewersById = new Map<string, MediaViewer>();
  /** Monitors seen per session (a refresh asks for each). */
  private readonly monitors = new Map<string, Set<number>>();
  /** The last feedback sent per session, as `maxFps/quality`. */
  private readonly lastFeedback = new Map<string, string>();
  private readonly pendingRefresh = new Map<string, Set<number>>();
  /** Per session, the viewers its frames go to now (see viewersOfSession). */
  private readonly targets = new Map<string, MediaViewer[]>();
  private isRefreshScheduled = false;
  private timer?: NodeJS.Timeout;
  private ticks = 0;
  private readonly maxBytes: number;
  private readonly socketWindow: number;
  readonly counters: RelayCounters = { framesIn: 0, bytesIn: 0, framesOut: 0, framesUnseen: 0, badFrames: 0, forbiddenFrames: 0, refreshRequests: 0, feedbacks: 0 };

  constructor(
    private readonly handlers: HandlerRegistry,
    private readonly connections: ConnectionRegistry,
    private readonly audience: ScreenAudience,
    @Inject(CONFIG) config: TandemConfig,
  ) {
    this.maxBytes = config.media.viewerBufferBytes;
    this.socketWindow = Math.min(this.maxBytes, socketWindowOf(this.maxBytes));
  }

  onModuleInit(): void {
    this.handlers.onBinary((conn, frame) => this.onFrame(conn, frame));
    this.handlers.onOpen(() => this.targets.clear());
    this.handlers.onClose((conn) => {
      this.targets.clear();
      this.forgetViewer(conn);
    });
    this.audience.onChange((change) => this.onAudience(change));
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    if (this.timer) clearInterval(this.timer);
    for (const v of this.viewers.values()) v.close();
    this.viewers.clear();
    this.viewersById.clear();
  }

  /** Bytes waiting for a viewer connection (relay queue + socket); undefined when it is no viewer. */
  queuedBytes(connId: string): number | undefined {
    return this.viewersById.get(connId)?.queuedBytes;
  }

  /** A viewer connection's counters (peak bytes, sent, dropped, superseded, refreshes). */
  viewerStats(connId: string): ViewerStats | undefined {
    return this.viewersById.get(connId)?.snapshot();
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
    if (viewers.length === 0) this.counters.framesUnseen += 1;
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
    if (state.status === 'ended') {
      for (const v of this.viewers.values()) v.cut(sessionId);
      this.monitors.delete(sessionId);
      this.lastFeedback.delete(sessionId);
      return;
    }
    if (change.added.length === 0) return;
    for (const memberId of change.added) {
      for (const c of this.connections.ofIdentity('person', memberId)) {
        if (c.endpoint === 'console') this.viewerOf(c).sessions.add(sessionId);
      }
    }
    // Newly allowed viewers (a join, observe after hold) start from a full frame.
    this.requestRefresh(sessionId);
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
    let set = this.pendingRefresh.get(sessionId);
    if (!set) this.pendingRefresh.set(sessionId, (set = new Set()));
    const wanted = monitor !== undefined ? [monitor] : [...(this.monitors.get(sessionId) ?? [0])];
    for (const m of wanted) set.add(m);
    if (this.isRefreshScheduled) return;
    this.isRefreshScheduled = true;
    setImmediate(() => this.flushRefreshes());
  }

  private flushRefreshes(): void {
    this.isRefreshScheduled = false;
    const pending = [...this.pendingRefresh];
    this.pendingRefresh.clear();
    for (const [sessionId, monitors] of pending) {
      const state = this.audience.cached(sessionId);
      if (!state?.agentId || this.audience.audienceOf(sessionId).size === 0) continue;
      for (const agent of this.connections.ofIdentity('agent', state.agentId)) {
        if (agent.endpoint !== 'agent') continue;
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
    if (++this.ticks % FEEDBACK_EVERY === 0) this.sendFeedback();
  }

  /** Tells each session's agent the budget of its slowest allowed viewer here, when it changed. */
  private sendFeedback(): void {
    const health = new Map<MediaViewer, ViewerHealth>();
    for (const v of this.viewers.values()) health.set(v, v.takeHealth());
    const sessions = new Set<string>();
    for (const v of this.viewers.values()) for (const s of v.sessions) sessions.add(s);
    for (const sessionId of sessions) {
      const audience = this.audience.audienceOf(sessionId);
      const state = this.audience.cached(sessionId);
      if (audience.size === 0 || !state?.agentId) continue;
      const healths: ViewerHealth[] = [];
      for (const [v, h] of health) if (v.watches(sessionId) && audience.has(v.conn.identity.id)) healths.push(h);
      if (healths.length === 0) continue;
      const fb = feedbackFor(healths);
      const said = `${fb.maxFps}/${fb.quality}`;
      if (this.lastFeedback.get(sessionId) === said) continue;
      this.lastFeedback.set(sessionId, said);
      for (const agent of this.connections.ofIdentity('agent', state.agentId)) {
        if (agent.endpoint !== 'agent') continue;
        agent.send('media.feedback', { sessionId, maxFps: fb.maxFps, quality: fb.quality });
        this.counters.feedbacks += 1;
      }
    }
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
 * ws may hand us a slice of a larger socket chunk; a queued slice would keep the whole chunk alive
 * and make the byte bound a lie, so such frames are copied once when first queued (shared by every
 * viewer). Frames sent at once are not copied.
 */
function ownBytes(bytes: Buffer): Uint8Array {
  return bytes.buffer.byteLength > bytes.byteLength * 2 + 8192 ? Buffer.from(bytes) : bytes;
}
