import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as wrtc from '@roamhq/wrtc';
import { RtcPublisher, type WrtcModule } from '../../src/agent/rtc-publisher';
import { X11Screen } from '../../src/native/x11';
import { launchChromium } from '../support/chromium';
import { startDesktopAgent, type DesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { waitFor } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const W = 1280;
const H = 720;

interface Picture { width: number; height: number; rgba: Uint8ClampedArray; at: number }

/**
 * A node-side WebRTC viewer speaking the rtc.* protocol on a technician's socket: a recvonly video
 * transceiver, its frames read with RTCVideoSink and turned into RGBA.
 */
class NodeViewer {
  readonly pc: RTCPeerConnection;
  readonly pictures: Picture[] = [];
  frames = 0;
  viewerId = '';
  closed: { code?: string; reason?: string } | undefined;
  private sink?: { stop(): void; onframe: unknown };
  private readonly unsent: RTCIceCandidate[] = [];
  private readonly onMessage: (raw: Buffer, isBinary: boolean) => void;

  constructor(private readonly client: WsTestClient, readonly sessionId: string, iceServers: RTCIceServer[] = []) {
    this.pc = new wrtc.RTCPeerConnection({ iceServers });
    this.pc.addTransceiver('video', { direction: 'recvonly' });
    this.pc.ontrack = (e) => {
      const sink = new wrtc.nonstandard.RTCVideoSink(e.track) as unknown as { stop(): void; onframe: (ev: { frame: { width: number; height: number; data: Uint8Array } }) => void };
      sink.onframe = ({ frame }) => {
        this.frames += 1;
        // Keep the last few only, converted (8-bit I420 → RGBA).
        const rgba = new Uint8ClampedArray(frame.width * frame.height * 4);
        wrtc.nonstandard.i420ToRgba(frame, { width: frame.width, height: frame.height, data: rgba as unknown as Uint8Array });
        this.pictures.push({ width: frame.width, height: frame.height, rgba, at: performance.now() });
        if (this.pictures.length > 8) this.pictures.shift();
      };
      this.sink = sink;
    };
    this.pc.onicecandidate = (e) => {
      if (!e.candidate) return;
      if (this.viewerId) this.sendCandidate(e.candidate);
      else this.unsent.push(e.candidate);
    };
    this.onMessage = (raw, isBinary) => {
      if (isBinary) return;
      const msg = JSON.parse(raw.toString()) as { event: string; data: Record<string, any> };
      const d = msg.data;
      if (d?.sessionId !== this.sessionId) return;
      if (d.viewerId !== undefined && d.viewerId !== this.viewerId) return;
      if (msg.event === 'rtc.answer') void this.pc.setRemoteDescription({ type: 'answer', sdp: d.sdp });
      if (msg.event === 'rtc.ice') void this.pc.addIceCandidate({ candidate: d.candidate, sdpMid: d.sdpMid ?? null, sdpMLineIndex: d.sdpMLineIndex ?? null }).catch(() => undefined);
      if (msg.event === 'rtc.closed') this.closed = { code: d.code, reason: d.reason };
    };
    client.ws.on('message', this.onMessage);
  }

  /** rtc.config then rtc.offer; resolves with the offer's ack (rejects with the node's refusal). */
  async connect(): Promise<{ viewerId: string }> {
    const cfg = await this.client.ask('rtc.config', { sessionId: this.sessionId });
    const offer = await this.pc.createOffer();
    await this.pc.setLocalDescription(offer);
    const ack = await this.client.ask('rtc.offer', { sessionId: this.sessionId, sdp: offer.sdp });
    expect(ack.viewerId).toBe(cfg.viewerId);
    this.viewerId = ack.viewerId;
    for (const c of this.unsent.splice(0)) this.sendCandidate(c);
    return ack;
  }

  /** The colour [r, g, b] at x, y of the newest picture. */
  pixel(x: number, y: number): number[] | undefined {
    const p = this.pictures[this.pictures.length - 1];
    if (!p) return undefined;
    const i = (y * p.width + x) * 4;
    return [p.rgba[i]!, p.rgba[i + 1]!, p.rgba[i + 2]!];
  }

  close(): void {
    this.client.ws.off('message', this.onMessage);
    this.sink?.stop();
    this.pc.close();
  }

  private sendCandidate(c: RTCIceCandidate): void {
    this.client.request('rtc.ice', { sessionId: this.sessionId, candidate: c.candidate, sdpMid: c.sdpMid ?? undefined, sdpMLineIndex: c.sdpMLineIndex ?? undefined }).catch(() => undefined);
  }
}

const near = (got: number[] | undefined, want: number[], tolerance = 16): boolean => !!got && got.every((v, i) => Math.abs(v - want[i]!) <= tolerance);

/**
 * @roamhq/wrtc 0.10.0 crashes the process at teardown (SIGSEGV/abort in an RTCRtpReceiver finalizer
 * that unrefs a track finalized before it) when receiver wrappers are still alive when Node frees
 * the environment. Collected by an ordinary GC while the process runs, they finalize in a safe
 * order: the suite's peers are all closed and unreachable by afterAll, so it collects them.
 */
async function collectWrtcGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface RealAgent extends DesktopAgent {
  rtc: RtcPublisher;
  logs: string[];
}

/** The real agent (see test/support/desktop-agent.ts) with the real X11 screen and RtcPublisher on @roamhq/wrtc. */
async function startAgent(t: TestNode, display: string, name: string): Promise<RealAgent> {
  const x11 = new X11Screen(display);
  const logs: string[] = [];
  const rtc = new RtcPublisher({ wrtc: wrtc as unknown as WrtcModule, log: (l) => logs.push(l) });
  const desk = await startDesktopAgent(t, name, {
    screen: { monitors: () => x11.monitors(), capture: (m, o) => x11.capture(m, o), close: () => x11.close() },
    injector: x11, rtc, log: (l) => logs.push(l),
  });
  return { ...desk, rtc, logs };
}

/**
 * The WebRTC screen path end to end: the real agent (AgentClient, real X11Screen, real terminal
 * prompt over a pipe, RtcPublisher with @roamhq/wrtc) on Xvfb against a real node; a technician's
 * socket carries the signalling for a node-side WebRTC viewer.
 */
describe('WebRTC screen on Xvfb', () => {
  let t: TestNode;
  let x: TestDisplay;

  beforeAll(async () => {
    x = await startXvfb({ width: W, height: H });
    await x.x('xsetroot', ['-solid', '#3366cc']);
    t = await startInProcessNode();
  });

  afterAll(async () => {
    await t?.stop();
    await x?.stop();
    await collectWrtcGarbage();
  });

  it('refuses offers in hold and from a non-member, streams the screen at its size with its colours and changes, and closes the peer on hold', async () => {
    const desk = await startAgent(t, x.display, 'desk-rtc');
    const { agentId, logs, rtc } = desk;
    const alice = await person(t, 'alice');
    const bob = await person(t, 'bob');
    const painter = new X11Screen(x.display);
    const viewers: NodeViewer[] = [];
    const viewer = (c: WsTestClient, sessionId: string): NodeViewer => {
      const v = new NodeViewer(c, sessionId);
      viewers.push(v);
      return v;
    };
    try {
      await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.find((a: { agentId: string }) => a.agentId === agentId));
      const { sessionId } = await alice.ask('assist.request', { agentId });
      await desk.waitForQuestion(/asks to view your screen/);
      desk.type('y');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active' && s.mode === 'hold');

      // Hold: the session actor refuses the offer with the domain's code; nothing reaches the agent.
      await expect(viewer(alice, sessionId).connect()).rejects.toMatchObject({ code: 'SCREEN_NOT_VISIBLE' });

      desk.type('observe');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'observe');

      // A technician who is not a member is refused, in observe too.
      await expect(viewer(bob, sessionId).connect()).rejects.toMatchObject({ code: 'NOT_MEMBER' });
      expect(rtc.stats.offers).toBe(0);

      // Observe: the member's WebRTC viewer gets the screen at its size, in its colour.
      const v = viewer(alice, sessionId);
      const { viewerId } = await v.connect();
      expect(viewerId).toMatch(/^alice~[0-9a-f]+$/);
      await waitFor('the peer connected', () => v.pc.connectionState === 'connected', 10000);
      const first = await waitFor('a decoded frame', () => v.pictures[v.pictures.length - 1], 10000);
      expect([first.width, first.height]).toEqual([W, H]);
      await waitFor('the root colour', () => near(v.pixel(640, 360), [0x33, 0x66, 0xcc]), 10000);
      expect(rtc.peerIds).toEqual([viewerId]);

      // A rectangle painted on the display shows up in the video, the rest keeps its colour.
      painter.paint(200, 120, 240, 160, 0xff8800);
      await waitFor('the painted rectangle', () => near(v.pixel(320, 200), [0xff, 0x88, 0x00]), 10000, 20)
        .catch((e: Error) => { throw new Error(`${e.message}; pixel ${String(v.pixel(320, 200))}`); });
      expect(near(v.pixel(900, 600), [0x33, 0x66, 0xcc])).toBe(true);

      // Hold: the viewer is told (with the domain's code), the agent closes the peer, no frame follows.
      desk.type('hold');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'hold');
      await waitFor('rtc.closed', () => v.closed);
      expect(v.closed).toMatchObject({ code: 'SCREEN_NOT_VISIBLE' });
      await waitFor('the agent\'s peer closed', () => rtc.peerIds.length === 0);
      await new Promise((r) => setTimeout(r, 300)); // packets already in flight
      const seen = v.frames;
      painter.paint(0, 0, 320, 240, 0x11ee22);
      await new Promise((r) => setTimeout(r, 1500));
      expect(v.frames).toBe(seen);

      // And a new offer is refused again while in hold.
      await expect(viewer(alice, sessionId).connect()).rejects.toMatchObject({ code: 'SCREEN_NOT_VISIBLE' });
      desk.type('close');
      await alice.next('session.ended', (e) => e.sessionId === sessionId);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nagent log:\n${logs.slice(-20).join('\n')}`, { cause: err });
    } finally {
      for (const v of viewers) v.close();
      painter.close();
      desk.stop();
      await alice.close();
      await bob.close();
    }
  });

  it('closes a removed member\'s peer and keeps the others, hangs up a closed tab, and passes answers only from the session\'s agent', async () => {
    const desk = await startAgent(t, x.display, 'desk-rtc-2');
    const alice = await person(t, 'alice');
    const bob = await person(t, 'bob');
    const viewers: NodeViewer[] = [];
    try {
      await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.find((a: { agentId: string }) => a.agentId === desk.agentId));
      const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
      await desk.waitForQuestion(/asks to view your screen/);
      desk.type('y', 'observe');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'observe');
      const inviteId = (await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } })).inviteId;
      await bob.ask('invite.respond', { sessionId, inviteId, accept: true });

      const va = new NodeViewer(alice, sessionId);
      const vb = new NodeViewer(bob, sessionId);
      viewers.push(va, vb);
      await va.connect();
      const { viewerId: bobViewer } = await vb.connect();
      await waitFor('both viewers get frames', () => va.frames > 0 && vb.frames > 0, 10000);
      expect(desk.rtc.peerIds.sort()).toEqual([va.viewerId, vb.viewerId].sort());

      // Only the session's agent may answer its viewers: another agent is refused, and so is a viewer id outside the session.
      const forger = await agent(t, 'desk-rtc-forger', '565656');
      try {
        await expect(forger.ws.ask('rtc.answer', { sessionId, viewerId: bobViewer, sdp: 'v=0' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
        await expect(forger.ws.ask('rtc.ice', { sessionId, viewerId: bobViewer, candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
      } finally {
        await forger.ws.close();
      }
      // A viewer may not send what only the agent sends.
      await expect(bob.ask('rtc.answer', { sessionId, viewerId: va.viewerId, sdp: 'v=0' })).rejects.toMatchObject({ code: 'UNKNOWN_EVENT' });
      // Size limits: an SDP over 64 KiB is invalid data.
      await expect(alice.ask('rtc.offer', { sessionId, sdp: 'x'.repeat(64 * 1024 + 1) })).rejects.toMatchObject({ code: 'INVALID_DATA' });

      // The owner removes bob: his tab is told (NOT_MEMBER), his peer goes, alice keeps hers and her frames.
      await alice.ask('member.remove', { sessionId, memberId: 'bob' });
      await waitFor('bob told', () => vb.closed);
      expect(vb.closed).toMatchObject({ code: 'NOT_MEMBER' });
      await waitFor('bob\'s peer closed on the agent', () => desk.rtc.peerIds.length === 1);
      expect(desk.rtc.peerIds).toEqual([va.viewerId]);
      expect(va.closed).toBeUndefined();
      const painter = new X11Screen(x.display);
      try {
        painter.paint(600, 300, 200, 100, 0xaa22cc);
        await waitFor('alice still sees changes', () => near(va.pixel(700, 350), [0xaa, 0x22, 0xcc]), 10000);
      } finally {
        painter.close();
      }
      const again = new NodeViewer(bob, sessionId);
      viewers.push(again);
      await expect(again.connect()).rejects.toMatchObject({ code: 'NOT_MEMBER' });

      // Alice's tab closes: the node hangs up her peer on the agent.
      await alice.close();
      await waitFor('alice\'s peer hung up', () => desk.rtc.peerIds.length === 0, 5000);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nagent log:\n${desk.logs.slice(-20).join('\n')}`, { cause: err });
    } finally {
      for (const v of viewers) v.close();
      desk.stop();
      await alice.close();
      await bob.close();
    }
  });

  it('the cockpit in Chromium prefers WebRTC: the video shows the desktop and its changes, clicks still reach the desktop, hold falls back to tiles', async () => {
    const desk = await startAgent(t, x.display, 'desk-rtc-web');
    const tech = await launchChromium();
    const painter = new X11Screen(x.display);
    try {
      await x.x('xsetroot', ['-solid', '#3366cc']);
      const page = await (await tech.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      page.setDefaultTimeout(10000);
      await page.goto(`${t.url}/`);
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alice-pw');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-agent="desk-rtc-web"]').click();
      await page.getByRole('button', { name: 'Assist desk-rtc-web' }).click();
      await desk.waitForQuestion(/asks to view your screen/);
      desk.type('y', 'interact');
      await page.locator('[data-testid="mode"]', { hasText: 'Interact' }).waitFor();

      // The stage switches to the WebRTC video once its first frame is decoded.
      await page.locator('.stage[data-transport="webrtc"]').waitFor({ timeout: 15000 })
        .catch((e: Error) => { throw new Error(`${e.message}; agent: ${desk.logs.slice(-10).join(' | ')}`); });
      const video = page.getByTestId('rtc-video');
      expect(await video.evaluate((v: HTMLVideoElement) => [v.videoWidth, v.videoHeight])).toEqual([W, H]);
      expect(desk.rtc.peerIds).toHaveLength(1);
      const videoPixel = (px: number, py: number): Promise<number[]> => video.evaluate((v: HTMLVideoElement, p) => {
        const c = document.createElement('canvas');
        c.width = v.videoWidth;
        c.height = v.videoHeight;
        const g = c.getContext('2d')!;
        g.drawImage(v, 0, 0);
        return [...g.getImageData(p.px, p.py, 1, 1).data.slice(0, 3)];
      }, { px, py });
      await waitFor('the desktop colour in the video', async () => near(await videoPixel(900, 600), [0x33, 0x66, 0xcc]), 10000, 100);
      painter.paint(100, 100, 300, 200, 0xee7711);
      await waitFor('the painted change in the video', async () => near(await videoPixel(250, 200), [0xee, 0x77, 0x11]), 10000, 100);

      // Input still goes over the WebSocket, from positions on the (transparent) canvas over the video.
      const canvas = page.getByLabel('Remote screen');
      const b = (await canvas.boundingBox())!;
      await page.mouse.move(b.x + b.width * 0.25, b.y + b.height * 0.5);
      await page.mouse.down();
      await page.mouse.up();
      await waitFor('the click on the desktop', async () => {
        const m = /x:(\d+) y:(\d+)/.exec(await x.x('xdotool', ['getmouselocation']));
        return m !== null && Math.abs(Number(m[1]) - 0.25 * (W - 1)) <= 3 && Math.abs(Number(m[2]) - 0.5 * (H - 1)) <= 3;
      }, 5000, 50);

      // Hold: the peer is closed and the cockpit is back on the tile canvas (hidden while nothing is shared).
      desk.type('hold');
      await page.locator('.stage[data-transport="tiles"]').waitFor();
      await waitFor('the agent\'s peer closed', () => desk.rtc.peerIds.length === 0);
      expect(await video.evaluate((v: HTMLVideoElement) => v.style.display)).toBe('none');
      // Observe again: WebRTC comes back.
      desk.type('observe');
      await page.locator('.stage[data-transport="webrtc"]').waitFor({ timeout: 15000 });
      expect(desk.rtc.peerIds).toHaveLength(1);
    } catch (err) {
      throw new Error(`${(err as Error).message}\nagent log:\n${desk.logs.slice(-20).join('\n')}`, { cause: err });
    } finally {
      painter.close();
      desk.stop();
      await tech.close();
    }
  });
});
