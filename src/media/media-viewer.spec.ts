import type WebSocket from 'ws';
import { Connection } from '../gateways/connection';
import { MediaViewer, type RelayedFrame } from './media-viewer';

/** A socket that holds what it is given until `flush` writes it out (a viewer that reads when told). */
class FakeSocket {
  readyState = 1;
  bufferedAmount = 0;
  written: Uint8Array[] = [];
  private pending: { data: Uint8Array; cb: () => void }[] = [];

  send(data: Uint8Array, _opts: unknown, cb: () => void): void {
    this.pending.push({ data, cb });
    this.bufferedAmount += data.byteLength;
  }

  /** Writes out up to `bytes` (everything by default), calling each send's callback. */
  flush(bytes = Infinity): void {
    while (this.pending.length > 0 && bytes >= this.pending[0].data.byteLength) {
      const { data, cb } = this.pending.shift()!;
      bytes -= data.byteLength;
      this.bufferedAmount -= data.byteLength;
      this.written.push(data);
      cb();
    }
  }
}

const SIZE = 1000;
const frame = (seq: number, x: number, sessionId = 's1', monitor = 0): RelayedFrame => {
  const data = new Uint8Array(SIZE);
  data[0] = seq;
  data[1] = x;
  const queued = { data, sessionId, monitor, frameSeq: seq, key: `${sessionId}|${monitor}|t|${x}` };
  return { data, sessionId, monitor, frameSeq: seq, stream: `${sessionId}|${monitor}`, queued: () => queued };
};

function setup(maxBytes = 10_000, socketWindow = 3_000) {
  const ws = new FakeSocket();
  const conn = new Connection(ws as unknown as WebSocket, 'console', { kind: 'person', id: 'alice', name: 'Alice', role: 'technician', teams: [], exp: 2e9 });
  const refreshes: [string, number][] = [];
  let now = 0;
  const viewer = new MediaViewer(conn, { maxBytes, socketWindow, onNeedsRefresh: (s, m) => refreshes.push([s, m]), now: () => now });
  return { ws, viewer, refreshes, advance: (ms: number) => { now += ms; } };
}

describe('MediaViewer', () => {
  it('feeds the socket up to its window and queues the rest, in order', () => {
    const { ws, viewer } = setup();
    for (let x = 0; x < 6; x++) viewer.deliver(frame(1, x));
    expect(ws.bufferedAmount).toBe(3 * SIZE);
    expect(viewer.queue.bytes).toBe(3 * SIZE);
    ws.flush();
    ws.flush();
    expect(ws.written.map((d) => d[1])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(viewer.queuedBytes).toBe(0);
  });

  it('never holds more than the bound, drops the stream when full, and asks for one refresh once drained', () => {
    const { ws, viewer, refreshes } = setup();
    let seq = 1;
    for (; seq <= 30; seq++) {
      for (let x = 0; x < 4; x++) viewer.deliver(frame(seq, 10 * seq + x));
      expect(viewer.queuedBytes).toBeLessThanOrEqual(10_000);
    }
    const stats = viewer.snapshot();
    expect(stats.droppedFrames).toBeGreaterThan(0);
    expect(stats.peakBytes).toBeLessThanOrEqual(10_000);
    // The stream's queue was purged (its frames are stale), only the socket still holds some.
    expect(viewer.queue.bytes).toBe(0);
    expect(refreshes).toEqual([]);
    viewer.deliver(frame(seq, 1)); // The frame in progress when the viewer drains…
    ws.flush();
    expect(refreshes).toEqual([['s1', 0]]);
    const before = ws.written.length;
    viewer.deliver(frame(seq, 2)); // …is skipped to its end,
    expect(ws.bufferedAmount).toBe(0);
    viewer.deliver(frame(seq + 1, 3)); // and the next frame flows again.
    ws.flush();
    expect(ws.written.slice(before).map((d) => d[0])).toEqual([seq + 1]);
    expect(refreshes).toHaveLength(1);
  });

  it('drops superseded tiles before dropping frames', () => {
    const { ws, viewer } = setup(6_000, 2_000);
    // Same two positions every frame: the queue keeps only the newest of each, nothing is dropped whole.
    for (let seq = 1; seq <= 50; seq++) for (const x of [1, 2]) viewer.deliver(frame(seq, x));
    const stats = viewer.snapshot();
    expect(stats.supersededFrames).toBeGreaterThan(0);
    expect(stats.droppedFrames).toBe(0);
    ws.flush();
    ws.flush();
    // The viewer ends with the newest tile of each position.
    expect(ws.written.slice(-2).map((d) => [d[0], d[1]])).toEqual([[50, 1], [50, 2]]);
  });

  it('backs off a stream that keeps falling behind right after its refresh', () => {
    const { ws, viewer, refreshes, advance } = setup();
    const flood = (seq: number): void => { for (let x = 0; x < 15; x++) viewer.deliver(frame(seq, x)); };
    flood(1);
    ws.flush();
    expect(refreshes).toHaveLength(1);
    flood(2);
    ws.flush();
    // Dropped again within 2 s of the refresh: the next one waits 250 ms.
    expect(refreshes).toHaveLength(1);
    advance(300);
    viewer.tick();
    expect(refreshes).toHaveLength(2);
  });

  it('cuts a session at once: nothing queued for it leaves afterwards', () => {
    const { ws, viewer } = setup();
    for (let x = 0; x < 6; x++) viewer.deliver(frame(1, x, 'a'));
    for (let x = 0; x < 2; x++) viewer.deliver(frame(1, x, 'b'));
    const inSocket = ws.bufferedAmount;
    viewer.cut('a');
    ws.flush();
    ws.flush();
    // What was already in the socket went before the cut; after it, only session b.
    expect(ws.written.length).toBe(inSocket / SIZE + 2);
    expect(viewer.watches('a')).toBe(false);
  });

  it('reports health for feedback: fill, and drops since the last report', () => {
    const { viewer } = setup();
    for (let x = 0; x < 20; x++) viewer.deliver(frame(1, x));
    // The stream's queue was purged when it fell behind; the socket still holds its window.
    expect(viewer.takeHealth()).toEqual({ fill: 0.3, hasDropped: true, rttMs: 0, baseRttMs: 0 });
  });
});

describe('MediaViewer link probes', () => {
  it('pings behind the queued frames and measures RTT and delivery from the pong', () => {
    const { ws, viewer } = setup();
    let t = 1000;
    const pings: Buffer[] = [];
    let onPong: ((data: Buffer) => void) | undefined;
    const probing = Object.assign(ws, {
      ping: (data: Buffer) => pings.push(data),
      on: (event: string, fn: (data: Buffer) => void) => { if (event === 'pong') onPong = fn; },
      off: () => undefined,
    });
    const v = new MediaViewer(viewer.conn, { maxBytes: 10_000, socketWindow: 3_000, onNeedsRefresh: () => undefined, now: () => t });
    void probing;
    // No session watched yet: no probe.
    v.tick();
    expect(pings).toHaveLength(0);
    v.sessions.add('s1');
    v.deliver(frame(1, 0));
    v.tick();
    expect(pings).toHaveLength(1);
    // Unanswered, the probe's age is the RTT; the frame sent before it is in flight.
    t += 300;
    expect(v.snapshot().link).toMatchObject({ rttMs: 300, inFlightBytes: SIZE });
    t += 100;
    onPong!(pings[0]!);
    expect(v.snapshot().link).toMatchObject({ rttMs: 400, baseRttMs: 400, inFlightBytes: 0 });
    v.close();
  });
});

describe('MediaViewer link gate', () => {
  function probing() {
    const { ws, viewer } = setup();
    let t = 0;
    const pings: Buffer[] = [];
    let onPong: ((data: Buffer) => void) | undefined;
    Object.assign(ws, { ping: (d: Buffer) => pings.push(d), on: (_e: string, fn: (d: Buffer) => void) => { onPong = fn; }, off: () => undefined });
    const v = new MediaViewer(viewer.conn, { maxBytes: 10_000, socketWindow: 3_000, onNeedsRefresh: () => undefined, now: () => t });
    v.sessions.add('s1');
    return { ws, v, pings, pong: (i: number) => onPong!(pings[i]!), advance: (ms: number) => { t += ms; } };
  }

  it('holds frames in the queue (newest tile per place) while a probe is unanswered, and lets them go when it is answered', () => {
    const { ws, v, pong, advance } = probing();
    v.tick();
    advance(1500);
    v.tick();
    // The kernel took everything (bufferedAmount 0), but the viewer has not read it: frames wait.
    for (let seq = 1; seq <= 3; seq++) v.deliver(frame(seq, 0));
    expect(ws.written.length + (ws as unknown as { pending: unknown[] }).pending.length).toBe(0);
    expect(v.queue.length).toBe(1);
    expect(v.queue.supersededCount).toBe(2);
    pong(0);
    ws.flush();
    expect(ws.written.map((d) => d[0])).toEqual([3]);
  });

  it('never drops for pacing: a full queue sends what the socket has room for first', () => {
    const { ws, v, advance } = probing();
    // A socket whose kernel takes every write at once (bufferedAmount stays 0), as on a fast LAN.
    ws.send = (data: Uint8Array, _opts: unknown, cb: () => void): void => { ws.written.push(data); cb(); };
    v.tick();
    advance(1500);
    // Distinct places (nothing superseded): 10 frames fill the 10 000-byte queue; the 11th would not fit.
    for (let x = 0; x < 12; x++) v.deliver(frame(1, x));
    expect(v.snapshot().droppedFrames).toBe(0);
    expect(ws.written.length).toBeGreaterThan(0);
    expect(v.queuedBytes).toBeLessThanOrEqual(10_000);
  });
});
