import { inflateSync } from 'node:zlib';
import type { CaptureResult } from '../../src/agent/screen-source';
import { ConnectionRegistry } from '../../src/gateways/connection-registry';
import { decodeFrame, FrameType, type MediaFrame } from '../../src/media/frame-codec';
import { MediaRelay } from '../../src/media/relay';
import { decodeJpeg } from '../../src/native';
import { decodeLossless } from '../../src/native/lossless-codec';
import { X11Screen } from '../../src/native/x11';
import type { RunningNode } from '../../src/node/start-node';
import { startDesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { waitFor } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const W = 1280;
const H = 720;
const BOUND = 256 * 1024;

/** A viewer's picture of the monitor, painted from the tiles it received, in arrival order. */
class Canvas {
  readonly px = new Uint8Array(W * H * 4);
  paint(f: MediaFrame): void {
    if (f.type !== FrameType.Tile || f.monitor !== 0) return;
    const bgra = f.encoding === 1 ? decodeJpeg(f.payload).data : (() => {
      const out = decodeLossless(f.payload, f.width, f.height, (z) => inflateSync(z));
      if (!out.ok) throw new Error(out.message);
      return out.bgra;
    })();
    for (let y = 0; y < f.height; y++) this.px.set(bgra.subarray(y * f.width * 4, (y + 1) * f.width * 4), ((f.y + y) * W + f.x) * 4);
  }
}

/**
 * The media path with the real agent on Xvfb: a fast viewer and a stalled one on one session while
 * the screen keeps changing. The fast one stays current, the stalled one stays within its byte
 * bound, and once it reads again both hold exactly the screen that is on the display.
 */
describe('media path with the real agent', () => {
  let x: TestDisplay;
  let t: TestNode & { node: RunningNode };

  beforeAll(async () => {
    x = await startXvfb({ width: W, height: H });
    // A long heartbeat: the stalled viewer must not be cut for not answering pings while it is stalled.
    t = await startInProcessNode({ media: { viewerBufferBytes: BOUND }, ws: { heartbeatMs: 120_000 } });
  });

  afterAll(async () => {
    await t?.stop();
    await x?.stop();
  });

  it('keeps the fast viewer current and the stalled one bounded; both end on the screen the display shows', async () => {
    const x11 = new X11Screen(x.display);
    const painter = new X11Screen(x.display);
    const captures: number[] = [];
    const desk = await startDesktopAgent(t, 'desk-media', {
      screen: {
        monitors: () => x11.monitors(),
        capture: async (m, o): Promise<CaptureResult> => {
          const r = await x11.capture(m, o);
          if (r.tiles.length > 0) captures.push(r.timestamp);
          return r;
        },
        close: () => x11.close(),
      },
    });
    const { agentId } = desk;
    const alice = await person(t, 'alice');
    const bob = await person(t, 'bob');
    const canvases = new Map<WsTestClient, Canvas>([[alice, new Canvas()], [bob, new Canvas()]]);
    const seen = new Map<WsTestClient, number>([[alice, 0], [bob, 0]]);
    const newest = new Map<WsTestClient, number>([[alice, 0], [bob, 0]]);
    const drain = (c: WsTestClient): void => {
      const from = seen.get(c)!;
      for (const raw of c.binary.slice(from)) {
        const p = decodeFrame(raw);
        if (!p.ok) continue;
        canvases.get(c)!.paint(p.frame);
        if (p.frame.type === FrameType.EndOfFrame) newest.set(c, Math.max(newest.get(c)!, p.frame.timestamp));
      }
      seen.set(c, c.binary.length);
    };
    let stop = false;
    try {
      await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === agentId));
      const { sessionId } = await alice.ask('assist.request', { agentId });
      await desk.waitForQuestion('asks to view your screen');
      desk.type('y', 'observe');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'observe');
      const { inviteId } = await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
      await bob.ask('invite.respond', { sessionId, inviteId, accept: true });
      const bobConn = t.node.app.get(ConnectionRegistry).ofIdentity('person', 'bob')[0]!;
      const relay = t.node.app.get(MediaRelay);
      await waitFor('bob sees tiles', () => bob.binary.length > 0, 10000);

      // Bob stops reading; the whole screen keeps changing: every 30 ms, 600 small squares of random
      // colours (busy tiles, JPEG: ~1 MB a capture, so his socket buffers and queue fill in a second).
      ((bob.ws as unknown as { _socket: { pause(): void } })._socket).pause();
      let seed = 7;
      const rand = (k: number): number => {
        seed = (seed * 1103515245 + 12345) >>> 0;
        return seed % k;
      };
      const painting = (async () => {
        while (!stop) {
          for (let i = 0; i < 600; i++) painter.paint(rand(W - 12), rand(H - 12), 12, 12, rand(0xffffff));
          await new Promise((r) => setTimeout(r, 30));
        }
      })();
      let most = 0;
      let behindWorst = 0;
      // Until the stalled viewer's queue is full and newer tiles replace older ones in it (its kernel
      // socket buffers fill first).
      for (let i = 0; i < 60 || ((relay.viewerStats(bobConn.id)?.supersededFrames ?? 0) < 50 && i < 400); i++) {
        await new Promise((r) => setTimeout(r, 50));
        most = Math.max(most, relay.queuedBytes(bobConn.id) ?? 0);
        drain(alice);
        // How many of the agent's captures (with changes) are newer than what the fast viewer has.
        const have = newest.get(alice)!;
        behindWorst = Math.max(behindWorst, captures.filter((ts) => ts > have).length);
      }
      stop = true;
      await painting;
      // The bound is on frame bytes; the socket's count adds each queued message's ws header (≤ 14 bytes).
      expect(most).toBeLessThanOrEqual(BOUND + 4096);
      expect(relay.viewerStats(bobConn.id)!.peakBytes).toBeLessThanOrEqual(BOUND);
      // Latest pixels, not every pixel: older tiles of the same place were dropped from his queue.
      expect(relay.viewerStats(bobConn.id)!.supersededFrames).toBeGreaterThanOrEqual(50);
      // The fast viewer is never more than a capture or two behind the agent (one in flight, one being sent).
      expect(behindWorst).toBeLessThanOrEqual(2);
      expect(relay.viewerStats(t.node.app.get(ConnectionRegistry).ofIdentity('person', 'alice')[0]!.id)!.droppedFrames).toBe(0);

      // Bob reads again; the screen is still. Both must end on what the display shows (JPEG tiles:
      // within JPEG error of it; lossless tiles, exactly).
      ((bob.ws as unknown as { _socket: { resume(): void } })._socket).resume();
      const truth = new Canvas();
      for (const tile of (await painter.capture(0, { full: true, quality: 90, mode: 'lossless' })).tiles) {
        truth.paint({ type: FrameType.Tile, encoding: tile.encoding, monitor: 0, frameSeq: 0, timestamp: 0, x: tile.x, y: tile.y, width: tile.width, height: tile.height, sessionId, payload: tile.data });
      }
      /** Share of pixels off by more than JPEG's error at q80 on sharp edges. */
      const wrong = (a: Uint8Array): number => {
        let bad = 0;
        for (let i = 0; i < a.length; i += 4) {
          if (Math.abs(a[i]! - truth.px[i]!) + Math.abs(a[i + 1]! - truth.px[i + 1]!) + Math.abs(a[i + 2]! - truth.px[i + 2]!) > 120) bad++;
        }
        return bad / (W * H);
      };
      await waitFor('both viewers on the final screen', () => {
        drain(alice);
        drain(bob);
        return wrong(canvases.get(alice)!.px) < 0.01 && wrong(canvases.get(bob)!.px) < 0.01;
      }, 20000, 200);
    } finally {
      stop = true;
      desk.stop();
      painter.close();
      await alice.close();
      await bob.close();
    }
  });
});
