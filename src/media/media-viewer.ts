import WebSocket from 'ws';
import type { Connection } from '../gateways/connection';
import type { ViewerHealth } from './feedback-policy';
import { FRAME_MAGIC, FrameType } from './frame-codec';
import { ViewerMeter, type ViewerLink } from './viewer-meter';
import { ViewerQueue, type QueuedFrame } from './viewer-queue';

/** A relayed frame as the viewer side needs it: where it belongs, and how a queue holds it. */
export interface RelayedFrame {
  /** The bytes as received (possibly a view of a larger socket chunk): fine for an immediate send. */
  readonly data: Uint8Array;
  readonly sessionId: string;
  readonly monitor: number;
  readonly frameSeq: number;
  /** `sessionId|monitor`, made once per frame rather than once per viewer. */
  readonly stream: string;
  /** The frame as queues hold it (its own bytes, its supersede key): made at most once, shared by every viewer. */
  queued(): QueuedFrame;
}

/**
 * The state of one (session, monitor) stream for one viewer:
 * live — frames flow; dropping — the viewer fell behind, frames are dropped until it drains;
 * resync — it drained and a refresh was asked for: the rest of the frame in progress (`skipSeq`)
 * is skipped and the stream is live again from the next frame on.
 */
interface StreamFlow {
  mode: 'live' | 'dropping' | 'resync';
  skipSeq: number;
  lastSeq: number;
  droppedAt: number;
  lastRefreshAt: number;
  backoffMs: number;
}

export interface ViewerStats {
  /** Relay queue + socket, now. */
  queuedBytes: number;
  /** The most that was ever waiting (queue + socket) right after a frame was handled. */
  peakBytes: number;
  sentFrames: number;
  droppedFrames: number;
  supersededFrames: number;
  refreshes: number;
  /** Frames of monitors this connection does not show (`media.monitors`), not sent. */
  otherMonitorFrames: number;
  /** The link as the viewer's probes measure it (RTT, delivered fps and bit rate). */
  link: ViewerLink;
}

export interface ViewerOptions {
  /** media.viewerBufferBytes: queue + socket never hold more (but one frame larger than it may pass alone). */
  maxBytes: number;
  /** The socket is fed only while it holds less than this: the rest waits in the queue, where superseding works. */
  socketWindow: number;
  /** Called when a stream drained after dropping frames: ask the agent for a full frame. */
  onNeedsRefresh: (sessionId: string, monitor: number) => void;
  now: () => number;
}

/**
 * A probe unanswered this long means the viewer has not read what the socket took a while ago (a slow
 * link behind kernel buffers or a proxy, which `bufferedAmount` does not see): the socket counts as
 * full, and frames wait in the queue, where newer tiles replace older ones.
 */
const STALE_PROBE_MS = 1000;
/**
 * Queueing delay above which a viewer is congested (and below which it is not any more): its queue
 * keeps only the newest tile of each place, and what it has in flight is bounded (below).
 */
const CONGESTED_DELAY_MS = 300;
const UNCONGESTED_DELAY_MS = 150;
/** A congested viewer has at most this many seconds of what its link delivers in flight, and at least 64 KiB. */
const CONGESTED_IN_FLIGHT_SECONDS = 2;
const MIN_CONGESTED_WINDOW = 65536;

/** A stream that dropped again within this long of its last refresh backs off before asking again. */
const REFRESH_CHURN_MS = 2000;
const MAX_BACKOFF_MS = 4000;

/**
 * One console connection as a media viewer: its bounded queue, the feeding of its socket (driven by
 * ws send callbacks, so it never blocks and never polls a healthy socket), and the drop/refresh flow
 * of each stream it watches.
 */
export class MediaViewer {
  readonly queue: ViewerQueue;
  /** Sessions this viewer has been sent frames of (a first frame asks for a refresh). */
  readonly sessions = new Set<string>();
  /** Per session, the monitors this connection shows (`media.monitors`); a session not here: every monitor. */
  private readonly shown = new Map<string, ReadonlySet<number>>();
  private readonly flows = new Map<string, StreamFlow>();
  private readonly stats = { peakBytes: 0, sentFrames: 0, droppedFrames: 0, refreshes: 0, otherMonitorFrames: 0 };
  /** Frames were dropped since the last feedback evaluation. */
  private hasDroppedRecently = false;
  private readonly onSent = (): void => this.pump();
  /** RTT and delivered rates, from ws pings behind the frames (see ViewerMeter). */
  private readonly meter = new ViewerMeter();
  private readonly onPong = (data: Buffer): void => {
    if (!this.meter.pong(data, this.opts.now())) return;
    this.assessLink();
    this.pump();
  };

  constructor(readonly conn: Connection, private readonly opts: ViewerOptions) {
    this.queue = new ViewerQueue(opts.maxBytes);
    // Test doubles of the socket may have no events.
    if (typeof conn.ws.on === 'function') conn.ws.on('pong', this.onPong);
  }

  /**
   * Bytes in the socket not yet written to the kernel, or the whole socket window while the link is
   * full (a probe unanswered too long, or a congested viewer at its in-flight bound): this paces
   * the feeding of the socket; the memory bound counts real bytes (`queuedBytes`).
   */
  get inSocket(): number {
    const buffered = this.conn.ws.bufferedAmount;
    const isFull = this.meter.unansweredFor(this.opts.now()) > STALE_PROBE_MS || (this.congestedWindow > 0 && this.meter.inFlightBytes >= this.congestedWindow);
    return isFull ? Math.max(buffered, this.opts.socketWindow) : buffered;
  }

  /** In-flight bound of a congested viewer (0: not congested). */
  private congestedWindow = 0;

  /** Bytes held for this viewer here: the relay queue and the socket (what the memory bound counts). */
  get queuedBytes(): number {
    return this.queue.bytes + this.conn.ws.bufferedAmount;
  }

  /** Hands a frame to the socket now, queues it, or drops it (and the stream's queue) when the viewer is too far behind. */
  deliver(frame: RelayedFrame): void {
    if (this.conn.ws.readyState !== WebSocket.OPEN) return;
    if (!this.shows(frame.sessionId, frame.monitor)) {
      this.stats.otherMonitorFrames++;
      return;
    }
    const flow = this.flowOf(frame.stream);
    flow.lastSeq = frame.frameSeq;
    if (flow.mode === 'dropping' || (flow.mode === 'resync' && frame.frameSeq === flow.skipSeq)) {
      this.dropped();
      return;
    }
    flow.mode = 'live';
    const inSocket = this.inSocket;
    const size = frame.data.byteLength;
    if (this.queue.length === 0 && (inSocket === 0 || inSocket + size <= this.opts.socketWindow)) {
      this.send(frame.data);
    } else if (this.offer(frame) === 'full') {
      this.startDropping(frame.sessionId, frame.monitor, flow);
    } else {
      this.pump();
    }
    const waiting = this.queuedBytes;
    if (waiting > this.stats.peakBytes) this.stats.peakBytes = waiting;
  }

  /** The viewer may no longer see a session: nothing queued for it leaves, and its streams start over. */
  cut(sessionId: string): void {
    this.queue.purge((f) => f.sessionId === sessionId);
    for (const key of [...this.flows.keys()]) if (key.startsWith(`${sessionId}|`)) this.flows.delete(key);
    this.sessions.delete(sessionId);
  }

  /**
   * Queues a frame. The link gate (see `inSocket`) only paces: when the queue is full while the gate
   * holds frames back that the socket itself has room for, they go to the socket first (the memory
   * bound is what drops frames, never the pacing).
   */
  private offer(frame: RelayedFrame): 'queued' | 'full' {
    const result = this.queue.offer(frame.queued(), this.conn.ws.bufferedAmount);
    if (result === 'queued' || this.inSocket === this.conn.ws.bufferedAmount) return result;
    this.feed(() => this.conn.ws.bufferedAmount);
    return this.queue.offer(frame.queued(), this.conn.ws.bufferedAmount);
  }

  /** Moves queued frames into the socket while it has room; asks for refreshes of drained streams. */
  pump(): void {
    if (this.conn.ws.readyState !== WebSocket.OPEN) return;
    this.feed(() => this.inSocket);
    this.checkDrained();
  }

  /** Sends queued frames while `occupied()` plus the next one fits the socket window. */
  private feed(occupied: () => number): void {
    for (;;) {
      const head = this.queue.peek();
      if (!head) break;
      const inSocket = occupied();
      if (inSocket > 0 && inSocket + head.data.byteLength > this.opts.socketWindow) break;
      this.queue.shift();
      this.send(head.data);
    }
  }

  /** Housekeeping (a timer): streams that drained without a send callback still get their refresh. */
  tick(): void {
    this.assessLink();
    this.pump();
    if (this.conn.ws.readyState !== WebSocket.OPEN || this.sessions.size === 0 || typeof this.conn.ws.ping !== 'function') return;
    const probe = this.meter.probe(this.opts.now());
    if (probe) this.conn.ws.ping(probe);
  }

  /**
   * Congested (its link delivers less than it is sent): latest pixels only, no backlog of old tiles,
   * and no more in flight than the link delivers in a couple of seconds. Re-assessed on every tick
   * and every answered probe (a viewer that caught up is let go at once).
   */
  private assessLink(): void {
    const link = this.meter.link(this.opts.now());
    const delay = link.rttMs - link.baseRttMs;
    const isCongested = delay > CONGESTED_DELAY_MS || (this.queue.isEager && delay >= UNCONGESTED_DELAY_MS);
    this.queue.isEager = isCongested;
    this.congestedWindow = isCongested ? Math.min(this.opts.socketWindow, Math.max(MIN_CONGESTED_WINDOW, (link.bitsPerSecond / 8) * CONGESTED_IN_FLIGHT_SECONDS)) : 0;
  }

  /** The link now (RTT, delivered fps and bit rate, bytes not yet confirmed). */
  link(): ViewerLink {
    return this.meter.link(this.opts.now());
  }

  /** Fill (0–1), whether frames were dropped since the last call (reset), and the RTT now. */
  takeHealth(): ViewerHealth {
    const hasDropped = this.hasDroppedRecently || [...this.flows.values()].some((f) => f.mode === 'dropping');
    this.hasDroppedRecently = false;
    const { rttMs, baseRttMs } = this.meter.link(this.opts.now());
    return { fill: Math.min(1, this.queuedBytes / this.opts.maxBytes), hasDropped, rttMs, baseRttMs };
  }

  /** Only these monitors of the session from now on (null: every monitor). */
  showMonitors(sessionId: string, monitors: readonly number[] | null): void {
    if (monitors === null) {
      this.shown.delete(sessionId);
      return;
    }
    const shown = new Set(monitors);
    this.shown.set(sessionId, shown);
    // What waits for a monitor no longer shown does not leave; its stream starts over when shown again.
    this.queue.purge((f) => f.sessionId === sessionId && !shown.has(f.monitor));
    for (const key of [...this.flows.keys()]) {
      const bar = key.lastIndexOf('|');
      if (key.slice(0, bar) === sessionId && !shown.has(Number(key.slice(bar + 1)))) this.flows.delete(key);
    }
  }

  /** Whether this connection shows that monitor of the session. */
  shows(sessionId: string, monitor: number): boolean {
    return this.shown.get(sessionId)?.has(monitor) ?? true;
  }

  /** Whether this viewer watches the session (was sent frames of it and was not cut since). */
  watches(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  snapshot(): ViewerStats {
    return { queuedBytes: this.queuedBytes, supersededFrames: this.queue.supersededCount, ...this.stats, link: this.link() };
  }

  close(): void {
    if (typeof this.conn.ws.off === 'function') this.conn.ws.off('pong', this.onPong);
    this.queue.clear();
    this.flows.clear();
    this.sessions.clear();
  }

  private send(data: Uint8Array): void {
    this.stats.sentFrames += 1;
    this.meter.sent(data.byteLength, data[0] === FRAME_MAGIC && data[2] === FrameType.EndOfFrame);
    this.conn.ws.send(data, { binary: true }, this.onSent);
  }

  private dropped(): void {
    this.stats.droppedFrames += 1;
    this.hasDroppedRecently = true;
  }

  private startDropping(sessionId: string, monitor: number, flow: StreamFlow): void {
    const now = this.opts.now();
    // A stream that keeps falling behind right after its refresh backs off, so a full frame larger
    // than what the viewer can take does not turn into a refresh loop.
    flow.backoffMs = now - flow.lastRefreshAt < REFRESH_CHURN_MS ? Math.min(MAX_BACKOFF_MS, Math.max(250, flow.backoffMs * 2)) : 0;
    flow.mode = 'dropping';
    flow.droppedAt = now;
    // Everything queued for this stream is stale now: the refresh repaints it all.
    this.queue.purge((f) => f.sessionId === sessionId && f.monitor === monitor);
    this.dropped();
  }

  private checkDrained(): void {
    if (this.queue.bytes + this.inSocket > this.opts.socketWindow / 2) return;
    const now = this.opts.now();
    for (const [key, flow] of this.flows) {
      if (flow.mode !== 'dropping' || now < flow.droppedAt + flow.backoffMs) continue;
      flow.mode = 'resync';
      flow.skipSeq = flow.lastSeq;
      flow.lastRefreshAt = now;
      this.stats.refreshes += 1;
      const bar = key.lastIndexOf('|');
      this.opts.onNeedsRefresh(key.slice(0, bar), Number(key.slice(bar + 1)));
    }
  }

  private flowOf(key: string): StreamFlow {
    let flow = this.flows.get(key);
    if (!flow) this.flows.set(key, (flow = { mode: 'live', skipSeq: -1, lastSeq: -1, droppedAt: 0, lastRefreshAt: -Infinity, backoffMs: 0 }));
    return flow;
  }
}
