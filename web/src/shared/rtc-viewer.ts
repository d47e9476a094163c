/**
 * The WebRTC view of a session's screen (docs/media.md, "WebRTC"): a recvonly video transceiver,
 * signalled over the console socket (rtc.config, rtc.offer, rtc.ice; rtc.answer, rtc.ice and
 * rtc.closed back). The tile canvas keeps running underneath: when WebRTC cannot start, stalls or is
 * closed, the view falls back to it at once. Input never goes over WebRTC.
 */

/** What the viewer needs of the console connection (web/src/shared/connection.ts). */
export interface RtcSignals {
  ask<T = unknown>(event: string, data?: object, timeoutMs?: number): Promise<T>;
  send(event: string, data: object): void;
  on<T = unknown>(event: string, listener: (data: T) => void): void;
}

interface RtcConfigAck { enabled: boolean; viewerId: string; iceServers: RTCIceServer[] }
interface RtcMessage { sessionId?: string; viewerId?: string; sdp?: string; candidate?: string; sdpMid?: string; sdpMLineIndex?: number; code?: string; reason?: string }

/** No first frame this long after the offer: give up and stay on tiles. */
const FIRST_FRAME_MS = 8000;

export type RtcViewState = 'idle' | 'connecting' | 'playing';

export class RtcViewer {
  readonly video: HTMLVideoElement;
  state: RtcViewState = 'idle';
  /** Why the last attempt ended (shown in a tooltip; tiles took over). */
  lastError = '';
  /** Called when the video starts or stops showing the screen. */
  onChange: ((playing: boolean) => void) | null = null;
  private pc: RTCPeerConnection | null = null;
  private viewerId = '';
  private acked = false;
  private unsent: RTCIceCandidate[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private monitor = -1;
  private attempt = 0;
  private destroyed = false;
  /** The monitor WebRTC failed on (not retried until the screen goes and comes back, or another monitor). */
  private failedOn: number | null = null;

  constructor(private readonly conn: RtcSignals, private readonly sessionId: string) {
    this.video = document.createElement('video');
    this.video.muted = true;
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.video.setAttribute('aria-hidden', 'true');
    conn.on<RtcMessage>('rtc.answer', (d) => { if (this.mine(d) && d.sdp) void this.pc?.setRemoteDescription({ type: 'answer', sdp: d.sdp }).catch((e: Error) => this.fail(`answer: ${e.message}`)); });
    conn.on<RtcMessage>('rtc.ice', (d) => {
      if (this.mine(d) && d.candidate) void this.pc?.addIceCandidate({ candidate: d.candidate, sdpMid: d.sdpMid ?? null, sdpMLineIndex: d.sdpMLineIndex ?? null }).catch(() => undefined);
    });
    conn.on<RtcMessage>('rtc.closed', (d) => {
      if (d.sessionId !== this.sessionId || (d.viewerId !== undefined && d.viewerId !== this.viewerId)) return;
      // Closed by the agent (for this tab): do not retry at once. Closed for everyone (hold, removal): release() follows.
      if (d.viewerId !== undefined) this.fail(`closed by the desktop (${d.reason ?? d.code ?? 'no reason'})`, false);
      else this.stop(`closed (${d.code ?? 'by the server'})`, false);
    });
  }

  get playing(): boolean {
    return this.state === 'playing';
  }

  /** The screen of `monitor` is visible to us: try WebRTC once (no-op when already on it or it failed there). */
  want(monitor: number): void {
    if (this.destroyed || typeof RTCPeerConnection === 'undefined') return;
    if (this.pc && this.monitor === monitor) return;
    if (this.failedOn === monitor) return;
    if (this.pc) this.stop('monitor changed', true);
    void this.start(monitor);
  }

  /** The screen is not visible any more (hold, out, ended): close, and allow a new try next time. */
  release(): void {
    this.failedOn = null;
    if (this.pc) this.stop('screen not visible', true);
  }

  destroy(): void {
    this.release();
    this.destroyed = true;
  }

  private mine(d: RtcMessage): boolean {
    return !this.destroyed && d.sessionId === this.sessionId && d.viewerId === this.viewerId && this.pc !== null;
  }

  private async start(monitor: number): Promise<void> {
    const attempt = ++this.attempt;
    this.monitor = monitor;
    this.state = 'connecting';
    this.acked = false;
    this.unsent = [];
    let cfg: RtcConfigAck;
    try {
      cfg = await this.conn.ask<RtcConfigAck>('rtc.config', { sessionId: this.sessionId });
    } catch (err) {
      if (attempt === this.attempt) this.fail(`config: ${(err as Error).message}`);
      return;
    }
    if (attempt !== this.attempt || this.destroyed) return;
    if (!cfg.enabled) {
      this.state = 'idle';
      this.failedOn = monitor;
      this.lastError = 'WebRTC is off on this server';
      return;
    }
    this.viewerId = cfg.viewerId;
    const pc = new RTCPeerConnection({ iceServers: cfg.iceServers ?? [] });
    this.pc = pc;
    pc.addTransceiver('video', { direction: 'recvonly' });
    pc.ontrack = (ev) => {
      this.video.srcObject = ev.streams[0] ?? new MediaStream([ev.track]);
      void this.video.play().catch(() => undefined);
    };
    pc.onicecandidate = (ev) => {
      if (!ev.candidate || !ev.candidate.candidate) return;
      if (this.acked) this.sendCandidate(ev.candidate);
      else this.unsent.push(ev.candidate);
    };
    pc.onconnectionstatechange = () => {
      if (this.pc === pc && (pc.connectionState === 'failed' || pc.connectionState === 'closed')) this.fail(`connection ${pc.connectionState}`);
    };
    // The first decoded frame switches the view over (a track alone may still be black).
    const firstFrame = (): void => {
      if (this.pc !== pc || this.state === 'playing') return;
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.state = 'playing';
      this.onChange?.(true);
    };
    const v = this.video as HTMLVideoElement & { requestVideoFrameCallback?: (cb: () => void) => number };
    if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(firstFrame);
    else this.video.addEventListener('playing', firstFrame, { once: true });
    this.timer = setTimeout(() => { if (this.pc === pc && this.state !== 'playing') this.fail('no picture in time'); }, FIRST_FRAME_MS);
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      await this.conn.ask('rtc.offer', { sessionId: this.sessionId, sdp: offer.sdp, monitor });
      if (this.pc !== pc) return;
      this.acked = true;
      for (const c of this.unsent.splice(0)) this.sendCandidate(c);
    } catch (err) {
      if (this.pc === pc) this.fail(`offer: ${(err as Error).message}`, false);
    }
  }

  private sendCandidate(c: RTCIceCandidate): void {
    this.conn.send('rtc.ice', { sessionId: this.sessionId, candidate: c.candidate, sdpMid: c.sdpMid ?? undefined, sdpMLineIndex: c.sdpMLineIndex ?? undefined });
  }

  private fail(why: string, tellServer = true): void {
    this.failedOn = this.monitor;
    this.stop(why, tellServer);
  }

  private stop(why: string, tellServer: boolean): void {
    const pc = this.pc;
    const wasPlaying = this.state === 'playing';
    this.pc = null;
    this.attempt++;
    this.state = 'idle';
    this.lastError = why;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.video.srcObject = null;
    if (pc) {
      pc.ontrack = pc.onicecandidate = pc.onconnectionstatechange = null;
      pc.close();
      if (tellServer && this.acked) this.conn.send('rtc.close', { sessionId: this.sessionId, reason: why.slice(0, 200) });
    }
    this.acked = false;
    if (wasPlaying) this.onChange?.(false);
  }
}
