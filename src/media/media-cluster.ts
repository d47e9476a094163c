import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Store, Unsubscribe } from '../cluster/ports';
import type { TandemConfig } from '../config/config.schema';
import { CONFIG } from '../config/config.token';
import { STORE } from '../gateways/sessions/tokens';
import { NodeInfo } from '../node/node-info';
import type { ViewerHealth } from './feedback-policy';
import { binaryBus, type BinaryBus } from './media-bus';
import {
  type BatchEntry, CONTROL_CHANNEL, decodeBatch, encodeRefresh, encodeWant, framesChannelOf, parseControl,
} from './media-wire';
import { type LinkStats, NodeLink } from './node-link';
import { RemoteInterest } from './remote-interest';

/** A node's `want` counts this long after it was heard (it repeats it every second). */
export const INTEREST_TTL_MS = 3000;
/** Frames for one node are published in batches of at most this many bytes (else one per turn). */
const MAX_BATCH_BYTES = 256 * 1024;
/** How often links to nodes that want nothing any more are closed. */
const SWEEP_MS = 1000;

/** What the relay does with what other nodes send (set by MediaRelay.onModuleInit). */
export interface MediaClusterHooks {
  /** Frames an agent's node forwarded here. `afterGap`: batches from that node were lost before this one. */
  onFrames(sender: string, entries: readonly BatchEntry[], afterGap: boolean): void;
  /** A viewer on another node needs a full frame (monitors null: every monitor seen). */
  onRefresh(sessionId: string, monitors: readonly number[] | null): void;
  /** A node newly wants a session's frames: they start flowing there now. */
  onNewInterest(sessionId: string, node: string): void;
  /** Frames of these streams (`sessionId|monitor`) to some node were dropped and the backlog drained. */
  onLinkDrained(streams: ReadonlySet<string>): void;
}

export interface MediaClusterCounters {
  framesForwarded: number;
  framesDroppedToNodes: number;
  batchesIn: number;
  framesFromNodes: number;
  badBatches: number;
  gaps: number;
  wantsOut: number;
  wantsIn: number;
  refreshesOut: number;
  refreshesIn: number;
}

/**
 * The media layer's transport between nodes (docs/media.md, "Across nodes"): announces which
 * sessions this node has allowed viewers of, keeps what the other nodes announced, forwards an
 * agent's frames to the nodes that want them (batched, bounded in bytes per node), receives the
 * frames other nodes forward here, and carries refresh requests. Policy stays in MediaRelay: this
 * class never decides who sees what. Off on the memory store (one node, nobody to talk to).
 */
@Injectable()
export class MediaCluster implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('media');
  readonly isEnabled: boolean;
  readonly nodeId: string;
  private readonly bus: BinaryBus;
  private readonly interest = new RemoteInterest(INTEREST_TTL_MS);
  private readonly links = new Map<string, NodeLink>();
  private readonly lastSeqFrom = new Map<string, number>();
  /** The sessions of this node's last `want`. */
  private announced = new Map<string, ViewerHealth>();
  /** Nodes whose link dropped frames during the current feedback round. */
  private droppedTo = new Set<string>();
  private hooks?: MediaClusterHooks;
  private readonly unsubscribes: Unsubscribe[] = [];
  private timer?: NodeJS.Timeout;
  private readonly linkMaxBytes: number;
  readonly counters: MediaClusterCounters = {
    framesForwarded: 0, framesDroppedToNodes: 0, batchesIn: 0, framesFromNodes: 0, badBatches: 0, gaps: 0, wantsOut: 0, wantsIn: 0, refreshesOut: 0, refreshesIn: 0,
  };

  constructor(@Inject(STORE) private readonly store: Store, info: NodeInfo, @Inject(CONFIG) config: TandemConfig) {
    this.isEnabled = store.kind !== 'memory';
    this.nodeId = info.id;
    this.bus = binaryBus(store.bus);
    // The backlog towards one node: twice a viewer's bound (at least 4 MiB), for every session it watches.
    this.linkMaxBytes = Math.max(4 * 1024 * 1024, 2 * config.media.viewerBufferBytes);
  }

  async onModuleInit(): Promise<void> {
    if (!this.isEnabled) return;
    this.unsubscribes.push(await this.store.bus.subscribe(CONTROL_CHANNEL, (raw) => this.onControl(raw)));
    this.unsubscribes.push(await this.bus.subscribe(framesChannelOf(this.nodeId), (buf) => this.onBatch(buf)));
    this.timer = setInterval(() => this.sweep(), SWEEP_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const link of this.links.values()) link.close();
    this.links.clear();
    if (this.announced.size > 0) {
      this.announced = new Map();
      // Best effort: the others stop forwarding at once rather than after the ttl.
      await this.store.bus.publish(CONTROL_CHANNEL, encodeWant(this.nodeId, this.announced)).catch(() => undefined);
    }
    for (const off of this.unsubscribes.splice(0)) await off().catch(() => undefined);
  }

  attach(hooks: MediaClusterHooks): void {
    this.hooks = hooks;
  }

  /** Whether the bus carries bytes natively (else base64). */
  get isBinaryNative(): boolean {
    return this.bus.isNative;
  }

  /**
   * Forwards a frame of the local agent to every other node that wants the session; returns how
   * many nodes it was queued for. Never waits: a node whose backlog is full does not get it.
   */
  forward(sessionId: string, monitor: number, audienceSeq: number, bytes: Uint8Array): number {
    if (!this.isEnabled) return 0;
    const nodes = this.interest.nodesOf(sessionId, Date.now());
    if (nodes.length === 0) return 0;
    let sent = 0;
    const stream = `${sessionId}|${monitor}`;
    for (const node of nodes) {
      if (node === this.nodeId) continue;
      if (this.linkTo(node).offer(stream, audienceSeq, bytes)) sent += 1;
      else this.counters.framesDroppedToNodes += 1;
    }
    this.counters.framesForwarded += sent;
    return sent;
  }

  /** Whether some other node wants the session's frames now. */
  isWantedElsewhere(sessionId: string): boolean {
    return this.isEnabled && this.interest.nodesOf(sessionId, Date.now()).length > 0;
  }

  /** The other nodes that want the session's frames now. */
  nodesWanting(sessionId: string): string[] {
    return this.isEnabled ? [...this.interest.nodesOf(sessionId, Date.now())] : [];
  }

  /** Every session some other node wants now. */
  wantedElsewhere(): string[] {
    return this.isEnabled ? this.interest.sessions(Date.now()) : [];
  }

  /**
   * Tells the other nodes which sessions this node has allowed viewers of, and how the worst of
   * them keeps up. Sent when the set changed, or when `isHeartbeat` (once a second) and non-empty.
   */
  announce(sessions: ReadonlyMap<string, ViewerHealth>, isHeartbeat: boolean): void {
    if (!this.isEnabled) return;
    const changed = sessions.size !== this.announced.size || [...sessions.keys()].some((id) => !this.announced.has(id));
    if (!changed && !(isHeartbeat && sessions.size > 0)) return;
    this.announced = new Map(sessions);
    this.counters.wantsOut += 1;
    this.store.bus.publish(CONTROL_CHANNEL, encodeWant(this.nodeId, sessions))
      .catch((err: unknown) => this.logger.warn({ err }, 'media: publishing want failed'));
  }

  /** Whether this node's last `want` named the session (the agent's node then sends it frames). */
  isAnnounced(sessionId: string): boolean {
    return this.announced.has(sessionId);
  }

  /** Asks the node of the session's agent for a full frame. */
  askRefresh(sessionId: string, monitors: readonly number[] | null): void {
    if (!this.isEnabled) return;
    this.counters.refreshesOut += 1;
    this.store.bus.publish(CONTROL_CHANNEL, encodeRefresh(this.nodeId, sessionId, monitors))
      .catch((err: unknown) => this.logger.warn({ err }, `media: publishing a refresh request failed [session:${sessionId}]`));
  }

  /** Starts a feedback round: which links dropped frames since the last one. */
  beginFeedbackRound(): void {
    this.droppedTo = new Set();
    for (const [node, link] of this.links) if (link.takeDropped()) this.droppedTo.add(node);
  }

  /** The health other nodes reported for their viewers of the session (a link that dropped frames counts as dropped). */
  remoteHealth(sessionId: string): ViewerHealth[] {
    if (!this.isEnabled) return [];
    return this.interest.healthOf(sessionId, Date.now()).map(({ node, health }) => (this.droppedTo.has(node) ? { fill: health.fill, hasDropped: true } : health));
  }

  /** Per receiving node: backlog and counters of the link. */
  linkStats(): Record<string, LinkStats> {
    const out: Record<string, LinkStats> = {};
    for (const [node, link] of this.links) out[node] = link.snapshot();
    return out;
  }

  private linkTo(node: string): NodeLink {
    let link = this.links.get(node);
    if (!link) {
      link = new NodeLink({
        sender: this.nodeId, maxBytes: this.linkMaxBytes, maxBatchBytes: MAX_BATCH_BYTES,
        publish: (batch) => this.bus.publish(framesChannelOf(node), batch),
        onDrained: (streams) => this.hooks?.onLinkDrained(streams),
        defer: (fn) => setImmediate(fn),
      });
      this.links.set(node, link);
    }
    return link;
  }

  private onControl(raw: string): void {
    const msg = parseControl(raw);
    if (!msg) {
      this.logger.warn('media: malformed control message ignored');
      return;
    }
    if (msg.node === this.nodeId) return;
    if (msg.t === 'want') {
      this.counters.wantsIn += 1;
      const fresh = this.interest.update(msg.node, msg.sessions, Date.now());
      for (const sessionId of fresh) this.hooks?.onNewInterest(sessionId, msg.node);
      if (msg.sessions.size === 0) this.dropLink(msg.node);
      return;
    }
    this.counters.refreshesIn += 1;
    this.hooks?.onRefresh(msg.sessionId, msg.monitors);
  }

  private onBatch(buf: Buffer): void {
    const batch = decodeBatch(buf);
    if (!batch) {
      this.counters.badBatches += 1;
      return;
    }
    this.counters.batchesIn += 1;
    this.counters.framesFromNodes += batch.entries.length;
    const last = this.lastSeqFrom.get(batch.sender);
    // Seq 1 starts a new link (the sender restarted, or reopened the link after an idle spell; the
    // receiver's new `want` asks for a refresh then anyway): not a gap.
    const afterGap = last !== undefined && batch.seq !== 1 && batch.seq !== ((last + 1) >>> 0 || 1);
    if (afterGap) this.counters.gaps += 1;
    this.lastSeqFrom.set(batch.sender, batch.seq);
    this.hooks?.onFrames(batch.sender, batch.entries, afterGap);
  }

  private sweep(): void {
    const now = Date.now();
    this.interest.sweep(now);
    const live = new Set<string>();
    for (const sessionId of this.interest.sessions(now)) for (const node of this.interest.nodesOf(sessionId, now)) live.add(node);
    for (const node of [...this.links.keys()]) if (!live.has(node)) this.dropLink(node);
  }

  private dropLink(node: string): void {
    const link = this.links.get(node);
    if (!link || link.backlogBytes > 0) return;
    link.close();
    this.links.delete(node);
  }
}
