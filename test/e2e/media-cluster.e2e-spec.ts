import { randomBytes } from 'node:crypto';
import type WebSocket from 'ws';
import type { Store } from '../../src/cluster/ports';
import { RedisStore } from '../../src/cluster/redis/redis-store';
import { ConnectionRegistry } from '../../src/gateways/connection-registry';
import { decodeFrame, encodeFrame, Encoding, FrameType, type MediaFrame } from '../../src/media/frame-codec';
import { MediaCluster } from '../../src/media/media-cluster';
import { encodeBatch, framesChannelOf } from '../../src/media/media-wire';
import { MediaRelay } from '../../src/media/relay';
import { ScreenAudience } from '../../src/media/screen-audience';
import type { RunningNode } from '../../src/node/start-node';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person, type TestAgent } from '../support/people';
import { startRedis, type TestRedis } from '../support/redis';
import { waitFor } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';

/**
 * The tile relay across nodes: the agent on node A, the owner (alice) on node B, an invitee (bob)
 * on node C, one real Redis. B and C get the agent's frames through the bus, with the same policy
 * as viewers on A: the cut is immediate on every node, slow viewers stay bounded, refreshes and
 * feedback reach the agent.
 */
const BOUND = 256 * 1024;

type Node = TestNode & { node: RunningNode };
type Arrival = { kind: 'frame'; frame: MediaFrame; raw: Buffer } | { kind: 'event'; event: string; data: any };

const endsSeen = new WeakMap<Arrival[], Set<string>>();

/** Everything a client receives, text and binary, in arrival order. */
function record(c: WsTestClient): Arrival[] {
  const log: Arrival[] = [];
  const ends = new Set<string>();
  endsSeen.set(log, ends);
  (c.ws as WebSocket).on('message', (raw: Buffer, isBinary: boolean) => {
    if (isBinary) {
      const parsed = decodeFrame(new Uint8Array(raw));
      if (parsed.ok) log.push({ kind: 'frame', frame: parsed.frame, raw });
      if (parsed.ok && parsed.frame.type === FrameType.EndOfFrame) ends.add(`${parsed.frame.sessionId}:${parsed.frame.frameSeq}`);
      return;
    }
    const msg = JSON.parse(raw.toString()) as { event: string; data: any };
    log.push({ kind: 'event', event: msg.event, data: msg.data });
  });
  return log;
}

const framesOf = (log: Arrival[], sessionId: string): Array<Extract<Arrival, { kind: 'frame' }>> =>
  log.flatMap((a) => (a.kind === 'frame' && a.frame.sessionId === sessionId ? [a] : []));
const eofAt = (log: Arrival[], sessionId: string, seq: number): boolean => endsSeen.get(log)!.has(`${sessionId}:${seq}`);
const refreshesAt = (a: TestAgent): MediaFrame[] => a.ws.binary.map((b) => decodeFrame(new Uint8Array(b))).flatMap((p) => (p.ok && p.frame.type === FrameType.RefreshRequest ? [p.frame] : []));

function tile(sessionId: string, frameSeq: number, x: number, y: number, bytes = 512, fill = frameSeq): Uint8Array {
  return encodeFrame({ type: FrameType.Tile, encoding: Encoding.RawBgra, monitor: 0, frameSeq, timestamp: Date.now(), x, y, width: 64, height: 64, sessionId, payload: new Uint8Array(bytes).fill(fill & 0xff) });
}
function endOfFrame(sessionId: string, frameSeq: number): Uint8Array {
  return encodeFrame({ type: FrameType.EndOfFrame, encoding: Encoding.None, monitor: 0, frameSeq, timestamp: Date.now(), x: 0, y: 0, width: 512, height: 512, sessionId, payload: new Uint8Array(0) });
}
function sendFrame(a: TestAgent, frame: Uint8Array[]): void {
  for (const f of frame) a.ws.sendRaw(Buffer.from(f), true);
}

describe('media across nodes: agent on A, viewers on B and C, one Redis', () => {
  let redis: TestRedis;
  let a: Node;
  let b: Node;
  let c: Node;
  let alice: WsTestClient;
  let bob: WsTestClient;
  let aliceLog: Arrival[];
  let bobLog: Arrival[];
  /** A second session (its own agent on A, alice and bob watching): its frames travel the same links after the ones under test. */
  let marker: { desk: TestAgent; sessionId: string; seq: number };
  let pins = 810100;

  const clusterOf = (n: Node): MediaCluster => n.node.app.get(MediaCluster);
  const relayOf = (n: Node): MediaRelay => n.node.app.get(MediaRelay);

  beforeAll(async () => {
    redis = await startRedis();
    const config = { auth: { jwtSecret: 'cluster-test-secret-0123456789' }, store: { leaseTtlMs: 1000, redis: { url: redis.url } }, media: { viewerBufferBytes: BOUND } };
    a = await startInProcessNode(config);
    b = await startInProcessNode(config);
    c = await startInProcessNode(config);
    alice = await person(b, 'alice');
    bob = await person(c, 'bob');
    aliceLog = record(alice);
    bobLog = record(bob);
    const m = await session('observe', true);
    marker = { ...m, seq: 0 };
  });
  afterAll(async () => {
    for (const cl of [alice, bob]) await cl?.close();
    for (const n of [a, b, c]) await n?.stop();
    await redis?.stop();
  });

  /** A new agent on A and a session owned by alice (bob invited when asked), in `mode`. */
  async function session(mode: 'hold' | 'observe', withBob: boolean): Promise<{ desk: TestAgent; sessionId: string }> {
    const pin = String(pins++);
    const desk = await agent(a, `desk-mc-${pin}`, pin);
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active');
    if (withBob) {
      const { inviteId } = await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
      await bob.next('invite.received', (i) => i.inviteId === inviteId);
      await bob.ask('invite.respond', { sessionId, inviteId, accept: true });
    }
    if (mode !== 'hold') await desk.ws.ask('mode.set', { sessionId, mode });
    return { desk, sessionId };
  }

  /** Until A knows that these nodes want the session's frames. */
  async function wanted(sessionId: string, nodes: Node[]): Promise<void> {
    const ids = nodes.map((n) => clusterOf(n).nodeId);
    await waitFor(`A to hear that ${ids.join(', ')} want ${sessionId}`, () => {
      const have = clusterOf(a).nodesWanting(sessionId);
      return ids.every((id) => have.includes(id));
    });
  }

  /**
   * Every frame the agents sent before this call has been handled by A, forwarded, and handled by B
   * and C: a marker frame of the marker session, sent after them on the same links, reached both.
   */
  async function settle(): Promise<void> {
    marker.seq += 1;
    const seq = marker.seq;
    sendFrame(marker.desk, [tile(marker.sessionId, seq, 0, 0), endOfFrame(marker.sessionId, seq)]);
    await waitFor(`marker ${seq} at alice and bob`, () => eofAt(aliceLog, marker.sessionId, seq) && eofAt(bobLog, marker.sessionId, seq));
  }

  it('delivers the tiles the agent sends on A to the viewers on B and C, byte for byte and in order; new interest starts with a refresh', async () => {
    await wanted(marker.sessionId, [b, c]);
    const { desk, sessionId } = await session('observe', true);
    await wanted(sessionId, [b, c]);
    await waitFor('a refresh request once B and C want the frames', () => refreshesAt(desk).some((r) => r.sessionId === sessionId));
    const sent: Buffer[] = [];
    for (let seq = 1; seq <= 40; seq++) {
      const frame = [
        encodeFrame({ type: FrameType.Tile, encoding: Encoding.Jpeg, monitor: 0, frameSeq: seq, timestamp: Date.now(), x: (seq % 8) * 64, y: 0, width: 64, height: 64, sessionId, payload: randomBytes(1000 + seq * 97) }),
        encodeFrame({ type: FrameType.Cursor, encoding: Encoding.None, monitor: 0, frameSeq: seq, timestamp: Date.now(), x: seq, y: seq, width: 0, height: 0, sessionId, payload: new Uint8Array(0) }),
        endOfFrame(sessionId, seq),
      ];
      sendFrame(desk, frame);
      sent.push(...frame.map((f) => Buffer.from(f)));
    }
    await waitFor('frame 40 at alice and bob', () => eofAt(aliceLog, sessionId, 40) && eofAt(bobLog, sessionId, 40));
    for (const log of [aliceLog, bobLog]) {
      const got = framesOf(log, sessionId).map((f) => f.raw);
      expect(got).toHaveLength(sent.length);
      for (let i = 0; i < sent.length; i++) expect(Buffer.compare(got[i], sent[i])).toBe(0);
    }
    expect(relayOf(b).counters.framesFromNodes).toBeGreaterThanOrEqual(sent.length);
    expect(clusterOf(b).isBinaryNative).toBe(true);
    await alice.ask('session.end', { sessionId });
  });

  it('carries a refresh asked for on B to the agent on A, and to nobody while the screen is not shared', async () => {
    const { desk, sessionId } = await session('observe', false);
    await wanted(sessionId, [b]);
    await waitFor('the refresh for B joining', () => refreshesAt(desk).some((r) => r.sessionId === sessionId));
    sendFrame(desk, [tile(sessionId, 1, 0, 0), endOfFrame(sessionId, 1)]);
    await waitFor('frame 1 at alice', () => eofAt(aliceLog, sessionId, 1));
    await new Promise((r) => setTimeout(r, 600)); // media.refresh is honoured at most every 500 ms per session
    const before = refreshesAt(desk).length;
    const forwarded = relayOf(b).counters.refreshesForwarded;
    expect(await alice.ask('media.refresh', { sessionId, monitor: 0 })).toEqual({ sessionId });
    await waitFor('the refresh alice asked for on B, at the agent on A', () => refreshesAt(desk).length >= before + 1);
    expect(refreshesAt(desk)[before]).toMatchObject({ sessionId, monitor: 0, type: FrameType.RefreshRequest });
    expect(relayOf(b).counters.refreshesForwarded).toBe(forwarded + 1);
    await desk.ws.ask('mode.set', { sessionId, mode: 'hold' });
    // The agent hears the hold from A in the dispatch that emptied A's audience: no refresh after it.
    await desk.ws.next('session.mode', (m) => m.sessionId === sessionId && m.mode === 'hold');
    const atHold = refreshesAt(desk).length;
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'hold');
    await expect(alice.ask('media.refresh', { sessionId })).rejects.toMatchObject({ code: 'SCREEN_NOT_VISIBLE' });
    await settle();
    await desk.ws.ask('ping', {});
    expect(refreshesAt(desk)).toHaveLength(atHold);
    await alice.ask('session.end', { sessionId });
  });

  it('stops forwarding from A as soon as A applies the hold, and resumes with a refresh on observe', async () => {
    const { desk, sessionId } = await session('observe', true);
    await wanted(sessionId, [b, c]);
    sendFrame(desk, [tile(sessionId, 1, 0, 0), endOfFrame(sessionId, 1)]);
    await waitFor('frame 1 at both', () => eofAt(aliceLog, sessionId, 1) && eofAt(bobLog, sessionId, 1));
    await desk.ws.ask('mode.set', { sessionId, mode: 'hold' });
    // The agent hears the mode from A in the dispatch that updated A's audience.
    await desk.ws.next('session.mode', (m) => m.sessionId === sessionId && m.mode === 'hold');
    const forwarded = clusterOf(a).counters.framesForwarded;
    for (let seq = 2; seq <= 21; seq++) sendFrame(desk, [tile(sessionId, seq, 0, 0), endOfFrame(sessionId, seq)]);
    await settle();
    // Only the marker's two frames went out, to B and to C.
    expect(clusterOf(a).counters.framesForwarded).toBe(forwarded + 4);
    expect(framesOf(aliceLog, sessionId).filter((f) => f.frame.frameSeq > 1)).toEqual([]);
    expect(framesOf(bobLog, sessionId).filter((f) => f.frame.frameSeq > 1)).toEqual([]);

    const refreshes = refreshesAt(desk).length;
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    await waitFor('a refresh request after observe', () => refreshesAt(desk).length > refreshes);
    // B and C accept frames only once they applied the observe themselves (they never trust A's word).
    const latestMode = (cl: WsTestClient): string | undefined => cl.all('session.state').filter((s) => s.sessionId === sessionId).pop()?.mode;
    await waitFor('B and C to apply the observe', () => latestMode(alice) === 'observe' && latestMode(bob) === 'observe');
    sendFrame(desk, [tile(sessionId, 22, 0, 0), endOfFrame(sessionId, 22)]);
    await waitFor('frame 22 at both', () => eofAt(aliceLog, sessionId, 22) && eofAt(bobLog, sessionId, 22));
    await alice.ask('session.end', { sessionId });
  });

  describe.each([
    ['member.remove', 'MemberRemoved'],
    ['mode hold', 'ModeChanged'],
    ['session.end', 'SessionEnded'],
  ] as const)('after %s', (what, eventType) => {
    it('no frame reaches a viewer that lost the screen after its event, on any node, while the agent keeps sending', async () => {
      const { desk, sessionId } = await session('observe', true);
      await wanted(sessionId, [b, c]);
      let seq = 0;
      let isSending = true;
      const streaming = (async () => {
        while (isSending) {
          seq += 1;
          sendFrame(desk, [tile(sessionId, seq, (seq % 8) * 64, 0), endOfFrame(sessionId, seq)]);
          await new Promise((r) => setTimeout(r, 1));
        }
      })();
      await waitFor('frames flowing to both', () => framesOf(aliceLog, sessionId).length >= 20 && framesOf(bobLog, sessionId).length >= 20);
      if (what === 'member.remove') await alice.ask('member.remove', { sessionId, memberId: 'bob' });
      else if (what === 'mode hold') await desk.ws.ask('mode.set', { sessionId, mode: 'hold' });
      else await alice.ask('session.end', { sessionId });
      const isCut = (log: Arrival[]): boolean => log.some((x) => x.kind === 'event' && x.event === 'session.event' && x.data.sessionId === sessionId && x.data.type === eventType);
      // The cut has reached the viewers' nodes (B and C; for a removal, C): the agent sends 50 more frames after that.
      await waitFor('the event at the viewers that lose the screen', () => isCut(bobLog) && (what === 'member.remove' || isCut(aliceLog)));
      const cutAt = seq;
      await waitFor('the agent sent 50 more frames', () => seq >= cutAt + 50);
      isSending = false;
      await streaming;
      await settle();

      const losers: Array<[string, Arrival[]]> = what === 'member.remove' ? [['bob', bobLog]] : [['alice', aliceLog], ['bob', bobLog]];
      for (const [, log] of losers) {
        const cut = log.findIndex((x) => x.kind === 'event' && x.event === 'session.event' && x.data.sessionId === sessionId && x.data.type === eventType && (eventType !== 'ModeChanged' || x.data.mode === 'hold'));
        expect(cut).toBeGreaterThan(0);
        expect(log.slice(0, cut).filter((x) => x.kind === 'frame' && x.frame.sessionId === sessionId).length).toBeGreaterThanOrEqual(20);
        expect(log.slice(cut).filter((x) => x.kind === 'frame' && x.frame.sessionId === sessionId)).toEqual([]);
      }
      if (what === 'member.remove') {
        // Only bob was cut: alice on B got the frames sent after the removal.
        expect(framesOf(aliceLog, sessionId).some((f) => f.frame.frameSeq > cutAt)).toBe(true);
        await alice.ask('session.end', { sessionId });
      } else if (what === 'mode hold') {
        await alice.ask('session.end', { sessionId });
      }
    });
  });

  it('never trusts the sender: B delivers forwarded frames only to whom its own audience allows, and not before it applied the sender\'s audience change', async () => {
    const held = await session('hold', false);
    const live = await session('observe', false);
    await wanted(live.sessionId, [b]);
    const forger: Store = new RedisStore({ url: redis.url, connectionName: 'forger' });
    try {
      const seqOnB = b.node.app.get(ScreenAudience).seqOf(live.sessionId);
      expect(seqOnB).toBeGreaterThan(0);
      const ahead = relayOf(b).counters.framesAhead;
      const batch = encodeBatch('forger', 1, [
        // A session in hold: B's audience is empty.
        { audienceSeq: 1, bytes: tile(held.sessionId, 900, 0, 0) },
        // A session B has not applied that audience change of yet (a seq it has not seen).
        { audienceSeq: seqOnB + 1000, bytes: tile(live.sessionId, 901, 0, 0) },
        // A session that does not exist.
        { audienceSeq: 1, bytes: tile('s_nobody_mc', 902, 0, 0) },
        // Not a frame at all.
        { audienceSeq: 1, bytes: Buffer.from('not a frame, but long enough to have a header') },
        // Allowed: delivered.
        { audienceSeq: seqOnB, bytes: tile(live.sessionId, 903, 0, 0) },
      ]);
      await forger.bus.publishBuffer!(framesChannelOf(clusterOf(b).nodeId), batch);
      await waitFor('the allowed forwarded frame at alice', () => framesOf(aliceLog, live.sessionId).some((f) => f.frame.frameSeq === 903));
      expect(framesOf(aliceLog, held.sessionId)).toEqual([]);
      expect(framesOf(aliceLog, live.sessionId).map((f) => f.frame.frameSeq)).toEqual([903]);
      expect(framesOf(aliceLog, 's_nobody_mc')).toEqual([]);
      expect(relayOf(b).counters.framesAhead).toBe(ahead + 2);
    } finally {
      await forger.close();
    }
    await alice.ask('session.end', { sessionId: held.sessionId });
    await alice.ask('session.end', { sessionId: live.sessionId });
  });

  it('keeps a stalled viewer on B within the bound, dropping superseded tiles, while C gets every frame; the agent on A is told to slow down, refreshed once B drains, and both end on the same screen', async () => {
    const { desk, sessionId } = await session('observe', true);
    await wanted(sessionId, [b, c]);
    const aliceConn = b.node.app.get(ConnectionRegistry).ofIdentity('person', 'alice')[0];
    const relayB = relayOf(b);
    const aliceStart = aliceLog.length;
    const bobStart = bobLog.length;
    const truth = new Array<number>(64).fill(-1);
    const tileAt = (seq: number, i: number, fill: number): Uint8Array => {
      truth[i] = fill;
      return tile(sessionId, seq, (i % 8) * 64, Math.floor(i / 8) * 64, 8 * 1024, fill);
    };
    const frameOf = (seq: number): Uint8Array[] => {
      const out = [tileAt(seq, 0, seq)];
      for (let k = 0; k < 7; k++) out.push(tileAt(seq, 1 + ((seq * 7 + k) % 63), seq));
      out.push(endOfFrame(sessionId, seq));
      return out;
    };
    const feedbackMark = desk.ws.received.length;

    ((alice.ws as unknown as { _socket: { pause(): void } })._socket).pause();
    let seq = 0;
    let most = 0;
    // Lock-step with bob on C until alice on B has dropped whole frames.
    while (seq < 3000 && (relayB.viewerStats(aliceConn.id)?.droppedFrames ?? 0) < 50) {
      seq += 1;
      sendFrame(desk, frameOf(seq));
      await waitFor(`frame ${seq} at bob`, () => eofAt(bobLog, sessionId, seq), 5000, 1);
      most = Math.max(most, relayB.queuedBytes(aliceConn.id) ?? 0);
    }
    const slow = relayB.viewerStats(aliceConn.id)!;
    expect(slow.droppedFrames).toBeGreaterThanOrEqual(50);
    expect(slow.supersededFrames).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(BOUND);
    expect(slow.peakBytes).toBeLessThanOrEqual(BOUND);
    // Bob on C got every tile of every frame, in order.
    const fast = framesOf(bobLog.slice(bobStart), sessionId);
    expect(fast).toHaveLength(seq * 9);
    expect(fast.filter((f) => f.frame.type === FrameType.EndOfFrame).map((f) => f.frame.frameSeq)).toEqual(Array.from({ length: seq }, (_v, i) => i + 1));
    // B reported its slow viewer; A tells the agent the slowest viewer's budget.
    await waitFor('a lower rung from B\'s slow viewer', () => desk.ws.received.slice(feedbackMark).some((m) => m.event === 'media.feedback' && m.data.sessionId === sessionId && m.data.level >= 2 && m.data.quality < 80), 5000);

    const refreshesBefore = refreshesAt(desk).length;
    const resumeMark = desk.ws.received.length;
    ((alice.ws as unknown as { _socket: { resume(): void } })._socket).resume();
    await waitFor('a refresh request from B once alice drained', () => refreshesAt(desk).length > refreshesBefore, 20000);
    seq += 1;
    const full: Uint8Array[] = [];
    for (let i = 0; i < 64; i++) full.push(tileAt(seq, i, (seq + i) & 0xff));
    full.push(endOfFrame(sessionId, seq));
    sendFrame(desk, full);
    seq += 1;
    sendFrame(desk, frameOf(seq));
    const last = seq;
    await waitFor('the last frame at both', () => eofAt(aliceLog, sessionId, last) && eofAt(bobLog, sessionId, last), 20000);

    const screenOf = (log: Arrival[]): number[] => {
      const screen = new Array<number>(64).fill(-1);
      for (const f of framesOf(log, sessionId)) if (f.frame.type === FrameType.Tile) screen[(f.frame.y / 64) * 8 + f.frame.x / 64] = f.frame.payload[0];
      return screen;
    };
    expect(screenOf(bobLog.slice(bobStart))).toEqual(truth);
    expect(screenOf(aliceLog.slice(aliceStart))).toEqual(truth);
    expect(framesOf(aliceLog.slice(aliceStart), sessionId).length).toBeLessThan(seq * 9);
    // The agent climbs back (a rung after every 3 clear seconds) to the full frame rate.
    await waitFor('feedback back at full frame rate', () => desk.ws.received.slice(resumeMark).some((m) => m.event === 'media.feedback' && m.data.sessionId === sessionId && m.data.maxFps === 30), 30_000, 100);
    await alice.ask('session.end', { sessionId });
  });
});
