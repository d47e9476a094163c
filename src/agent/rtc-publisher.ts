/**
 * The WebRTC screen path of the agent (docs/media.md, "WebRTC"): one RTCPeerConnection per viewer
 * (one browser tab), each sending a video track of one shared `RTCVideoSource` per monitor.
 *
 * The native core has no raw-frame API: it hands out encoded dirty tiles. So the publisher keeps a
 * BGRA canvas per monitor and paints every tile the capture loop produces into it (JPEG through
 * the native decoder, lossless through lossless-codec + zlib), then converts the canvas to I420
 * (native `bgraToI420`, one reused buffer per monitor) and gives it to the video source — at the
 * capture rate, only while someone watches that monitor over WebRTC.
 *
 * Offers, answers and ICE travel over the agent's WebSocket (`rtc.*` events, checked by the node);
 * media goes peer to peer. Host candidates only unless the node sends ICE servers with the offer.
 * Every peer is closed on `rtc.close`, on hold, at the end and when the agent loses its node.
 */
import { inflateSync } from 'node:zlib';
import { bgraToI420, decodeJpeg, i420Size } from '../native';
import { decodeLossless } from '../native/lossless-codec';
import type { CaptureResult, EncodedTile, ScreenSource } from './screen-source';

/** The part of `@roamhq/wrtc` the publisher uses (injectable for tests). */
export interface WrtcModule {
  RTCPeerConnection: new (config?: RTCConfiguration) => RTCPeerConnection;
  nonstandard: {
    RTCVideoSource: new (init?: { isScreencast?: boolean }) => { createTrack(): MediaStreamTrack; onFrame(frame: { width: number; height: number; data: Uint8Array }): void };
  };
}

/** Loads `@roamhq/wrtc` (a prebuilt binary); undefined with the reason when this platform has none. */
export function loadWrtc(): { wrtc?: WrtcModule; error?: string } {
  try {
    return { wrtc: require('@roamhq/wrtc') as WrtcModule };
  } catch (err) {
    return { error: (err as Error).message };
  }
}

export interface RtcIceServer { urls: string | string[]; username?: string; credential?: string }

export interface RtcPublisherOptions {
  wrtc: WrtcModule;
  log: (line: string) => void;
  /** A still screen is sent again this often, so a new or lossy peer gets a picture (default 1000 ms). */
  keepaliveMs?: number;
  /** Peers at most (viewers beyond it are refused with rtc.close; default 16). */
  maxPeers?: number;
}

/** What the agent's connection gives the publisher (AgentClient calls attach). */
export interface RtcHost {
  send(event: string, data: unknown): void;
  /** The next capture of this monitor sends every tile (the canvas must be complete). */
  refresh(monitor: number): void;
  /** The session the agent is in and its mode, if any. */
  session(): { id: string; mode: 'hold' | 'observe' | 'interact' } | undefined;
}

/** A BGRA picture of one monitor rebuilt from its tiles. */
export class TileCanvas {
  width = 0;
  height = 0;
  data = new Uint8Array(0);
  /** True once every pixel came from a capture (a full capture since the last resize or reset). */
  complete = false;

  /** A monitor of another size: a new, incomplete canvas. */
  resize(width: number, height: number): void {
    if (width === this.width && height === this.height) return;
    this.width = width;
    this.height = height;
    this.data = new Uint8Array(width * height * 4);
    this.complete = false;
  }

  /** Copies a decoded tile (BGRA, stride w * 4) to x, y; what falls outside the canvas is dropped. */
  paint(x: number, y: number, w: number, h: number, bgra: Uint8Array): void {
    const cw = Math.min(w, this.width - x);
    const ch = Math.min(h, this.height - y);
    if (cw <= 0 || ch <= 0 || x < 0 || y < 0) return;
    for (let row = 0; row < ch; row++) {
      const from = row * w * 4;
      this.data.set(bgra.subarray(from, from + cw * 4), ((y + row) * this.width + x) * 4);
    }
  }
}

/** A tile's pixels as BGRA (stride width * 4); throws on a tile it cannot decode. */
export function decodeTile(t: EncodedTile): Uint8Array {
  switch (t.encoding) {
    case 1: {
      const img = decodeJpeg(t.data);
      if (img.width !== t.width || img.height !== t.height) throw new Error(`JPEG tile is ${img.width}x${img.height}, the header says ${t.width}x${t.height}`);
      return img.data;
    }
    case 2: {
      const out = decodeLossless(t.data, t.width, t.height, (z) => inflateSync(z));
      if (!out.ok) throw new Error(out.message);
      return out.bgra;
    }
    case 3:
      if (t.data.length < t.width * t.height * 4) throw new Error('raw tile is short');
      return t.data;
    default:
      throw new Error(`unknown tile encoding ${String(t.encoding)}`);
  }
}

interface Peer {
  viewerId: string;
  sessionId: string;
  monitor: number;
  pc: RTCPeerConnection;
  track?: MediaStreamTrack;
  /** Remote candidates that came before the offer was applied. */
  pending: RTCIceCandidateInit[] | null;
}

interface Feed {
  canvas: TileCanvas;
  source: InstanceType<WrtcModule['nonstandard']['RTCVideoSource']>;
  out: Uint8Array;
  lastPushed: number;
}

/** How long candidates that came before their offer are kept. */
const EARLY_KEEP_MS = 10_000;

/** Turns a viewer's offer into a sending peer and feeds every peer's monitor from the capture loop. */
export class RtcPublisher {
  private host?: RtcHost;
  private readonly peers = new Map<string, Peer>();
  private readonly feeds = new Map<number, Feed>();
  /** Candidates of a viewer whose offer has not come yet (kept briefly; the node may pass them first). */
  private readonly early = new Map<string, { at: number; candidates: RTCIceCandidateInit[] }>();
  private readonly keepalive: NodeJS.Timeout;
  /** Counters for tests and the debug log. */
  readonly stats = { offers: 0, refused: 0, framesPushed: 0, tilesPainted: 0, decodeErrors: 0, convertMs: 0 };

  constructor(private readonly opts: RtcPublisherOptions) {
    const every = opts.keepaliveMs ?? 1000;
    // Checked twice per period so timer jitter never stretches the gap to two periods.
    this.keepalive = setInterval(() => this.repeatStill(every), Math.max(10, Math.floor(every / 2)));
    this.keepalive.unref();
  }

  attach(host: RtcHost): void {
    this.host = host;
  }

  /** Open peers (viewer ids). */
  get peerIds(): string[] {
    return [...this.peers.keys()];
  }

  /**
   * The screen the capture loop should use: the same captures, also painted into the canvas of a
   * monitor someone watches over WebRTC.
   */
  tap(source: ScreenSource): ScreenSource {
    return {
      monitors: () => source.monitors(),
      close: () => source.close(),
      ...(source.watch ? { watch: (onActivity: () => void) => source.watch!(onActivity), watchesPointer: source.watchesPointer } : {}),
      capture: async (monitor, o) => {
        const result = await source.capture(monitor, o);
        try {
          this.captured(monitor, o.full, result);
        } catch (err) {
          this.opts.log(`webrtc: frame not published: ${(err as Error).message}`);
        }
        return result;
      },
    };
  }

  /** An `rtc.*` event from the node. */
  signal(event: string, d: Record<string, unknown>): void {
    switch (event) {
      case 'rtc.offer':
        void this.offer(d as unknown as { sessionId: string; viewerId: string; sdp: string; monitor?: number; iceServers?: RtcIceServer[] });
        return;
      case 'rtc.ice':
        return this.ice(d as unknown as { sessionId: string; viewerId: string; candidate: string; sdpMid?: string; sdpMLineIndex?: number });
      case 'rtc.close': {
        const c = d as { sessionId?: string; viewerId?: string; memberId?: string; reason?: string };
        for (const p of [...this.peers.values()]) {
          if (c.sessionId !== undefined && p.sessionId !== c.sessionId) continue;
          if (c.viewerId !== undefined && p.viewerId !== c.viewerId) continue;
          if (c.memberId !== undefined && !p.viewerId.startsWith(`${c.memberId}~`)) continue;
          this.closePeer(p.viewerId, c.reason ?? 'closed by the node', false);
        }
        return;
      }
      default:
        return;
    }
  }

  /** Hold, end, lost connection: every peer goes (the node is not told; it knows). */
  closeAll(reason: string): void {
    for (const id of [...this.peers.keys()]) this.closePeer(id, reason, false);
  }

  stop(): void {
    this.closeAll('agent stopping');
    clearInterval(this.keepalive);
  }

  private async offer(d: { sessionId: string; viewerId: string; sdp: string; monitor?: number; iceServers?: RtcIceServer[] }): Promise<void> {
    this.stats.offers += 1;
    const session = this.host?.session();
    const monitor = Number.isInteger(d.monitor) ? Number(d.monitor) : 0;
    // Defence in depth: the node checked the viewer; refuse anyway when we are not sharing.
    if (!session || session.id !== d.sessionId || session.mode === 'hold' || this.peers.size >= (this.opts.maxPeers ?? 16) && !this.peers.has(d.viewerId)) {
      this.stats.refused += 1;
      this.host?.send('rtc.close', { sessionId: d.sessionId, viewerId: d.viewerId, reason: session?.mode === 'hold' ? 'hold' : 'not sharing' });
      return;
    }
    this.closePeer(d.viewerId, 'renegotiated', false);
    const iceServers = Array.isArray(d.iceServers) ? d.iceServers : [];
    const pc = new this.opts.wrtc.RTCPeerConnection({ iceServers });
    const peer: Peer = { viewerId: d.viewerId, sessionId: d.sessionId, monitor, pc, pending: this.early.get(d.viewerId)?.candidates ?? [] };
    this.early.delete(d.viewerId);
    this.peers.set(d.viewerId, peer);
    pc.onicecandidate = (e) => {
      if (!e.candidate || !e.candidate.candidate || this.peers.get(d.viewerId) !== peer) return;
      this.host?.send('rtc.ice', { sessionId: d.sessionId, viewerId: d.viewerId, candidate: e.candidate.candidate, sdpMid: e.candidate.sdpMid ?? undefined, sdpMLineIndex: e.candidate.sdpMLineIndex ?? undefined });
    };
    pc.onconnectionstatechange = () => {
      if (this.peers.get(d.viewerId) !== peer) return;
      if (pc.connectionState === 'failed') this.closePeer(d.viewerId, 'connection failed', true);
    };
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: d.sdp });
      if (this.peers.get(d.viewerId) !== peer) return; // closed meanwhile
      const feed = this.feedOf(monitor);
      peer.track = feed.source.createTrack();
      pc.addTrack(peer.track);
      const answer = await pc.createAnswer();
      await pc.setLocalDescription(answer);
      if (this.peers.get(d.viewerId) !== peer) return;
      this.host?.send('rtc.answer', { sessionId: d.sessionId, viewerId: d.viewerId, sdp: pc.localDescription?.sdp ?? answer.sdp });
      const queued = peer.pending ?? [];
      peer.pending = null;
      for (const c of queued) await pc.addIceCandidate(c).catch(() => undefined);
      this.opts.log(`webrtc: ${d.viewerId} watches monitor ${monitor} (${this.peers.size} peer${this.peers.size === 1 ? '' : 's'})`);
      // The canvas is painted only while someone watches: the next capture must be whole.
      if (!feed.canvas.complete) this.host?.refresh(monitor);
      else this.push(feed);
    } catch (err) {
      this.opts.log(`webrtc: offer from ${d.viewerId} failed: ${(err as Error).message}`);
      this.closePeer(d.viewerId, 'offer failed', true);
    }
  }

  private ice(d: { sessionId: string; viewerId: string; candidate: string; sdpMid?: string; sdpMLineIndex?: number }): void {
    if (!d.candidate) return;
    const c: RTCIceCandidateInit = { candidate: d.candidate, sdpMid: d.sdpMid ?? null, sdpMLineIndex: d.sdpMLineIndex ?? null };
    const peer = this.peers.get(d.viewerId);
    if (!peer) {
      const now = Date.now();
      for (const [id, e] of this.early) if (now - e.at > EARLY_KEEP_MS) this.early.delete(id);
      if (this.early.size >= 64) return;
      const e = this.early.get(d.viewerId) ?? { at: now, candidates: [] };
      if (e.candidates.length < 32) e.candidates.push(c);
      this.early.set(d.viewerId, e);
      return;
    }
    if (peer.sessionId !== d.sessionId) return;
    if (peer.pending) peer.pending.push(c);
    else peer.pc.addIceCandidate(c).catch((err: unknown) => this.opts.log(`webrtc: bad candidate from ${d.viewerId}: ${(err as Error).message}`));
  }

  private closePeer(viewerId: string, reason: string, tellNode: boolean): void {
    const peer = this.peers.get(viewerId);
    if (!peer) return;
    this.peers.delete(viewerId);
    try {
      peer.track?.stop();
      peer.pc.close();
    } catch {
      // already closed
    }
    if (tellNode) this.host?.send('rtc.close', { sessionId: peer.sessionId, viewerId, reason });
    this.opts.log(`webrtc: ${viewerId} closed (${reason})`);
    // Nobody left on a monitor: stop painting it (the canvas is rebuilt from a full capture next time).
    if (![...this.peers.values()].some((p) => p.monitor === peer.monitor)) this.feeds.get(peer.monitor)?.canvas.resize(0, 0);
  }

  private feedOf(monitor: number): Feed {
    let feed = this.feeds.get(monitor);
    if (!feed) {
      feed = { canvas: new TileCanvas(), source: new this.opts.wrtc.nonstandard.RTCVideoSource({ isScreencast: true }), out: new Uint8Array(0), lastPushed: 0 };
      this.feeds.set(monitor, feed);
    }
    return feed;
  }

  private watched(monitor: number): boolean {
    for (const p of this.peers.values()) if (p.monitor === monitor && p.track) return true;
    return false;
  }

  /** One capture of the loop: painted into the monitor's canvas and published when someone watches it. */
  private captured(monitor: number, full: boolean, result: CaptureResult): void {
    if (!this.watched(monitor) || result.paused || result.width <= 0 || result.height <= 0) return;
    const feed = this.feedOf(monitor);
    const canvas = feed.canvas;
    if (canvas.width !== result.width || canvas.height !== result.height) {
      canvas.resize(result.width, result.height);
      if (!full) {
        this.host?.refresh(monitor);
        return;
      }
    }
    if (!full && !canvas.complete) return; // waiting for the whole picture asked for
    for (const t of result.tiles) {
      try {
        canvas.paint(t.x, t.y, t.width, t.height, decodeTile(t));
        this.stats.tilesPainted += 1;
      } catch (err) {
        this.stats.decodeErrors += 1;
        canvas.complete = false;
        this.host?.refresh(monitor);
        this.opts.log(`webrtc: tile ${t.x},${t.y} not decoded: ${(err as Error).message}`);
        return;
      }
    }
    if (full) canvas.complete = true;
    if (result.tiles.length > 0 || full) this.push(feed);
  }

  /** The canvas as I420 to the monitor's video source (even width and height: the encoder wants them). */
  private push(feed: Feed): void {
    const c = feed.canvas;
    if (!c.complete) return;
    const width = c.width & ~1;
    const height = c.height & ~1;
    if (width === 0 || height === 0) return;
    const size = i420Size(width, height);
    if (feed.out.length !== size) feed.out = new Uint8Array(size);
    const started = performance.now();
    bgraToI420({ data: c.data, width, height, stride: c.width * 4 }, feed.out);
    this.stats.convertMs += performance.now() - started;
    feed.source.onFrame({ width, height, data: feed.out });
    feed.lastPushed = Date.now();
    this.stats.framesPushed += 1;
  }

  private repeatStill(every: number): void {
    const now = Date.now();
    for (const [monitor, feed] of this.feeds) {
      if (this.watched(monitor) && now - feed.lastPushed >= every) this.push(feed);
    }
  }
}
