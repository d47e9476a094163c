import type WebSocket from 'ws';
import { ConnectionRegistry } from '../../src/gateways/connection-registry';
import { decodeFrame, encodeFrame, Encoding, FrameType, type MediaFrame } from '../../src/media/frame-codec';
import { MediaRelay } from '../../src/media/relay';
import type { RunningNode } from '../../src/node/start-node';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person, type TestAgent } from '../support/people';
import { waitFor } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';

const BOUND = 256 * 1024;

type Arrival = { kind: 'frame'; frame: MediaFrame } | { kind: 'event'; event: string; data: any };

/** The end-of-frame records each log has seen, as `sessionId:seq` (cheap to poll). */
const endsSeen = new WeakMap<Arrival[], Set<string>>();

/** Everything a client receives, text and binary, in arrival order. */
function record(c: WsTestClient): Arrival[] {
  const log: Arrival[] = [];
  const ends = new Set<string>();
  endsSeen.set(log, ends);
  (c.ws as WebSocket).on('message', (raw: Buffer, isBinary: boolean) => {
    if (isBinary) {
      const parsed = decodeFrame(new Uint8Array(raw));
      if (parsed.ok) log.push({ kind: 'frame', frame: parsed.frame });
      if (parsed.ok && parsed.frame.type === FrameType.EndOfFrame) ends.add(`${parsed.frame.sessionId}:${parsed.frame.frameSeq}`);
      return;
    }
    const msg = JSON.parse(raw.toString()) as { event: string; data: any };
    log.push({ kind: 'event', event: msg.event, data: msg.data });
  });
  return log;
}

const framesOf = (log: Arrival[], sessionId: string): MediaFrame[] => log.flatMap((a) => (a.kind === 'frame' && a.frame.sessionId === sessionId ? [a.frame] : []));
const refreshesAt = (a: TestAgent): MediaFrame[] => a.ws.binary.map((b) => decodeFrame(new Uint8Array(b))).flatMap((p) => (p.ok && p.frame.type === FrameType.RefreshRequest ? [p.frame] : []));

function tile(sessionId: string, frameSeq: number, x: number, y: number, bytes = 512, fill = frameSeq): Uint8Array {
  return encodeFrame({ type: FrameType.Tile, encoding: Encoding.RawBgra, monitor: 0, frameSeq, timestamp: Date.now(), x, y, width: 64, height: 64, sessionId, payload: new Uint8Array(bytes).fill(fill & 0xff) });
}
function endOfFrame(sessionId: string, frameSeq: number): Uint8Array {
  return encodeFrame({ type: FrameType.EndOfFrame, encoding: Encoding.None, monitor: 0, frameSeq, timestamp: Date.now(), x: 0, y: 0, width: 512, height: 512, sessionId, payload: new Uint8Array(0) });
}
/** Sends one frame (its tiles, then end-of-frame) as the agent. */
function sendFrame(a: TestAgent, frame: Uint8Array[]): void {
  for (const f of frame) a.ws.sendRaw(Buffer.from(f), true);
}

describe('media relay: frames reach allowed viewers only, cuts are immediate, slow viewers stay bounded', () => {
  let t: TestNode & { node: RunningNode };
  let relay: MediaRelay;
  let alice: WsTestClient;
  let bob: WsTestClient;
  let aliceLog: Arrival[];
  let bobLog: Arrival[];
  let pins = 700100;

  beforeAll(async () => {
    // Default rate limits: media frames have their own budget (ws.rateLimit.framesPerSecond).
    t = await startInProcessNode({ media: { viewerBufferBytes: BOUND } });
    relay = t.node.app.get(MediaRelay);
    alice = await person(t, 'alice');
    bob = await person(t, 'bob');
    aliceLog = record(alice);
    bobLog = record(bob);
  });
  afterAll(async () => {
    for (const c of [alice, bob]) await c.close();
    await t.stop();
  });

  /** A new agent, a session with alice as owner (and bob invited when asked), in `mode`. */
  async function session(mode: 'hold' | 'observe', withBob: boolean): Promise<{ desk: TestAgent; sessionId: string }> {
    const pin = String(pins++);
    const desk = await agent(t, `desk-media-${pin}`, pin);
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active');
    if (withBob) {
      const { inviteId } = await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
      await bob.ask('invite.respond', { sessionId, inviteId, accept: true });
    }
    if (mode !== 'hold') await desk.ws.ask('mode.set', { sessionId, mode });
    return { desk, sessionId };
  }

  /** Every frame the agent sent before this resolves has been relayed (or dropped) and has reached both viewers. */
  async function settle(desk: TestAgent): Promise<void> {
    await desk.ws.ask('ping', {});
    await alice.ask('ping', {});
    await bob.ask('ping', {});
  }

  it('relays to members in observe, nothing in hold though the agent keeps sending, and asks for a refresh when viewers are allowed', async () => {
    const { desk, sessionId } = await session('hold', false);
    for (let seq = 1; seq <= 5; seq++) sendFrame(desk, [tile(sessionId, seq, 0, 0), endOfFrame(sessionId, seq)]);
    await settle(desk);
    expect(framesOf(aliceLog, sessionId)).toEqual([]);
    expect(relay.counters.framesUnseen).toBeGreaterThanOrEqual(10);

    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    await waitFor('a refresh request after observe', () => refreshesAt(desk).some((r) => r.sessionId === sessionId));
    sendFrame(desk, [tile(sessionId, 6, 0, 0), endOfFrame(sessionId, 6)]);
    await waitFor('frame 6 at alice', () => framesOf(aliceLog, sessionId).some((f) => f.frameSeq === 6 && f.type === FrameType.EndOfFrame));
    expect(framesOf(aliceLog, sessionId).map((f) => f.frameSeq)).toEqual([6, 6]);
    // Bob is connected but no member: nothing for him.
    expect(framesOf(bobLog, sessionId)).toEqual([]);

    // Bob joins: newly allowed, the agent is asked again, and he gets the next frame.
    const before = refreshesAt(desk).length;
    const { inviteId } = await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
    await bob.ask('invite.respond', { sessionId, inviteId, accept: true });
    await waitFor('a refresh request for bob', () => refreshesAt(desk).length > before);
    sendFrame(desk, [tile(sessionId, 7, 64, 0), endOfFrame(sessionId, 7)]);
    await waitFor('frame 7 at bob', () => framesOf(bobLog, sessionId).some((f) => f.frameSeq === 7 && f.type === FrameType.EndOfFrame));
    expect(framesOf(bobLog, sessionId).map((f) => f.frameSeq)).toEqual([7, 7]);
    await alice.ask('session.end', { sessionId });
  });

  it('answers a malformed frame with BAD_FRAME, another session\'s frame with FORBIDDEN, and keeps the connection', async () => {
    const { desk, sessionId } = await session('observe', false);
    desk.ws.sendRaw(Buffer.from('not a frame at all, but long enough to have a header'), true);
    expect(await desk.ws.next('error', (e) => e.code === 'BAD_FRAME')).toMatchObject({ message: expect.any(String) });
    const truncated = Buffer.from(tile(sessionId, 1, 0, 0)).subarray(0, 60);
    desk.ws.sendRaw(truncated, true);
    expect(await desk.ws.next('error', (e) => e.code === 'BAD_FRAME')).toMatchObject({ message: expect.stringContaining('payload length') });
    desk.ws.sendRaw(Buffer.from(encodeFrame({ type: FrameType.RefreshRequest, encoding: Encoding.None, monitor: 0, frameSeq: 0, timestamp: 0, x: 0, y: 0, width: 0, height: 0, sessionId, payload: new Uint8Array(0) })), true);
    expect(await desk.ws.next('error', (e) => e.code === 'BAD_FRAME')).toBeDefined();
    // A frame for a session that is not this agent's: another live session, and one that does not exist.
    const other = await session('observe', false);
    sendFrame(desk, [tile(other.sessionId, 1, 0, 0)]);
    expect(await desk.ws.next('error', (e) => e.code === 'FORBIDDEN')).toMatchObject({ sessionId: other.sessionId });
    sendFrame(desk, [tile('s_nobody', 1, 0, 0)]);
    expect(await desk.ws.next('error', (e) => e.code === 'FORBIDDEN', 5000)).toMatchObject({ sessionId: 's_nobody' });
    await settle(desk);
    expect(framesOf(aliceLog, other.sessionId)).toEqual([]);
    expect(framesOf(aliceLog, 's_nobody')).toEqual([]);

    // Still working: a good frame gets through, and commands too.
    sendFrame(desk, [tile(sessionId, 2, 0, 0), endOfFrame(sessionId, 2)]);
    await waitFor('frame 2 at alice', () => framesOf(aliceLog, sessionId).some((f) => f.frameSeq === 2 && f.type === FrameType.EndOfFrame));
    expect(await desk.ws.ask('ping', { t: 1 })).toMatchObject({ t: 1 });
    expect(desk.ws.isOpen).toBe(true);
    await alice.ask('session.end', { sessionId });
    await alice.ask('session.end', { sessionId: other.sessionId });
  });

  it('keeps the agent\'s media.stats for its own session only, refuses malformed ones, and keeps the connection', async () => {
    const { desk, sessionId } = await session('observe', false);
    const other = await session('observe', false);
    const stats = { fps: 12.5, bitsPerSecond: 800_000, captureMs: 9.5, encodeMs: 4.2, quality: 70, maxFps: 30, level: 1 };
    await expect(desk.ws.ask('media.stats', { sessionId: other.sessionId, ...stats })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(desk.ws.ask('media.stats', { sessionId: 's_nobody', ...stats })).rejects.toMatchObject({ code: 'UNKNOWN_SESSION' });
    await expect(desk.ws.ask('media.stats', { sessionId, ...stats, quality: 500 })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await expect(desk.ws.ask('media.stats', { sessionId, fps: 'fast' })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    // A technician is not an agent.
    await expect(alice.ask('media.stats', { sessionId, ...stats })).rejects.toMatchObject({ code: 'UNKNOWN_EVENT' });
    expect(relay.sessionQuality(other.sessionId).agent).toBeUndefined();
    expect(await desk.ws.ask('media.stats', { sessionId, ...stats })).toEqual({ sessionId });
    expect(relay.sessionQuality(sessionId).agent).toMatchObject(stats);
    expect(desk.ws.isOpen).toBe(true);
    await alice.ask('session.end', { sessionId });
    await alice.ask('session.end', { sessionId: other.sessionId });
  });

  it('honours a viewer\'s media.refresh only while the screen is visible to it', async () => {
    const { desk, sessionId } = await session('observe', false);
    await waitFor('the refresh for alice joining', () => refreshesAt(desk).some((r) => r.sessionId === sessionId));
    const before = refreshesAt(desk).length;
    expect(await alice.ask('media.refresh', { sessionId, monitor: 0 })).toEqual({ sessionId });
    await waitFor('the refresh alice asked for', () => refreshesAt(desk).length === before + 1);
    expect(refreshesAt(desk)[before]).toMatchObject({ sessionId, monitor: 0, type: FrameType.RefreshRequest, payload: new Uint8Array(0) });
    await expect(bob.ask('media.refresh', { sessionId })).rejects.toMatchObject({ code: 'NOT_MEMBER' });
    await expect(alice.ask('media.refresh', { sessionId, monitor: 99 })).rejects.toMatchObject({ code: 'INVALID_DATA' });
    await desk.ws.ask('mode.set', { sessionId, mode: 'hold' });
    await expect(alice.ask('media.refresh', { sessionId })).rejects.toMatchObject({ code: 'SCREEN_NOT_VISIBLE' });
    await alice.ask('session.end', { sessionId });
    await expect(alice.ask('media.refresh', { sessionId })).rejects.toMatchObject({ code: 'SESSION_ENDED' });
    await desk.ws.ask('ping', {});
    expect(refreshesAt(desk)).toHaveLength(before + 1);
  });

  it('sends a refresh asked for within 500 ms of the previous one once the interval is over, however many were asked', async () => {
    const { desk, sessionId } = await session('observe', false);
    await waitFor('the refresh for alice joining', () => refreshesAt(desk).some((r) => r.sessionId === sessionId));
    await new Promise((r) => setTimeout(r, 600));
    const before = refreshesAt(desk).length;
    for (let i = 0; i < 5; i++) expect(await alice.ask('media.refresh', { sessionId, monitor: 0 })).toEqual({ sessionId });
    await waitFor('the first refresh', () => refreshesAt(desk).length === before + 1);
    await waitFor('the merged one after the interval', () => refreshesAt(desk).length === before + 2, 3000);
    await new Promise((r) => setTimeout(r, 700));
    await desk.ws.ask('ping', {});
    expect(refreshesAt(desk)).toHaveLength(before + 2);
    await alice.ask('session.end', { sessionId });
  });

  describe.each([
    ['member.remove', 'MemberRemoved', 'bob'],
    ['mode hold', 'ModeChanged', 'alice'],
    ['session.end', 'SessionEnded', 'alice'],
  ] as const)('after %s', (what, eventType, viewerName) => {
    it(`no frame reaches ${viewerName} after the ${eventType} event, while the agent keeps sending`, async () => {
      const { desk, sessionId } = await session('observe', true);
      const log = viewerName === 'bob' ? bobLog : aliceLog;
      let seq = 0;
      let isSending = true;
      // The agent streams one frame per turn of the event loop, before, during and after the cut.
      const streaming = (async () => {
        while (isSending) {
          seq += 1;
          sendFrame(desk, [tile(sessionId, seq, (seq % 8) * 64, 0), endOfFrame(sessionId, seq)]);
          await new Promise((r) => setImmediate(r));
        }
      })();
      await waitFor('frames flowing', () => framesOf(log, sessionId).length >= 20);
      if (what === 'member.remove') await alice.ask('member.remove', { sessionId, memberId: 'bob' });
      else if (what === 'mode hold') await desk.ws.ask('mode.set', { sessionId, mode: 'hold' });
      else await alice.ask('session.end', { sessionId });
      const cutAt = seq;
      await waitFor('the agent sent 50 more frames', () => seq >= cutAt + 50);
      isSending = false;
      await streaming;
      await settle(desk);

      const cut = log.findIndex((a) => a.kind === 'event' && a.event === 'session.event' && a.data.sessionId === sessionId && a.data.type === eventType && (eventType !== 'ModeChanged' || a.data.mode === 'hold'));
      expect(cut).toBeGreaterThan(0);
      const before = log.slice(0, cut).filter((a) => a.kind === 'frame' && a.frame.sessionId === sessionId);
      const after = log.slice(cut).filter((a) => a.kind === 'frame' && a.frame.sessionId === sessionId);
      expect(before.length).toBeGreaterThanOrEqual(20);
      expect(after).toEqual([]);
      if (what !== 'session.end') await alice.ask('session.end', { sessionId });
    });
  });

  it('keeps a stalled viewer within the bound while the fast one gets every frame; the stalled one is refreshed when it drains and both end on the same screen', async () => {
    const { desk, sessionId } = await session('observe', true);
    const registry = t.node.app.get(ConnectionRegistry);
    const bobConn = registry.ofIdentity('person', 'bob')[0];
    const aliceStart = aliceLog.length;
    const bobStart = bobLog.length;
    // The screen is an 8×8 grid of 64-px tiles; truth[i] is the fill byte of tile i as the agent last sent it.
    const truth = new Array<number>(64).fill(-1);
    const tileAt = (seq: number, i: number, fill: number): Uint8Array => {
      truth[i] = fill;
      return tile(sessionId, seq, (i % 8) * 64, Math.floor(i / 8) * 64, 8 * 1024, fill);
    };
    // Each frame: tile 0 (a clock, superseded all the time) and 7 tiles walking over the grid.
    const frameOf = (seq: number): Uint8Array[] => {
      const out = [tileAt(seq, 0, seq)];
      for (let k = 0; k < 7; k++) out.push(tileAt(seq, 1 + ((seq * 7 + k) % 63), seq));
      out.push(endOfFrame(sessionId, seq));
      return out;
    };
    const eofAt = (log: Arrival[], seq: number): boolean => endsSeen.get(log)!.has(`${sessionId}:${seq}`);

    ((bob.ws as unknown as { _socket: { pause(): void } })._socket).pause();
    let seq = 0;
    let most = 0;
    // Lock-step with the fast viewer (it gets each frame before the next is sent) until the stalled one drops whole frames.
    while (seq < 3000 && (relay.viewerStats(bobConn.id)?.droppedFrames ?? 0) < 50) {
      seq += 1;
      sendFrame(desk, frameOf(seq));
      await waitFor(`frame ${seq} at alice`, () => eofAt(aliceLog, seq), 5000, 1);
      most = Math.max(most, relay.queuedBytes(bobConn.id) ?? 0);
    }
    const slow = relay.viewerStats(bobConn.id)!;
    expect(slow.droppedFrames).toBeGreaterThanOrEqual(50);
    expect(slow.supersededFrames).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(BOUND);
    expect(slow.peakBytes).toBeLessThanOrEqual(BOUND);
    // The fast viewer got every tile of every frame, in order.
    const fast = framesOf(aliceLog.slice(aliceStart), sessionId);
    expect(fast).toHaveLength(seq * 9);
    expect(fast.filter((f) => f.type === FrameType.EndOfFrame).map((f) => f.frameSeq)).toEqual(Array.from({ length: seq }, (_v, i) => i + 1));
    expect(relay.viewerStats(registry.ofIdentity('person', 'alice')[0].id)?.droppedFrames).toBe(0);
    // The agent is told to step down the quality ladder for the slowest viewer (two rungs a second while it drops).
    const slower = await desk.ws.next('media.feedback', (d) => d.sessionId === sessionId && d.level >= 2, 5000);
    expect(slower.quality).toBeLessThan(80);

    // The stalled viewer reads again: once drained, the agent is asked for a full frame.
    const refreshesBefore = refreshesAt(desk).length;
    const feedbackMark = desk.ws.received.length;
    ((bob.ws as unknown as { _socket: { resume(): void } })._socket).resume();
    await waitFor('a refresh request once bob drained', () => refreshesAt(desk).length > refreshesBefore, 20000);
    // The agent answers with every tile (a full frame), then one more ordinary frame.
    seq += 1;
    const full: Uint8Array[] = [];
    for (let i = 0; i < 64; i++) full.push(tileAt(seq, i, (seq + i) & 0xff));
    full.push(endOfFrame(sessionId, seq));
    sendFrame(desk, full);
    seq += 1;
    sendFrame(desk, frameOf(seq));
    const last = seq;
    await waitFor('the last frame at both', () => eofAt(aliceLog, last) && eofAt(bobLog, last), 20000);

    const screenOf = (log: Arrival[]): number[] => {
      const screen = new Array<number>(64).fill(-1);
      for (const f of framesOf(log, sessionId)) if (f.type === FrameType.Tile) screen[(f.y / 64) * 8 + f.x / 64] = f.payload[0];
      return screen;
    };
    expect(screenOf(aliceLog.slice(aliceStart))).toEqual(truth);
    expect(screenOf(bobLog.slice(bobStart))).toEqual(truth);
    // The same story in /metrics, without a label per session or viewer.
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const value = (name: string): number => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
    expect(value('tandem_media_frames_in_total')).toBeGreaterThanOrEqual(seq * 9);
    expect(value('tandem_media_viewers')).toBeGreaterThanOrEqual(2);
    expect(metrics).toMatch(/tandem_media_viewer_skipped_frames\{[^}]*reason="superseded"[^}]*\} [1-9]/);
    expect(framesOf(bobLog.slice(bobStart), sessionId).length).toBeLessThan(seq * 9);
    // Caught up again: the agent climbs back (a rung after every 3 clear seconds) to the full frame rate.
    await waitFor('feedback back at full frame rate', () => desk.ws.received.slice(feedbackMark).some((m) => m.event === 'media.feedback' && m.data.sessionId === sessionId && m.data.maxFps === 30), 30_000, 100);
    await alice.ask('session.end', { sessionId });
  });
});
