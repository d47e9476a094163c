import { deflateSync } from 'node:zlib';
import { encodeTile, nativeAvailable } from '../native';
import { decodeTile, RtcPublisher, TileCanvas, type RtcHost, type WrtcModule } from './rtc-publisher';
import type { CaptureResult, ScreenSource } from './screen-source';

/** A stand-in for @roamhq/wrtc that records what the publisher does with it. */
function fakeWrtc() {
  const frames: { width: number; height: number; data: Uint8Array }[] = [];
  const pcs: FakePc[] = [];
  class FakePc {
    onicecandidate: ((e: { candidate: unknown }) => void) | null = null;
    onconnectionstatechange: (() => void) | null = null;
    connectionState = 'new';
    closed = false;
    remote?: { type: string; sdp: string };
    candidates: unknown[] = [];
    tracks: unknown[] = [];
    localDescription: { sdp: string } | null = null;
    constructor(readonly config: unknown) { pcs.push(this); }
    async setRemoteDescription(d: { type: string; sdp: string }) { this.remote = d; }
    addTrack(t: unknown) { this.tracks.push(t); }
    async createAnswer() { return { type: 'answer', sdp: `answer-to:${this.remote?.sdp}` }; }
    async setLocalDescription(d: { sdp: string }) {
      this.localDescription = d;
      this.onicecandidate?.({ candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 } });
    }
    async addIceCandidate(c: unknown) { this.candidates.push(c); }
    close() { this.closed = true; }
  }
  class FakeSource {
    createTrack() { return { stopped: false, stop() { this.stopped = true; } }; }
    onFrame(f: { width: number; height: number; data: Uint8Array }) { frames.push({ ...f, data: f.data.slice() }); }
  }
  const wrtc = { RTCPeerConnection: FakePc, nonstandard: { RTCVideoSource: FakeSource } } as unknown as WrtcModule;
  return { wrtc, frames, pcs };
}

function host(mode: 'hold' | 'observe' | 'interact' = 'observe') {
  const sent: { event: string; data: Record<string, unknown> }[] = [];
  const refreshed: number[] = [];
  const h: RtcHost & { mode: typeof mode } = {
    mode,
    send: (event, data) => void sent.push({ event, data: data as Record<string, unknown> }),
    refresh: (m) => void refreshed.push(m),
    session: () => ({ id: 's1', mode: h.mode }),
  };
  return { h, sent, refreshed };
}

/** A 4x2 screen whose captures are given tile by tile (raw BGRA tiles, encoding 3). */
function rawTile(x: number, y: number, w: number, h: number, bgra: number[]) {
  const data = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) data.set(bgra, i * 4);
  return { x, y, width: w, height: h, encoding: 3 as const, data };
}

function source(results: CaptureResult[]): ScreenSource {
  return { monitors: () => [{ index: 0, name: 's', x: 0, y: 0, width: 4, height: 2 }], close: () => undefined, capture: async () => results.shift()! };
}

const flush = () => new Promise((r) => setImmediate(r));

describe('TileCanvas', () => {
  test('paints tiles at their place, clipped to the canvas, and is incomplete after a resize', () => {
    const c = new TileCanvas();
    c.resize(4, 2);
    c.paint(2, 1, 3, 2, new Uint8Array(3 * 2 * 4).fill(9));
    expect([...c.data]).toEqual([...new Array(24).fill(0), ...new Array(8).fill(9)]);
    c.complete = true;
    c.resize(4, 2);
    expect(c.complete).toBe(true);
    c.resize(6, 2);
    expect([c.complete, c.data.length]).toEqual([false, 48]);
  });
});

describe('decodeTile', () => {
  test('lossless palette tiles decode through zlib; raw tiles pass; unknown encodings throw', () => {
    const payload = new Uint8Array([1, 10, 20, 30, 255, ...deflateSync(Buffer.alloc(4, 0))]);
    expect([...decodeTile({ x: 0, y: 0, width: 2, height: 2, encoding: 2, data: payload })].slice(0, 4)).toEqual([10, 20, 30, 255]);
    expect(() => decodeTile({ x: 0, y: 0, width: 2, height: 2, encoding: 2, data: new Uint8Array([3]) })).toThrow();
    expect(() => decodeTile({ x: 0, y: 0, width: 2, height: 2, encoding: 9 as 1, data: new Uint8Array(1) })).toThrow(/unknown tile encoding/);
  });

  (nativeAvailable() ? test : test.skip)('JPEG tiles decode through the native core', () => {
    const bgra = new Uint8Array(16 * 16 * 4);
    for (let i = 0; i < 256; i++) bgra.set([0x20, 0x80, 0xe0, 255], i * 4);
    const enc = encodeTile({ data: bgra, width: 16, height: 16 }, { x: 0, y: 0, w: 16, h: 16 }, { mode: 'jpeg', quality: 90 });
    const out = decodeTile({ x: 0, y: 0, width: 16, height: 16, encoding: 1, data: enc.data });
    expect(Math.abs(out[1]! - 0x80)).toBeLessThan(6);
  });
});

describe('RtcPublisher', () => {
  test('answers an offer with a track of the monitor, trickles its candidates and applies early ones', async () => {
    const { wrtc, pcs } = fakeWrtc();
    const { h, sent, refreshed } = host();
    const p = new RtcPublisher({ wrtc, log: () => undefined });
    p.attach(h);
    p.signal('rtc.ice', { sessionId: 's1', viewerId: 'alice~c1', candidate: 'candidate:early' });
    p.signal('rtc.offer', { sessionId: 's1', viewerId: 'alice~c1', sdp: 'OFFER', monitor: 0, iceServers: [{ urls: ['stun:stun.example:3478'] }] });
    await flush();
    expect(pcs).toHaveLength(1);
    expect(pcs[0]!.config).toEqual({ iceServers: [{ urls: ['stun:stun.example:3478'] }] });
    expect(pcs[0]!.tracks).toHaveLength(1);
    expect(sent.map((s) => s.event)).toEqual(['rtc.ice', 'rtc.answer']);
    expect(sent[1]!.data).toEqual({ sessionId: 's1', viewerId: 'alice~c1', sdp: 'answer-to:OFFER' });
    expect(pcs[0]!.candidates).toEqual([{ candidate: 'candidate:early', sdpMid: null, sdpMLineIndex: null }]);
    expect(refreshed).toEqual([0]); // the canvas needs a whole capture first
    expect(p.peerIds).toEqual(['alice~c1']);
    p.stop();
  });

  test('refuses offers in hold or for another session (tells the node rtc.close), and closes peers by viewer, member or all', async () => {
    const { wrtc, pcs } = fakeWrtc();
    const { h, sent } = host('hold');
    const p = new RtcPublisher({ wrtc, log: () => undefined });
    p.attach(h);
    p.signal('rtc.offer', { sessionId: 's1', viewerId: 'alice~c1', sdp: 'x' });
    await flush();
    expect(pcs).toHaveLength(0);
    expect(sent).toEqual([{ event: 'rtc.close', data: { sessionId: 's1', viewerId: 'alice~c1', reason: 'hold' } }]);
    h.mode = 'observe';
    p.signal('rtc.offer', { sessionId: 'other', viewerId: 'alice~c1', sdp: 'x' });
    await flush();
    expect(pcs).toHaveLength(0);

    for (const v of ['alice~c1', 'alice~c2', 'bob~c3', 'carol~c4']) p.signal('rtc.offer', { sessionId: 's1', viewerId: v, sdp: 'x' });
    await flush();
    expect(p.peerIds).toHaveLength(4);
    p.signal('rtc.close', { sessionId: 's1', viewerId: 'bob~c3' });
    expect(p.peerIds.sort()).toEqual(['alice~c1', 'alice~c2', 'carol~c4']);
    p.signal('rtc.close', { sessionId: 's1', memberId: 'alice' });
    expect(p.peerIds).toEqual(['carol~c4']);
    p.signal('rtc.close', { sessionId: 's1' });
    expect(p.peerIds).toEqual([]);
    expect(pcs.filter((pc) => !pc.closed)).toHaveLength(0);
    p.signal('rtc.offer', { sessionId: 's1', viewerId: 'dave~c5', sdp: 'x' });
    await flush();
    p.closeAll('hold');
    expect(p.peerIds).toEqual([]);
    p.stop();
  });

  (nativeAvailable() ? test : test.skip)('paints the monitor from a full capture, then publishes every change as I420 of the screen size', async () => {
    const { wrtc, frames } = fakeWrtc();
    const { h } = host();
    const p = new RtcPublisher({ wrtc, log: () => undefined, keepaliveMs: 60_000 });
    p.attach(h);
    const white = [255, 255, 255, 255];
    const screen = p.tap(source([
      { paused: false, width: 4, height: 2, tiles: [rawTile(0, 0, 4, 2, white)], timestamp: 0 }, // nobody watching yet: ignored
      { paused: false, width: 4, height: 2, tiles: [rawTile(0, 0, 2, 2, white)], timestamp: 0 }, // a partial capture: waits for a full one
      { paused: false, width: 4, height: 2, tiles: [rawTile(0, 0, 4, 2, [0, 0, 0, 255])], timestamp: 0 },
      { paused: false, width: 4, height: 2, tiles: [rawTile(2, 0, 2, 2, white)], timestamp: 0 },
    ]));
    await screen.capture(0, { full: true, quality: 80 });
    expect(frames).toHaveLength(0);
    p.signal('rtc.offer', { sessionId: 's1', viewerId: 'alice~c1', sdp: 'x' });
    await flush();
    await screen.capture(0, { full: false, quality: 80 });
    expect(frames).toHaveLength(0);
    await screen.capture(0, { full: true, quality: 80 });
    await screen.capture(0, { full: false, quality: 80 });
    expect(frames.map((f) => [f.width, f.height, f.data.length])).toEqual([[4, 2, 12], [4, 2, 12]]);
    // Y of the black frame is 16 everywhere; after the change the right half is white (235).
    expect([...frames[0]!.data.subarray(0, 8)]).toEqual([16, 16, 16, 16, 16, 16, 16, 16]);
    expect([...frames[1]!.data.subarray(0, 4)]).toEqual([16, 16, 235, 235]);
    p.stop();
  });
});
