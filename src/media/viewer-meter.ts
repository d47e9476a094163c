/** What a viewer's meter says about its link (see ViewerMeter). */
export interface ViewerLink {
  /** Latest round trip (ms), or the age of the unanswered probe when larger; 0 before the first answer. */
  rttMs: number;
  /** Best round trip seen (ms): the link's own latency, without queueing. */
  baseRttMs: number;
  /** End-of-frame records the viewer confirmed receiving per second (delivered frame rate), over the last window. */
  fps: number;
  /** Bits per second the viewer confirmed receiving, over the last window. */
  bitsPerSecond: number;
  /** Bytes handed to the socket that the viewer has not confirmed yet (kernel buffers, proxies, the network). */
  inFlightBytes: number;
}

/** A probe is sent at most this often, and only when the previous one was answered. */
export const PROBE_EVERY_MS = 500;
/** Delivered rates are measured over windows of at least this long. */
const RATE_WINDOW_MS = 1000;
/** The probe payload starts with these bytes, so other pongs (the heartbeat's) are told apart. */
const TAG = [0x74, 0x71]; // 'tq'

interface Probe {
  id: number;
  at: number;
  bytes: number;
  frames: number;
}

/**
 * Measures one viewer's link from the server's side with WebSocket pings: a ping is written to the
 * socket behind the frames already queued there, so its pong comes back only once the viewer has read
 * all of them. The time to the pong is the RTT including every buffer on the way (the relay's socket,
 * the kernel's, a proxy's), and the bytes and end-of-frame records sent before the ping are confirmed
 * delivered when it returns: delivered rates, whatever the buffers in between hide.
 */
export class ViewerMeter {
  private bytesSent = 0;
  private framesSent = 0;
  private nextId = 1;
  private outstanding?: Probe;
  private lastProbeAt = -Infinity;
  private rtt = 0;
  private baseRtt = Infinity;
  /** The confirmed counters at the start of the current rate window. */
  private windowStart?: { at: number; bytes: number; frames: number };
  private confirmed = { bytes: 0, frames: 0 };
  private rates = { fps: 0, bitsPerSecond: 0 };

  /** Counts a message handed to the socket. */
  sent(bytes: number, isEndOfFrame: boolean): void {
    this.bytesSent += bytes;
    if (isEndOfFrame) this.framesSent += 1;
  }

  /** The payload of the next probe when one is due (nothing outstanding, and not too soon), else undefined. */
  probe(now: number): Buffer | undefined {
    if (this.outstanding || now - this.lastProbeAt < PROBE_EVERY_MS) return undefined;
    const id = this.nextId++ >>> 0;
    this.outstanding = { id, at: now, bytes: this.bytesSent, frames: this.framesSent };
    this.lastProbeAt = now;
    const payload = Buffer.alloc(6);
    payload[0] = TAG[0];
    payload[1] = TAG[1];
    payload.writeUInt32LE(id, 2);
    return payload;
  }

  /** A pong arrived; true when it answered our probe. */
  pong(payload: Buffer, now: number): boolean {
    const p = this.outstanding;
    if (!p || payload.length !== 6 || payload[0] !== TAG[0] || payload[1] !== TAG[1] || payload.readUInt32LE(2) !== p.id) return false;
    this.outstanding = undefined;
    this.rtt = now - p.at;
    this.baseRtt = Math.min(this.baseRtt, this.rtt);
    this.confirmed = { bytes: p.bytes, frames: p.frames };
    const start = this.windowStart;
    if (!start) this.windowStart = { at: now, ...this.confirmed };
    else if (now - start.at >= RATE_WINDOW_MS) {
      const seconds = (now - start.at) / 1000;
      this.rates = { fps: (p.frames - start.frames) / seconds, bitsPerSecond: ((p.bytes - start.bytes) * 8) / seconds };
      this.windowStart = { at: now, ...this.confirmed };
    }
    return true;
  }

  /** Bytes handed to the socket that no answered probe has confirmed yet. */
  get inFlightBytes(): number {
    return this.bytesSent - this.confirmed.bytes;
  }

  /** How long the outstanding probe has been waiting for its pong (0: none outstanding). */
  unansweredFor(now: number): number {
    return this.outstanding ? now - this.outstanding.at : 0;
  }

  /** The link now. Rates fall to 0 when no probe came back for a long while (nothing is confirmed). */
  link(now: number): ViewerLink {
    const age = this.outstanding ? now - this.outstanding.at : 0;
    const stale = this.windowStart !== undefined && now - this.windowStart.at > 5 * RATE_WINDOW_MS;
    return {
      rttMs: Math.max(this.rtt, age),
      baseRttMs: Number.isFinite(this.baseRtt) ? this.baseRtt : 0,
      fps: stale ? 0 : round1(this.rates.fps),
      bitsPerSecond: stale ? 0 : Math.round(this.rates.bitsPerSecond),
      inFlightBytes: this.bytesSent - this.confirmed.bytes,
    };
  }
}

const round1 = (n: number): number => Math.round(n * 10) / 10;
