import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { encodeFrame, Encoding, FrameType } from '../../src/media/frame-codec';
import type { RunningNode } from '../../src/node/start-node';
import { decodeRecording } from '../../src/recording/recording-format';
import { SessionRecorder } from '../../src/recording/session-recorder';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person, type TestAgent } from '../support/people';
import type { WsTestClient } from '../support/ws-client';

const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');
const VIEWPORT = { width: 1280, height: 800 };
const T = 64;
const COLOURS: Array<[number, number, number]> = [[220, 60, 50], [40, 140, 220], [250, 190, 40], [60, 170, 90], [150, 80, 200], [30, 30, 30], [240, 240, 240], [0, 150, 150]];

function tile(sessionId: string, frameSeq: number, i: number, [r, g, b]: [number, number, number]): Buffer {
  const payload = new Uint8Array(T * T * 4);
  for (let p = 0; p < payload.length; p += 4) { payload[p] = b; payload[p + 1] = g; payload[p + 2] = r; payload[p + 3] = 255; }
  return Buffer.from(encodeFrame({ type: FrameType.Tile, encoding: Encoding.RawBgra, monitor: 0, frameSeq, timestamp: Date.now(), x: (i % 4) * T, y: Math.floor(i / 4) * T, width: T, height: T, sessionId, payload }));
}
function control(sessionId: string, type: 3 | 4, frameSeq: number): Buffer {
  return Buffer.from(encodeFrame({ type, encoding: Encoding.None, monitor: 0, frameSeq, timestamp: Date.now(), x: 0, y: 0, width: 4 * T, height: 2 * T, sessionId, payload: new Uint8Array(0) }));
}

type AuditLine = { type: string; actor: { id: string; kind: string }; sessionId: string; details: Record<string, unknown> };

/**
 * Who may play or export a recording (the domain's authorizeRecordingAccess), the reason policy
 * (policy.reasonRequired.recordingExport) with its audit entry, recording by Jump Group policy, and the
 * cockpit's Recordings board with the shared player in headless Chromium.
 */
describe('recording access: reasons, audit, jump-group policy, the cockpit player', () => {
  let t: TestNode & { node: RunningNode };
  let recorder: SessionRecorder;
  let alice: WsTestClient;
  let bob: WsTestClient;
  let root: string;
  let recordedId = '';
  const desks: TestAgent[] = [];

  beforeAll(async () => {
    t = await startInProcessNode({ policy: { reasonRequired: { recordingExport: true } }, recording: { policy: { jumpGroups: ['servers'] } } });
    recorder = t.node.app.get(SessionRecorder);
    alice = await person(t, 'alice');
    bob = await person(t, 'bob');
    root = await t.login('root');
  });
  afterAll(async () => {
    for (const c of [alice, bob]) await c?.close();
    for (const d of desks) await d.ws.close().catch(() => undefined);
    await t?.stop();
  });

  const get = (path: string, token: string): Promise<Response> => fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  async function audit(type: string): Promise<AuditLine[]> {
    const text = await (await get(`/api/admin/audit?type=${type}`, root)).text();
    return text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditLine);
  }

  it('needs a reason to play or export where policy says so; who, purpose and reason go to the audit log, never the content', async () => {
    const desk = await agent(t, 'desk-rec-access', '616161');
    desks.push(desk);
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const { inviteId } = await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
    await bob.ask('invite.respond', { sessionId, inviteId, accept: true });
    await alice.ask('recording.start', { sessionId, reason: 'training' });
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    desk.ws.sendRaw(control(sessionId, FrameType.ScreenInfo, 1), true);
    COLOURS.forEach((c, i) => desk.ws.sendRaw(tile(sessionId, 1, i, c), true));
    desk.ws.sendRaw(control(sessionId, FrameType.EndOfFrame, 1), true);
    // The whole first screen went through the relay (and into the recording) before the chat message.
    await desk.ws.ask('ping', {});
    await alice.ask('chat.send', { sessionId, text: 'the printer queue is stuck' });
    for (let seq = 2; seq <= 6; seq++) {
      desk.ws.sendRaw(tile(sessionId, seq, seq % 8, COLOURS[(seq + 3) % 8]), true);
      desk.ws.sendRaw(control(sessionId, FrameType.EndOfFrame, seq), true);
      await desk.ws.ask('ping', {});
    }
    // A second whole screen (as after a refresh): a key frame of the seek index, then one more tile.
    desk.ws.sendRaw(control(sessionId, FrameType.ScreenInfo, 7), true);
    COLOURS.forEach((c, i) => desk.ws.sendRaw(tile(sessionId, 7, i, COLOURS[(i + 4) % 8]), true));
    desk.ws.sendRaw(control(sessionId, FrameType.EndOfFrame, 7), true);
    desk.ws.sendRaw(tile(sessionId, 8, 0, [255, 255, 255]), true);
    desk.ws.sendRaw(control(sessionId, FrameType.EndOfFrame, 8), true);
    await desk.ws.ask('ping', {});
    await recorder.flush(sessionId);
    await alice.ask('session.end', { sessionId });
    recordedId = sessionId;

    const aliceToken = await t.login('alice');
    const missing = await get(`/api/recordings/${sessionId}`, aliceToken);
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([400, 'REASON_REQUIRED']);
    const blank = await get(`/api/recordings/${sessionId}?reason=%20%20`, aliceToken);
    expect(blank.status).toBe(400);
    const adminMissing = await get(`/api/admin/recordings/${sessionId}`, root);
    expect([adminMissing.status, ((await adminMissing.json()) as { code: string }).code]).toEqual([400, 'REASON_REQUIRED']);
    const bad = await get(`/api/recordings/${sessionId}?purpose=steal&reason=x`, aliceToken);
    expect([bad.status, ((await bad.json()) as { code: string }).code]).toEqual([400, 'INVALID_DATA']);

    const exported = await get(`/api/recordings/${sessionId}?reason=${encodeURIComponent(' INC-4711 complaint review ')}`, aliceToken);
    expect(exported.status).toBe(200);
    const parsed = decodeRecording(new Uint8Array(await exported.arrayBuffer()));
    expect(parsed.ok && parsed.header.sessionId).toBe(sessionId);
    const played = await get(`/api/recordings/${sessionId}?purpose=play&reason=QA`, await t.login('bob'));
    expect(played.status).toBe(200);
    const stranger = await get(`/api/recordings/${sessionId}?reason=curious`, await t.login('carol'));
    expect([stranger.status, ((await stranger.json()) as { code: string }).code]).toEqual([403, 'NOT_MEMBER']);
    expect((await get(`/api/admin/recordings/${sessionId}?reason=legal%20hold`, root)).status).toBe(200);

    const exports = (await audit('RecordingExported')).filter((e) => e.sessionId === sessionId);
    expect(exports.map((e) => [e.actor.id, e.details])).toEqual([
      ['alice', { purpose: 'export', reason: 'INC-4711 complaint review' }],
      ['root', { purpose: 'export', reason: 'legal hold' }],
    ]);
    const plays = (await audit('RecordingPlayed')).filter((e) => e.sessionId === sessionId);
    expect(plays.map((e) => [e.actor.id, e.details])).toEqual([['bob', { purpose: 'play', reason: 'QA' }]]);
    // Nothing of the recording is in the audit: no chat text, no frame bytes.
    const raw = await (await get('/api/admin/audit?type=RecordingExported', root)).text();
    expect(raw).not.toContain('printer queue');
    expect(raw).not.toContain('TREC');

    // The cockpit's list: alice and bob see it, carol does not.
    const listOf = async (who: string): Promise<string[]> =>
      ((await (await get('/api/recordings', await t.login(who))).json()) as { recordings: Array<{ sessionId: string }> }).recordings.map((r) => r.sessionId);
    expect(await listOf('alice')).toContain(sessionId);
    expect(await listOf('bob')).toContain(sessionId);
    expect(await listOf('carol')).not.toContain(sessionId);
    const body = (await (await get('/api/recordings', aliceToken)).json()) as { reasonRequired: boolean };
    expect(body.reasonRequired).toBe(true);
  });

  it('records a session started through a Jump Client of a policy Jump Group from its start, and tells the customer', async () => {
    const admin = await person(t, 'root');
    try {
      await admin.ask('jump-group.define', { groupId: 'servers', name: 'Servers', userIds: [], teams: ['helpdesk'], consent: 'notify' });
    } finally {
      await admin.close();
    }
    const desk = await agent(t, 'srv-rec-01', '626262');
    desks.push(desk);
    const { sessionId: pinning } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId: pinning, allow: true });
    const { jumpClientId } = await alice.ask('jump.pin', { sessionId: pinning, location: { kind: 'group', groupId: 'servers' } });
    await alice.ask('session.end', { sessionId: pinning });
    // The assisted session of alice's team is not recorded (no team policy here): only the jump is.
    expect(alice.all('session.event').some((e) => e.sessionId === pinning && e.type === 'RecordingStarted')).toBe(false);

    const { sessionId } = await alice.ask('jump.start', { jumpClientId });
    const started = await desk.ws.next('session.event', (e) => e.sessionId === sessionId && e.type === 'RecordingStarted', 10_000);
    expect(started).toMatchObject({ by: 'policy', reason: 'policy: jump group servers', actor: { kind: 'system' } });
    expect(await desk.ws.next('session.state', (s) => s.sessionId === sessionId && s.recording === true)).toMatchObject({ recording: true });
    await expect(alice.ask('recording.stop', { sessionId })).rejects.toMatchObject({ code: 'RECORDING_REQUIRED' });
    await alice.ask('session.end', { sessionId });
  });

  describe('the cockpit player (headless Chromium)', () => {
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

    async function open(path: string, username: string): Promise<Page> {
      const ctx = await chromium.browser.newContext({ viewport: VIEWPORT, locale: 'en-GB', timezoneId: 'UTC' });
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.setDefaultTimeout(10000);
      await page.goto(`${t.url}${path}`);
      await page.getByLabel('Username').fill(username);
      await page.getByLabel('Password').fill(`${username}-pw`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      return page;
    }
    async function shot(page: Page, name: string): Promise<void> {
      step++;
      await page.screenshot({ path: resolve(ARTIFACTS, `recording-access-${String(step).padStart(2, '0')}-${name}.png`) });
    }

    it('a member plays the recording in the cockpit after giving a reason: 1×/2×/4×, seek, jump to an event', async () => {
      if (!recordedId) throw new Error('needs the recording of the first test');
      const page = await open('/', 'bob');
      await page.getByRole('heading', { name: 'Online' }).waitFor();
      await page.getByRole('tab', { name: /Recordings/ }).click();
      const row = page.locator(`tr[data-recording="${recordedId}"]`);
      await row.waitFor();
      await shot(page, 'cockpit-list');
      await row.getByRole('button', { name: /Play/ }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor();
      await shot(page, 'cockpit-reason-dialog');
      // Empty is not accepted where the reason is required: the dialog asks again.
      await dialog.getByRole('button', { name: 'Play' }).click();
      await page.getByRole('dialog').getByText('Your organisation requires a reason').waitFor();
      await page.getByRole('dialog').getByLabel(/Reason or ticket/).fill('QA-77 review of the printer case');
      await page.getByRole('dialog').getByRole('button', { name: 'Play' }).click();
      const player = page.getByTestId('player');
      await player.waitFor();
      for (const speed of ['2×', '4×', '1×']) {
        await player.getByRole('button', { name: speed }).click();
        expect(await player.getByRole('button', { name: speed }).getAttribute('aria-pressed')).toBe('true');
      }
      await player.getByRole('button', { name: '4×' }).click();
      await player.getByRole('button', { name: 'Play' }).click();
      await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-state') === 'ended', undefined, { timeout: 20000 });
      await shot(page, 'cockpit-player-ended');
      // Seek to the start: nothing drawn yet.
      await player.getByLabel('Position').fill('0');
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="player"]')?.getAttribute('data-frames')) <= 1);
      // Jump to the chat message: the screen of that moment (the first full frame), the event highlighted.
      const chat = player.locator('li[data-type="ChatSent"]');
      await chat.click();
      await page.waitForFunction(() => document.querySelector('[data-testid="player"]')?.getAttribute('data-state') === 'paused');
      expect(await chat.getAttribute('aria-current')).toBe('true');
      expect(Number(await player.getAttribute('data-frames'))).toBeGreaterThan(0);
      await shot(page, 'cockpit-jump-to-event');
      // Seeking to the end starts from the last whole screen (the seek index): its 8 tiles and the one after it
      // are drawn, not the 6 frames in between.
      const max = await player.getByLabel('Position').getAttribute('max');
      await player.getByLabel('Position').fill(max!);
      await page.waitForFunction(() => ['paused', 'ended'].includes(document.querySelector('[data-testid="player"]')?.getAttribute('data-state') ?? ''));
      expect(await player.getAttribute('data-frames')).toBe('9');
      await shot(page, 'cockpit-seek-end');
      const plays = (await audit('RecordingPlayed')).filter((e) => e.sessionId === recordedId && e.actor.id === 'bob');
      expect(plays.map((e) => e.details.reason)).toContain('QA-77 review of the printer case');
    });

    it('the admin console asks for the reason before a download', async () => {
      const page = await open('/admin', 'root');
      await page.getByRole('tab', { name: /Recordings/ }).click();
      const row = page.locator(`tr[data-recording="${recordedId}"]`);
      await row.waitFor();
      await row.getByRole('button', { name: /Download/ }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel(/Reason or ticket \(required\)/).fill('LEGAL-9 retention request');
      await shot(page, 'admin-export-reason-dialog');
      const download = page.waitForEvent('download');
      await dialog.getByRole('button', { name: 'Download' }).click();
      expect((await download).suggestedFilename()).toBe(`tandem-${recordedId}.trec`);
      const exports = (await audit('RecordingExported')).filter((e) => e.sessionId === recordedId && e.actor.id === 'root');
      expect(exports.map((e) => e.details.reason)).toContain('LEGAL-9 retention request');
    });
  });
});
