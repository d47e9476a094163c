/**
 * Glass-to-glass latency of the screen on loopback, tiles next to WebRTC, measured in the same run on
 * the same paints: a rectangle is painted on a real Xvfb and timed until
 *   (a) a tile viewer (a technician's WebSocket) has received and decoded a tile whose pixel there
 *       has the new colour, and
 *   (b) a WebRTC viewer (@roamhq/wrtc RTCPeerConnection + RTCVideoSink, as in the e2e test) holds a
 *       decoded frame whose pixel there has the new colour.
 * The agent is the real `tandem-agent` CLI (its own process, WebRTC on) against a real node in this
 * process. Prints p50 / p99; never judges (no thresholds: these machines are noisy).
 *
 *   npm run bench        or   node build/bench/bench/rtc-latency.js [--samples 50] [--fps 30]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import * as wrtc from '@roamhq/wrtc';
import { decodeFrame, FrameType } from '../src/media/frame-codec';
import { decodeJpeg } from '../src/native';
import { decodeLossless } from '../src/native/lossless-codec';
import { X11Screen } from '../src/native/x11';
import { startInProcessNode } from '../test/support/node';
import { person } from '../test/support/people';
import { startProcess } from '../test/support/processes';
import { waitFor } from '../test/support/wait';
import type { WsTestClient } from '../test/support/ws-client';
import { startXvfb } from '../test/support/xvfb';

const W = 1280;
const H = 720;
const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) || fallback : fallback;
};
const SAMPLES = arg('samples', 50);
const FPS = arg('fps', 30);
/** The painted square (tile-aligned) and the probed pixel at its centre. */
const SQ = { x: 256, y: 256, w: 128, h: 128 };
const PX = { x: SQ.x + SQ.w / 2, y: SQ.y + SQ.h / 2 };
const COLOURS = [0xe02020, 0x2040e0, 0x20c040, 0xe0c020];
const BACKGROUND = '#303030';
const TIMEOUT_MS = 3000;

const rgbOf = (c: number): number[] => [(c >> 16) & 0xff, (c >> 8) & 0xff, c & 0xff];
const near = (a: number[], b: number[], tol: number): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** One pixel of an I420 frame as [r, g, b] (BT.601 limited range, what libwebrtc decodes to). */
function i420Pixel(f: { width: number; height: number; data: Uint8Array }, x: number, y: number): number[] {
  const cw = Math.ceil(f.width / 2);
  const ch = Math.ceil(f.height / 2);
  const Y = f.data[y * f.width + x]! - 16;
  const U = f.data[f.width * f.height + (y >> 1) * cw + (x >> 1)]! - 128;
  const V = f.data[f.width * f.height + cw * ch + (y >> 1) * cw + (x >> 1)]! - 128;
  const clamp = (v: number): number => Math.max(0, Math.min(255, Math.round(v)));
  return [clamp(1.164 * Y + 1.596 * V), clamp(1.164 * Y - 0.813 * V - 0.391 * U), clamp(1.164 * Y + 2.018 * U)];
}

/** Watches a stream of pictures for the probed pixel turning into `want`. */
class Probe {
  want: number[] | null = null;
  t0 = 0;
  resolve: ((ms: number) => void) | null = null;

  expect(want: number[], t0: number): Promise<number> {
    this.want = want;
    this.t0 = t0;
    return new Promise((r) => { this.resolve = r; });
  }

  saw(rgb: number[], tolerance: number): void {
    if (!this.want || !this.resolve || !near(rgb, this.want, tolerance)) return;
    const ms = performance.now() - this.t0;
    const r = this.resolve;
    this.want = null;
    this.resolve = null;
    r(ms);
  }
}

/** (a) The tile path: every tile covering the probe is decoded as it arrives. */
function watchTiles(client: WsTestClient, sessionId: string, probe: Probe): void {
  client.ws.on('message', (raw: Buffer, isBinary: boolean) => {
    if (!isBinary || !probe.want) return;
    const parsed = decodeFrame(raw);
    if (!parsed.ok) return;
    const f = parsed.frame;
    if (f.sessionId !== sessionId || f.type !== FrameType.Tile || f.monitor !== 0) return;
    if (PX.x < f.x || PX.x >= f.x + f.width || PX.y < f.y || PX.y >= f.y + f.height) return;
    let bgra: Uint8Array;
    if (f.encoding === 1) bgra = decodeJpeg(f.payload).data;
    else if (f.encoding === 2) {
      const out = decodeLossless(f.payload, f.width, f.height, (z) => inflateSync(z));
      if (!out.ok) return;
      bgra = out.bgra;
    } else if (f.encoding === 3) bgra = f.payload;
    else return;
    const i = ((PX.y - f.y) * f.width + (PX.x - f.x)) * 4;
    probe.saw([bgra[i + 2]!, bgra[i + 1]!, bgra[i]!], 24);
  });
}

/** (b) The WebRTC path: a recvonly peer signalled over the technician's socket; every decoded frame is probed. */
async function watchRtc(client: WsTestClient, sessionId: string, probe: Probe): Promise<{ pc: RTCPeerConnection; frames: () => number; size: () => string }> {
  const cfg = await client.ask('rtc.config', { sessionId });
  const pc = new wrtc.RTCPeerConnection({ iceServers: cfg.iceServers });
  pc.addTransceiver('video', { direction: 'recvonly' });
  let frames = 0;
  let size = '';
  pc.ontrack = (e) => {
    const sink = new wrtc.nonstandard.RTCVideoSink(e.track) as unknown as { onframe: (ev: { frame: { width: number; height: number; data: Uint8Array } }) => void };
    sink.onframe = ({ frame }) => {
      frames += 1;
      size = `${frame.width}x${frame.height}`;
      if (probe.want) probe.saw(i420Pixel(frame, PX.x, PX.y), 40);
    };
  };
  const unsent: RTCIceCandidate[] = [];
  let acked = false;
  const send = (c: RTCIceCandidate): void => void client.request('rtc.ice', { sessionId, candidate: c.candidate, sdpMid: c.sdpMid ?? undefined, sdpMLineIndex: c.sdpMLineIndex ?? undefined });
  pc.onicecandidate = (e) => {
    if (!e.candidate) return;
    if (acked) send(e.candidate);
    else unsent.push(e.candidate);
  };
  client.ws.on('message', (raw: Buffer, isBinary: boolean) => {
    if (isBinary) return;
    const msg = JSON.parse(raw.toString()) as { event: string; data: Record<string, any> };
    const d = msg.data;
    if (d?.sessionId !== sessionId || d.viewerId !== cfg.viewerId) return;
    if (msg.event === 'rtc.answer') void pc.setRemoteDescription({ type: 'answer', sdp: d.sdp });
    if (msg.event === 'rtc.ice') void pc.addIceCandidate({ candidate: d.candidate, sdpMid: d.sdpMid ?? null, sdpMLineIndex: d.sdpMLineIndex ?? null }).catch(() => undefined);
  });
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  await client.ask('rtc.offer', { sessionId, sdp: offer.sdp });
  acked = true;
  for (const c of unsent.splice(0)) send(c);
  return { pc, frames: () => frames, size: () => size };
}

async function main(): Promise<void> {
  const x = await startXvfb({ width: W, height: H });
  await x.x('xsetroot', ['-solid', BACKGROUND]);
  const node = await startInProcessNode();
  const tmp = mkdtempSync(join(tmpdir(), 'tandem-rtc-bench-'));
  const cli = resolve(__dirname, '..', 'src', 'agent', 'cli.js');
  const agent = startProcess('tandem-agent', process.execPath, [
    cli, 'run', '--server', node.url, '--secret', 'test-enroll-secret', '--config', join(tmp, 'agent.json'), '--display', x.display, '--name', 'bench-rtc', '--fps', String(FPS), '--quality', '80',
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  const painter = new X11Screen(x.display);
  const alice = await person(node, 'alice');
  try {
    await waitFor('the node to acknowledge the agent (its PIN is said after the hello ack)', () => agent.output().includes('online; Assist PIN'), 15000);
    const row = await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.find((a: { hostname: string }) => a.hostname === 'bench-rtc'));
    const { sessionId } = await alice.ask('assist.request', { agentId: row.agentId });
    await waitFor('the consent question', () => agent.output().includes('asks to view your screen'));
    agent.child.stdin!.write('y\nobserve\n');
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.mode === 'observe', 10000);

    const tiles = new Probe();
    const rtc = new Probe();
    watchTiles(alice, sessionId, tiles);
    const peer = await watchRtc(alice, sessionId, rtc);
    await waitFor('WebRTC frames', () => peer.frames() > 0, 15000).catch((e: Error) => { throw new Error(`${e.message}; the agent said: ${agent.output().slice(-2000)}`); });

    // Warm-up: a few paints not counted (the encoder's bitrate ramps up on a new peer).
    const result = { tiles: [] as number[], rtc: [] as number[], missed: { tiles: 0, rtc: 0 } };
    const timeout = (): Promise<number> => new Promise((r) => setTimeout(() => r(-1), TIMEOUT_MS));
    for (let i = -5; i < SAMPLES; i++) {
      const colour = COLOURS[(i + 5) % COLOURS.length]!;
      const t0 = performance.now();
      const [a, b] = [Promise.race([tiles.expect(rgbOf(colour), t0), timeout()]), Promise.race([rtc.expect(rgbOf(colour), t0), timeout()])];
      painter.paint(SQ.x, SQ.y, SQ.w, SQ.h, colour);
      const [ta, tb] = await Promise.all([a, b]);
      tiles.want = rtc.want = null;
      if (i >= 0) {
        if (ta >= 0) result.tiles.push(ta); else result.missed.tiles++;
        if (tb >= 0) result.rtc.push(tb); else result.missed.rtc++;
      }
      await new Promise((r) => setTimeout(r, 80 + Math.random() * 120)); // off the capture rhythm
    }

    const fmt = (xs: number[]): string => (xs.length ? `${percentile(xs, 50).toFixed(1).padStart(7)} ms  ${percentile(xs, 99).toFixed(1).padStart(7)} ms` : '      —          —');
    console.log(`glass-to-glass on loopback: ${W}x${H} Xvfb, agent at ${FPS} fps quality 80, ${SAMPLES} paints of ${SQ.w}x${SQ.h} px (the same paints for both)`);
    console.log(`  ${'path'.padEnd(44)}     p50         p99    missed`);
    console.log(`  ${'tiles (WebSocket → node → WebSocket, decoded)'.padEnd(44)} ${fmt(result.tiles)}  ${String(result.missed.tiles).padStart(4)}`);
    console.log(`  ${'WebRTC (VP8 peer-to-peer, sink frame)'.padEnd(44)} ${fmt(result.rtc)}  ${String(result.missed.rtc).padStart(4)}`);
    console.log(`  WebRTC frames received ${peer.frames()} at ${peer.size()}; missed = no matching picture within ${TIMEOUT_MS} ms`);
    peer.pc.close();
  } finally {
    painter.close();
    await alice.close();
    agent.child.kill('SIGTERM');
    await agent.stop();
    await node.stop();
    await x.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

// @roamhq/wrtc must not be finalized at environment teardown (see test/e2e/webrtc.e2e-spec.ts): exit explicitly.
main().then(() => process.exit(0), (err: unknown) => {
  console.error(err);
  process.exit(1);
});
