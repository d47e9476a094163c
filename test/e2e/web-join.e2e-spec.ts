import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { encodeFrame, Encoding, FrameType } from '../../src/media/frame-codec';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person, type TestAgent } from '../support/people';
import type { WsTestClient } from '../support/ws-client';

const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');
const VIEWPORT = { width: 1280, height: 720 };
const SCREEN = { width: 1280, height: 720 };
const TILE = { width: 320, height: 180 };

/** A desktop picture (BGRA): a blue background, a white window with a dark title bar, and a red button. */
function desktopPixel(x: number, y: number): [number, number, number] {
  if (x >= 900 && x < 1060 && y >= 520 && y < 570) return [0xd0, 0x30, 0x30];
  if (x >= 200 && x < 1080 && y >= 120 && y < 160) return [0x2a, 0x33, 0x48];
  if (x >= 200 && x < 1080 && y >= 160 && y < 600) {
    const line = Math.floor((y - 190) / 36);
    const text = y >= 190 && (y - 190) % 36 < 12 && line < 9 && x >= 240 && x < 240 + 220 + ((line * 137) % 400);
    return text ? [0xc8, 0xce, 0xda] : [0xfb, 0xfb, 0xfd];
  }
  return [0x1f + Math.round((y / SCREEN.height) * 0x20), 0x5f + Math.round((x / SCREEN.width) * 0x30), 0xb8];
}

/** One full picture of the desktop as the agent would send it: screen info, raw tiles, end of frame. */
function desktopFrames(sessionId: string, frameSeq: number): Uint8Array[] {
  const base = { monitor: 0, frameSeq, timestamp: Date.now(), sessionId };
  const frames = [encodeFrame({ ...base, type: FrameType.ScreenInfo, encoding: Encoding.None, x: 0, y: 0, ...SCREEN, payload: new Uint8Array(0) })];
  for (let ty = 0; ty < SCREEN.height; ty += TILE.height) {
    for (let tx = 0; tx < SCREEN.width; tx += TILE.width) {
      const px = new Uint8Array(TILE.width * TILE.height * 4);
      for (let y = 0; y < TILE.height; y++) {
        for (let x = 0; x < TILE.width; x++) {
          const [r, g, b] = desktopPixel(tx + x, ty + y);
          px.set([b, g, r, 255], (y * TILE.width + x) * 4);
        }
      }
      frames.push(encodeFrame({ ...base, type: FrameType.Tile, encoding: Encoding.RawBgra, x: tx, y: ty, ...TILE, payload: px }));
    }
  }
  frames.push(encodeFrame({ ...base, type: FrameType.EndOfFrame, encoding: Encoding.None, x: 0, y: 0, ...SCREEN, payload: new Uint8Array(0) }));
  return frames;
}

/**
 * The page behind external invitation links (/join#access_token=…), in headless Chromium against a real
 * node: the technician and the desktop are ws clients, the external representative is the browser.
 */
describe('web join page (external representatives)', () => {
  let t: TestNode;
  let chromium: TestBrowser;
  const contexts: BrowserContext[] = [];
  const sockets: WsTestClient[] = [];
  let step = 0;

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startInProcessNode();
    chromium = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    for (const s of sockets) await s.close().catch(() => undefined);
    await chromium?.close();
    await t?.stop();
  });

  async function open(path: string): Promise<Page> {
    const ctx = await chromium.browser.newContext({ viewport: VIEWPORT });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(`${t.url}${path}`);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    step++;
    await page.screenshot({ path: resolve(ARTIFACTS, `join-${String(step).padStart(2, '0')}-${name}.png`) });
  }

  /** Alice assists a desktop (allowed, Observe) and invites an external person: the link's path. */
  async function invited(hostname: string, pin: string, name: string): Promise<{ alice: WsTestClient; desk: TestAgent; sessionId: string; link: string; inviteId: string }> {
    const alice = await person(t, 'alice');
    const desk = await agent(t, hostname, pin);
    sockets.push(alice, desk.ws);
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    const invite = await alice.ask<{ link: string; inviteId: string }>('session.invite', { sessionId, target: { kind: 'external', name } });
    const link = `/join${invite.link.split('/join')[1]}`;
    expect(link).toMatch(/^\/join#access_token=[\w-]+\.[\w-]+\.[\w-]+$/);
    return { alice, desk, sessionId, link, inviteId: invite.inviteId };
  }

  it('redeems the link once: members, mode, timeline, chat both ways, the shared screen, Leave; a second use shows LINK_USED', async () => {
    const { alice, desk, sessionId, link } = await invited('desk-join', '616161', 'Xena Vendor');
    const page = await open(link);

    // Joined as the external representative; the token is out of the address bar.
    await page.getByRole('heading', { name: 'Helping carol' }).waitFor();
    expect(page.url()).toBe(`${t.url}/join`);
    const accepted = await alice.next('session.event', (e) => e.type === 'InvitationAccepted');
    expect(accepted).toMatchObject({ role: 'external', member: { kind: 'external', name: 'Xena Vendor' } });
    await page.locator('[data-testid="mode"]', { hasText: 'Mode: Observe' }).waitFor();
    expect(await page.locator('.session-head').textContent()).toContain('Invited by Alice Tech');
    expect(await page.locator('.timeline li[data-type="InvitationAccepted"] .text').textContent()).toBe('Xena Vendor joined the session as external');
    await page.getByText('Waiting for the screen…').waitFor();

    // The desktop sends a picture: it is drawn on the page's canvas, pixel for pixel.
    for (const f of desktopFrames(sessionId, 1)) desk.ws.sendRaw(Buffer.from(f), true);
    await page.locator('.stage canvas:not(.hidden)').waitFor();
    await page.waitForFunction(() => {
      const c = document.querySelector('.stage canvas') as HTMLCanvasElement;
      return c.width === 1280 && c.getContext('2d')!.getImageData(980, 545, 1, 1).data[0] === 0xd0;
    });
    const px = await page.evaluate(() => Array.from((document.querySelector('.stage canvas') as HTMLCanvasElement).getContext('2d')!.getImageData(600, 140, 1, 1).data));
    expect(px).toEqual([0x2a, 0x33, 0x48, 255]);
    expect(await page.getByText('Waiting for the screen…').isVisible()).toBe(false);
    await shot(page, 'screen');

    // The technician writes: the message is in the timeline and in the chat (with an unread count).
    await alice.ask('chat.send', { sessionId, text: 'Xena, can you check the driver version?' });
    await page.locator('.timeline li[data-type="ChatSent"]', { hasText: 'can you check the driver version?' }).waitFor();
    expect(await page.getByRole('tab', { name: /Chat/ }).textContent()).toBe('Chat1');
    await shot(page, 'timeline');
    await page.getByRole('tab', { name: /Chat/ }).click();
    await page.locator('.msg', { hasText: 'Xena, can you check the driver version?' }).waitFor();
    await page.getByLabel('Chat message').fill('It is 4.2.1 — an update is due.');
    await page.getByRole('button', { name: 'Send' }).click();
    const said = await alice.next('session.event', (e) => e.type === 'ChatSent' && e.text === 'It is 4.2.1 — an update is due.');
    expect(said.actor).toMatchObject({ kind: 'external', name: 'Xena Vendor' });
    await page.locator('.msg.mine', { hasText: '4.2.1' }).waitFor();
    await shot(page, 'chat');

    // Who is in the session.
    await page.getByRole('tab', { name: 'People' }).click();
    await page.locator('[data-member="alice"]', { hasText: 'Technician in charge' }).waitFor();
    expect(await page.locator('.member', { hasText: 'Xena Vendor' }).textContent()).toContain('(you)');
    expect(await page.locator('.member', { hasText: 'carol' }).textContent()).toContain('Customer');
    await shot(page, 'people');

    // The customer puts the session on hold: the screen goes away at once.
    await desk.ws.ask('mode.set', { sessionId, mode: 'hold' });
    await page.getByText('The customer has not shared the screen yet.').waitFor();
    expect(await page.locator('.stage canvas.hidden').count()).toBe(1);

    // Leave: the technician sees Xena leave; the page says so.
    await page.getByRole('button', { name: 'Leave session' }).click();
    await page.getByRole('heading', { name: 'You left the session' }).waitFor();
    const leftEvent = await alice.next('session.event', (e) => e.type === 'MemberLeft');
    expect(leftEvent.memberId).toBe(accepted.member.id);
    await page.getByText('Session closed').waitFor();
    expect(await page.locator('.toast-error').count()).toBe(0);
    await shot(page, 'left');

    // The same link again: refused with LINK_USED, and nobody joins.
    const again = await open(link);
    await again.getByRole('heading', { name: 'This invitation link was already used' }).waitFor();
    expect(await again.getByTestId('error-code').textContent()).toBe('LINK_USED');
    expect(again.url()).toBe(`${t.url}/join`);
    await shot(again, 'link-used');
  });

  it('a reload of the joined page resumes the session from what the tab keeps; elsewhere the used link stays refused; once removed the tab cannot resume', async () => {
    const { alice, sessionId, link } = await invited('desk-join-4', '646464', 'Rita Reload');
    const page = await open(link);
    await page.getByRole('heading', { name: 'Helping carol' }).waitFor();
    await alice.ask('chat.send', { sessionId, text: 'Before the reload' });
    await page.locator('.timeline li[data-type="ChatSent"]', { hasText: 'Before the reload' }).waitFor();
    const seqs = (p: Page): Promise<string[]> => p.locator('.timeline li').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.seq ?? ''));
    const before = await seqs(page);
    // The tab keeps its way back in sessionStorage, never in the address bar.
    expect(page.url()).toBe(`${t.url}/join`);
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual(['tandem.join.rejoin']);

    await page.reload();
    await page.getByRole('heading', { name: 'Helping carol' }).waitFor();
    expect(page.url()).toBe(`${t.url}/join`);
    // The same timeline as before the reload: from the moment this person joined, nothing earlier.
    await page.locator('.timeline li[data-type="ChatSent"]', { hasText: 'Before the reload' }).waitFor();
    expect(await seqs(page)).toEqual(before);
    expect(alice.all('session.event').filter((e) => e.sessionId === sessionId && e.type === 'InvitationAccepted')).toHaveLength(1);
    // Fully back: chat both ways.
    await alice.ask('chat.send', { sessionId, text: 'Welcome back, Rita' });
    await page.getByRole('tab', { name: /Chat/ }).click();
    await page.locator('.msg', { hasText: 'Welcome back, Rita' }).waitFor();
    await page.getByLabel('Chat message').fill('Back after the reload.');
    await page.getByRole('button', { name: 'Send' }).click();
    expect((await alice.next('session.event', (e) => e.text === 'Back after the reload.')).actor).toMatchObject({ kind: 'external', name: 'Rita Reload' });
    await page.locator('.msg.mine', { hasText: 'Back after the reload.' }).waitFor();
    expect(await page.locator('.toast-error').count()).toBe(0);
    await shot(page, 'reloaded');

    // Another tab with the same link has no way back: LINK_USED.
    const other = await open(link);
    await other.getByRole('heading', { name: 'This invitation link was already used' }).waitFor();

    // The tab goes elsewhere, the technician removes Rita meanwhile; back on /join the resume is refused.
    await page.goto(`${t.url}/healthz`);
    const rita = (alice.all('session.state').filter((s) => s.sessionId === sessionId).pop()!.members as Array<{ kind: string; id: string }>).find((m) => m.kind === 'external')!;
    await alice.ask('member.remove', { sessionId, memberId: rita.id });
    await page.goto(`${t.url}/join`);
    await page.getByRole('heading', { name: 'You are no longer in this session' }).waitFor();
    expect(await page.getByTestId('error-code').textContent()).toBe('NOT_MEMBER');
    expect(await page.evaluate(() => Object.keys(sessionStorage))).toEqual([]);
    await shot(page, 'resume-refused');
  });

  it('shows the end of the session when the technician ends it, and a withdrawn invitation as UNKNOWN_INVITE', async () => {
    const { alice, sessionId, link } = await invited('desk-join-2', '626262', 'Yuri Partner');
    const page = await open(link);
    await page.getByRole('heading', { name: 'Helping carol' }).waitFor();
    await alice.ask('session.end', { sessionId });
    await page.getByText('This session has ended: the technician ended it.').waitFor();
    expect(await page.getByRole('button', { name: 'Leave session' }).count()).toBe(0);
    expect(await page.getByLabel('Chat message').isDisabled()).toBe(true);
    await page.locator('.timeline li[data-type="SessionEnded"]').waitFor();
    await shot(page, 'ended');

    const other = await invited('desk-join-3', '636363', 'Zoe Cancelled');
    await other.alice.ask('invite.cancel', { sessionId: other.sessionId, inviteId: other.inviteId });
    const cancelled = await open(other.link);
    await cancelled.getByRole('heading', { name: 'This invitation was withdrawn' }).waitFor();
    expect(await cancelled.getByTestId('error-code').textContent()).toBe('UNKNOWN_INVITE');
    await shot(cancelled, 'withdrawn');
  });

  it('explains a link without its token, and a token the server refuses', async () => {
    const bare = await open('/join');
    await bare.getByRole('heading', { name: 'This invitation link is incomplete' }).waitFor();
    expect(await bare.getByTestId('error-code').textContent()).toBe('NO_TOKEN');
    const forged = await open('/join#access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad-signature');
    await forged.getByRole('heading', { name: 'This invitation link is not valid' }).waitFor({ timeout: 10000 });
    expect(await forged.getByTestId('error-code').textContent()).toBe('TOKEN_INVALID');
    await shot(forged, 'invalid');
  });
});
