import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { decodeFrame, encodeFrame, Encoding, FrameType } from '../../src/media/frame-codec';
import type { RunningNode } from '../../src/node/start-node';
import { decodeRecording, recordJson, RecordKind, type RecordingRecord } from '../../src/recording/recording-format';
import { SessionRecorder } from '../../src/recording/session-recorder';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person, reconnectAgent, type TestAgent } from '../support/people';
import { startRedis, type TestRedis } from '../support/redis';
import { waitFor } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';

const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');
const VIEWPORT = { width: 1280, height: 800 };
const W = 256;
const H = 128;
const T = 64;
const MAX_BYTES = 2 * 1024 * 1024;

type Rgb = [number, number, number];
/** The screen as the test draws it: one colour per 64×64 tile (4 × 2 tiles). */
type Screen = Rgb[];

const tileAt = (i: number): { x: number; y: number } => ({ x: (i % 4) * T, y: Math.floor(i / 4) * T });

function tileFrame(sessionId: string, frameSeq: number, i: number, [r, g, b]: Rgb): Buffer {
  const payload = new Uint8Array(T * T * 4);
  for (let p = 0; p < payload.length; p += 4) {
    // A gradient inside the tile, so a misplaced or scaled tile shows in the pixel compare.
    const px = (p / 4) % T;
    payload[p] = (b + px) & 0xff;
    payload[p + 1] = g;
    payload[p + 2] = r;
    payload[p + 3] = 255;
  }
  const { x, y } = tileAt(i);
  return Buffer.from(encodeFrame({ type: FrameType.Tile, encoding: Encoding.RawBgra, monitor: 0, frameSeq, timestamp: Date.now(), x, y, width: T, height: T, sessionId, payload }));
}
function control(sessionId: string, type: number, frameSeq: number): Buffer {
  return Buffer.from(encodeFrame({ type: type as 3 | 4, encoding: Encoding.None, monitor: 0, frameSeq, timestamp: Date.now(), x: 0, y: 0, width: W, height: H, sessionId, payload: new Uint8Array(0) }));
}

/** The RGBA pixels of a screen, as the canvas should hold them. */
function pixelsOf(screen: Screen): Uint8Array {
  const out = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const [r, g, b] = screen[Math.floor(y / T) * 4 + Math.floor(x / T)];
      const o = (y * W + x) * 4;
      out[o] = r;
      out[o + 1] = g;
      out[o + 2] = (b + (x % T)) & 0xff;
      out[o + 3] = 255;
    }
  }
  return out;
}

describe('session recording: recorded as relayed, never in hold, exported as one file, replayed in the browser', () => {
  let t: TestNode & { node: RunningNode };
  let recorder: SessionRecorder;
  let alice: WsTestClient;
  let bob: WsTestClient;
  let carol: WsTestClient;
  let root: string;
  let pins = 730100;
  const desks: TestAgent[] = [];

  beforeAll(async () => {
    t = await startInProcessNode({ recording: { maxBytes: MAX_BYTES, policy: { teams: ['network'] } } });
    recorder = t.node.app.get(SessionRecorder);
    alice = await person(t, 'alice');
    bob = await person(t, 'bob');
    carol = await person(t, 'carol');
    root = await t.login('root');
  });
  afterAll(async () => {
    for (const c of [alice, bob, carol]) await c?.close();
    for (const d of desks) await d.ws.close().catch(() => undefined);
    await t?.stop();
  });

  /** `who` assists a new desktop that allowed it (mode hold); bob joins when asked. */
  async function session(who: WsTestClient, withBob = false): Promise<{ desk: TestAgent; sessionId: string }> {
    const pin = String(pins++);
    const desk = await agent(t, `desk-rec-${pin}`, pin);
    desks.push(desk);
    const { sessionId } = await who.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await who.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active');
    if (withBob) {
      const { inviteId } = await who.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
      await bob.ask('invite.respond', { sessionId, inviteId, accept: true });
    }
    return { desk, sessionId };
  }

  /** Everything the agent sent so far has been through the relay (and the recorder's queue is written). */
  async function settle(desk: TestAgent, sessionId: string): Promise<void> {
    await desk.ws.ask('ping', {});
    await recorder.flush(sessionId);
  }

  async function exportOf(sessionId: string, token = root, path = `/api/admin/recordings/${sessionId}`): Promise<{ status: number; bytes: Uint8Array; res: Response }> {
    const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, bytes: new Uint8Array(await res.arrayBuffer()), res };
  }

  const recordsOf = (bytes: Uint8Array): RecordingRecord[] => {
    const parsed = decodeRecording(bytes);
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.records;
  };
  const eventsIn = (records: RecordingRecord[]): Array<{ type: string; [k: string]: unknown }> =>
    records.filter((r) => r.kind === RecordKind.Event).map((r) => recordJson(r) as { type: string });
  const framesIn = (records: RecordingRecord[]) => records.filter((r) => r.kind === RecordKind.Media).map((r) => {
    const p = decodeFrame(r.payload);
    if (!p.ok) throw new Error(p.message);
    return p.frame;
  });

  // The screens of the main recording, kept for the player test.
  const first: Screen = [[200, 30, 30], [30, 200, 30], [30, 30, 200], [200, 200, 30], [200, 30, 200], [30, 200, 200], [120, 120, 120], [250, 250, 250]];
  const afterB: Screen = first.map((c, i) => (i === 0 ? [10, 10, 10] : c));
  const final: Screen = afterB.map((c, i) => (i === 1 ? [90, 0, 160] : i === 2 ? [255, 128, 0] : c));
  let recorded: { sessionId: string; bytes: Uint8Array } | null = null;

  it('refuses recording.start from anyone but the owner (NOT_OWNER); the owner starts it and the customer\'s agent gets RecordingStarted; nothing is recorded in hold', async () => {
    const { desk, sessionId } = await session(alice, true);
    await expect(bob.ask('recording.start', { sessionId })).rejects.toMatchObject({ code: 'NOT_OWNER' });
    // The customer's agent has no such command at all.
    await expect(desk.ws.ask('recording.start', { sessionId })).rejects.toMatchObject({ code: 'UNKNOWN_EVENT' });
    await expect(alice.ask('recording.stop', { sessionId })).rejects.toMatchObject({ code: 'NOT_RECORDING' });

    await alice.ask('recording.start', { sessionId, reason: 'ticket 4711' });
    const started = await desk.ws.next('session.event', (e) => e.sessionId === sessionId && e.type === 'RecordingStarted');
    expect(started).toMatchObject({ by: 'owner', reason: 'ticket 4711', actor: { id: 'alice' } });
    expect(await desk.ws.next('session.state', (s) => s.sessionId === sessionId && s.recording === true)).toMatchObject({ recording: true, mode: 'hold' });
    await bob.next('session.event', (e) => e.sessionId === sessionId && e.type === 'RecordingStarted');
    await expect(alice.ask('recording.start', { sessionId })).rejects.toMatchObject({ code: 'ALREADY_RECORDING' });

    // Hold: the agent keeps sending (a misbehaving agent); the relay lets nothing out, so nothing is recorded.
    for (let seq = 1; seq <= 5; seq++) {
      desk.ws.sendRaw(tileFrame(sessionId, seq, seq % 8, [1, 2, 3]), true);
      desk.ws.sendRaw(control(sessionId, FrameType.EndOfFrame, seq), true);
    }
    await settle(desk, sessionId);
    const inHold = recordsOf((await exportOf(sessionId)).bytes);
    expect(framesIn(inHold)).toEqual([]);
    expect(eventsIn(inHold).map((e) => e.type)).toEqual(['RecordingStarted']);

    // Observe: the recorder asked for a full frame when the screen became visible; frame A (all tiles), frame B (one tile).
    const refreshesBefore = desk.ws.binary.length;
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    await waitFor('a refresh request after observe', () => desk.ws.binary.length > refreshesBefore);
    desk.ws.sendRaw(control(sessionId, FrameType.ScreenInfo, 10), true);
    first.forEach((c, i) => desk.ws.sendRaw(tileFrame(sessionId, 10, i, c), true));
    desk.ws.sendRaw(control(sessionId, FrameType.EndOfFrame, 10), true);
    desk.ws.sendRaw(tileFrame(sessionId, 11, 0, afterB[0]), true);
    desk.ws.sendRaw(control(sessionId, FrameType.EndOfFrame, 11), true);
    await settle(desk, sessionId);

    // Hold again: a green tile 1 that nobody sees and nothing records.
    await desk.ws.ask('mode.set', { sessionId, mode: 'hold' });
    desk.ws.sendRaw(tileFrame(sessionId, 12, 1, [0, 255, 0]), true);
    desk.ws.sendRaw(control(sessionId, FrameType.EndOfFrame, 12), true);
    await settle(desk, sessionId);

    // Observe again: frame C (tile 1), frame D (tile 2); then the owner stops; a frame after the stop is not recorded.
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    desk.ws.sendRaw(tileFrame(sessionId, 13, 1, final[1]), true);
    desk.ws.sendRaw(control(sessionId, FrameType.EndOfFrame, 13), true);
    desk.ws.sendRaw(tileFrame(sessionId, 14, 2, final[2]), true);
    desk.ws.sendRaw(control(sessionId, FrameType.EndOfFrame, 14), true);
    await settle(desk, sessionId);
    await alice.ask('recording.stop', { sessionId });
    await desk.ws.next('session.event', (e) => e.sessionId === sessionId && e.type === 'RecordingStopped');
    desk.ws.sendRaw(tileFrame(sessionId, 15, 3, [9, 9, 9]), true);
    await settle(desk, sessionId);

    const { status, bytes, res } = await exportOf(sessionId);
    expect(status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.tandem.recording');
    expect(res.headers.get('content-disposition')).toContain('.trec');
    const records = recordsOf(bytes);
    const frames = framesIn(records);
    // Exactly what was relayed while visible and recording: info + 8 tiles + end, 1 + end, 1 + end, 1 + end.
    expect(frames.map((f) => `${f.type}:${f.frameSeq}`)).toEqual([
      '4:10', ...first.map(() => '1:10'), '3:10', '1:11', '3:11', '1:13', '3:13', '1:14', '3:14',
    ]);
    expect(frames.some((f) => f.type === FrameType.Tile && f.payload[1] === 255 && f.payload[0] === 0)).toBe(false);
    const events = eventsIn(records);
    expect(events.map((e) => `${e.type}${e.mode ? `:${e.mode}` : ''}`)).toEqual(['RecordingStarted', 'ModeChanged:observe', 'ModeChanged:hold', 'ModeChanged:observe', 'RecordingStopped']);
    // Events and frames are interleaved in the order the node saw them.
    const order = records.filter((r) => r.kind !== RecordKind.Marker).map((r) => (r.kind === RecordKind.Event ? (recordJson(r) as { type: string }).type[0] : 'f'));
    expect(order.join('')).toBe(`RM${'f'.repeat(12)}MMffffR`);
    expect(records[0].kind).toBe(RecordKind.Marker);
    recorded = { sessionId, bytes };
  });

  it('lists recordings for admins only, and lets the session\'s owner and members (not other staff) export one', async () => {
    if (!recorded) throw new Error('needs the recording of the first test');
    const list = await fetch(`${t.url}/api/admin/recordings`, { headers: { authorization: `Bearer ${root}` } });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { recordings: Array<{ sessionId: string; bytes: number; frames: number; events: number; durationMs: number; startedAt: number }> };
    expect(body.recordings.find((r) => r.sessionId === recorded!.sessionId)).toMatchObject({ bytes: recorded.bytes.length, frames: 16, events: 5 });
    const aliceToken = await t.login('alice');
    expect((await fetch(`${t.url}/api/admin/recordings`, { headers: { authorization: `Bearer ${aliceToken}` } })).status).toBe(403);
    expect((await fetch(`${t.url}/api/admin/recordings`)).status).toBe(401);
    const own = await exportOf(recorded.sessionId, aliceToken, `/api/recordings/${recorded.sessionId}`);
    expect(own.status).toBe(200);
    expect(own.bytes.length).toBe(recorded.bytes.length);
    // A member may play it too (REC-ACCESS-2); a technician of another team who was not in the session may not.
    expect((await exportOf(recorded.sessionId, await t.login('bob'), `/api/recordings/${recorded.sessionId}?purpose=play`)).status).toBe(200);
    const stranger = await exportOf(recorded.sessionId, await t.login('carol'), `/api/recordings/${recorded.sessionId}`);
    expect([stranger.status, JSON.parse(new TextDecoder().decode(stranger.bytes)).code]).toEqual([403, 'NOT_MEMBER']);
    expect((await exportOf('no_such_session')).status).toBe(404);
  });

  it('records a session of a policy team from the start; its owner cannot stop it, an admin can', async () => {
    const { desk, sessionId } = await session(carol);
    const started = await desk.ws.next('session.event', (e) => e.sessionId === sessionId && e.type === 'RecordingStarted');
    expect(started).toMatchObject({ by: 'policy', reason: 'policy: team network', actor: { kind: 'system' } });
    await expect(carol.ask('recording.stop', { sessionId })).rejects.toMatchObject({ code: 'RECORDING_REQUIRED' });
    const admin = await person(t, 'root');
    try {
      await admin.ask('recording.stop', { sessionId });
      expect(await desk.ws.next('session.event', (e) => e.sessionId === sessionId && e.type === 'RecordingStopped')).toMatchObject({ by: 'admin' });
    } finally {
      await admin.close();
    }
    await carol.ask('session.end', { sessionId });
  });

  it('stops writing at recording.maxBytes, with RecordingStopped by the limit that everyone sees', async () => {
    const { desk, sessionId } = await session(alice);
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    await alice.ask('recording.start', { sessionId });
    await desk.ws.next('session.event', (e) => e.sessionId === sessionId && e.type === 'RecordingStarted');
    // 16 KiB tiles until the recording is full (2 MiB: about 128 tiles), then a few more.
    for (let seq = 1; seq <= 150; seq++) desk.ws.sendRaw(tileFrame(sessionId, seq, seq % 8, [seq, seq, seq]), true);
    await settle(desk, sessionId);
    expect(await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'RecordingStopped')).toMatchObject({ by: 'limit' });
    await recorder.flush(sessionId);
    const { bytes } = await exportOf(sessionId);
    expect(bytes.length).toBeLessThanOrEqual(MAX_BYTES);
    expect(bytes.length).toBeGreaterThan(MAX_BYTES - 20_000);
    const list = (await (await fetch(`${t.url}/api/admin/recordings`, { headers: { authorization: `Bearer ${root}` } })).json()) as { recordings: Array<{ sessionId: string; full: boolean }> };
    expect(list.recordings.find((r) => r.sessionId === sessionId)?.full).toBe(true);
    await alice.ask('session.end', { sessionId });
  });

  describe('the player (headless Chromium)', () => {
    let chromium: TestBrowser;
    const contexts: BrowserContext[] = [];
    let step = 0;

    beforeAll(async () => {
      execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
      mkdirSync(ARTIFACTS, { recursive: true });
      chromium = await launchChromium();
    });
    afterAll(async () => {
      for (const c of contexts) await c.close().catch(() => undefined);
      await chromium?.close();
    });

    async function shot(page: Page, name: string): Promise<void> {
      step++;
      await page.screenshot({ path: resolve(ARTIFACTS, `recording-${String(step).padStart(2, '0')}-${name}.png`) });
    }

    /** The player canvas's pixels, compared with a screen: how many bytes differ. */
    async function differingBytes(page: Page, screen: Screen): Promise<number> {
      const got = await page.evaluate(() => {
        const canvas = document.querySelector('canvas[data-testid="player-canvas"]') as HTMLCanvasElement;
        const ctx = canvas.getContext('2d')!;
        const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        let bin = '';
        for (let i = 0; i < data.length; i += 8192) bin += String.fromCharCode(...data.subarray(i, i + 8192));
        return { w: canvas.width, h: canvas.height, data: btoa(bin) };
      });
      expect([got.w, got.h]).toEqual([W, H]);
      const pixels = Buffer.from(got.data, 'base64');
      const want = pixelsOf(screen);
      let diff = 0;
      for (let i = 0; i < want.length; i++) if (pixels[i] !== want[i]) diff++;
      return diff;
    }

    it('replays the exported recording to the same final screen, at 4×; jumping to an event lands on the frame of that moment', async () => {
      if (!recorded) throw new Error('needs the recording of the first test');
      const ctx = await chromium.browser.newContext({ viewport: VIEWPORT });
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.setDefaultTimeout(10000);
      await page.goto(`${t.url}/admin`);
      await page.getByLabel('Username').fill('root');
      await page.getByLabel('Password').fill('root-pw');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('tab', { name: /Recordings/ }).click();
      const row = page.locator(`tr[data-recording="${recorded.sessionId}"]`);
      await row.waitFor();
      await shot(page, 'list');
      await row.getByRole('button', { name: 'Play' }).click();
      const player = page.getByTestId('player');
      await player.waitFor();
      await player.getByRole('button', { name: '4×' }).click();
      await player.getByRole('button', { name: 'Play' }).click();
      await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-state') === 'ended', undefined, { timeout: 20000 });
      expect(await differingBytes(page, final)).toBe(0);
      await shot(page, 'final-screen');

      // The timeline: the second "observe" event; the screen at that moment is frame B (tile 1 not yet changed).
      const observe = player.locator('li[data-type="ModeChanged"]', { hasText: /mode to Observe/ });
      expect(await observe.count()).toBe(2);
      await observe.nth(1).click();
      await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-state') === 'paused');
      expect(await differingBytes(page, afterB)).toBe(0);
      expect(await observe.nth(1).getAttribute('aria-current')).toBe('true');
      await shot(page, 'jump-to-event');
      // The first "observe": nothing was visible before it (the canvas is still blank, not the hold frames).
      await observe.nth(0).click();
      await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-frames') === '0');
    });
  });

});

describe('session recording across a node failover: the node the agent reconnects to continues the same file', () => {
  let redis: TestRedis;
  let a: TestNode & { node: RunningNode };
  let b: TestNode & { node: RunningNode };
  let dir: string;
  let alice: WsTestClient;

  beforeAll(async () => {
    redis = await startRedis();
    // A shared recording directory (what NFS or an object store gives a real cluster).
    dir = mkdtempSync(join(tmpdir(), 'tandem-rec-shared-'));
    const config = { auth: { jwtSecret: 'cluster-test-secret-0123456789' }, store: { leaseTtlMs: 1000, redis: { url: redis.url } }, recording: { dir }, ws: { agentGraceMs: 10000 } };
    a = await startInProcessNode(config);
    b = await startInProcessNode(config);
    alice = await person(b, 'alice');
  });
  afterAll(async () => {
    await alice?.close();
    for (const n of [a, b]) await n?.stop().catch(() => undefined);
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records on A (the agent\'s node), then, after A is gone and the agent reconnected to B, B appends to the same recording with a resume marker', async () => {
    const desk = await agent(a, 'desk-rec-failover', '741741');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    await alice.ask('recording.start', { sessionId });
    await desk.ws.next('session.event', (e) => e.sessionId === sessionId && e.type === 'RecordingStarted');
    for (let seq = 1; seq <= 3; seq++) {
      desk.ws.sendRaw(tileFrame(sessionId, seq, seq, [seq * 40, 0, 0]), true);
      desk.ws.sendRaw(control(sessionId, FrameType.EndOfFrame, seq), true);
    }
    await desk.ws.ask('ping', {});
    await a.node.app.get(SessionRecorder).flush(sessionId);
    expect(a.node.app.get(SessionRecorder).isRecordingHere(sessionId)).toBe(true);
    expect(b.node.app.get(SessionRecorder).isRecordingHere(sessionId)).toBe(false);

    // A goes away (its writer closes); the agent comes back on B and streams on.
    await a.stop();
    const back = await reconnectAgent(b, desk, 'desk-rec-failover', '741741');
    await alice.next('session.state', (st) => st.sessionId === sessionId && st.customer?.online === true && st.screenVisible === true, 15000);
    const recorderB = b.node.app.get(SessionRecorder);
    // The first frame after the resume may race the audience's update on B: send until B writes.
    for (let seq = 4; !recorderB.isRecordingHere(sessionId); seq++) {
      if (seq > 200) throw new Error('B never resumed the recording');
      back.ws.sendRaw(tileFrame(sessionId, seq, seq % 8, [0, seq, 0]), true);
      await back.ws.ask('ping', {});
    }
    back.ws.sendRaw(tileFrame(sessionId, 1000, 5, [0, 0, 250]), true);
    back.ws.sendRaw(control(sessionId, FrameType.EndOfFrame, 1000), true);
    await back.ws.ask('ping', {});
    await alice.ask('recording.stop', { sessionId });
    await waitFor('B closed the recording', () => !recorderB.isRecordingHere(sessionId));
    await recorderB.flush(sessionId);

    const token = await b.login('root');
    const res = await fetch(`${b.url}/api/admin/recordings/${sessionId}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.length).toBe(readFileSync(join(dir, `${sessionId}.trec`)).length);
    const parsed = decodeRecording(bytes);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.truncated).toBe(false);
    const markers = parsed.records.filter((r) => r.kind === RecordKind.Marker).map((r) => recordJson(r) as { kind: string; node: string });
    expect(markers.map((m) => m.kind)).toEqual(['start', 'resume']);
    expect(markers[0].node).not.toBe(markers[1].node);
    const frames = parsed.records.filter((r) => r.kind === RecordKind.Media).map((r) => decodeFrame(r.payload)).flatMap((p) => (p.ok ? [p.frame] : []));
    // A's three frames, then B's (from the one that opened the writer on), ending with the blue tile.
    expect(frames.slice(0, 6).map((f) => f.frameSeq)).toEqual([1, 1, 2, 2, 3, 3]);
    expect(frames.slice(-2).map((f) => f.frameSeq)).toEqual([1000, 1000]);
    const resumeAt = parsed.records.findIndex((r) => r.kind === RecordKind.Marker && (recordJson(r) as { kind: string }).kind === 'resume');
    expect(parsed.records.slice(0, resumeAt).filter((r) => r.kind === RecordKind.Media)).toHaveLength(6);
    const events = parsed.records.filter((r) => r.kind === RecordKind.Event).map((r) => (recordJson(r) as { type: string }).type);
    expect(events[0]).toBe('RecordingStarted');
    expect(events[events.length - 1]).toBe('RecordingStopped');
    await back.ws.close();
  });
});
