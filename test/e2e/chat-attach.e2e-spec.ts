import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inflateSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { decodeFrame, FrameType, type MediaFrame } from '../../src/media/frame-codec';
import { decodeJpeg } from '../../src/native';
import { decodeLossless } from '../../src/native/lossless-codec';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { startProcess, type TrackedProcess } from '../support/processes';
import { waitFor } from '../support/wait';
import { WsTestClient } from '../support/ws-client';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const W = 1024;
const H = 640;
const CLI = resolve(PROJECT_ROOT, 'dist', 'agent', 'cli.js');
const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');

function frames(client: WsTestClient, sessionId: string, from = 0): MediaFrame[] {
  return client.binary.slice(from).map((b) => decodeFrame(b)).filter((p) => p.ok).map((p) => (p as { frame: MediaFrame }).frame).filter((f) => f.sessionId === sessionId);
}

function firstPixel(f: MediaFrame): number[] {
  const px = f.encoding === 1 ? decodeJpeg(f.payload).data : (() => {
    const out = decodeLossless(f.payload, f.width, f.height, (z) => inflateSync(z));
    if (!out.ok) throw new Error(out.message);
    return out.bgra;
  })();
  return [px[0]!, px[1]!, px[2]!];
}

/**
 * Click-to-chat elevated to the full client (issue #12): the customer grants it, gets a one-time attach
 * code and runs the real `tandem-agent join` CLI on a real X display; the agent joins the same session
 * and the technician receives that screen. Codes are single-use and expire.
 */
describe('click-to-chat: the customer\'s agent joins with a one-time code', () => {
  let t: TestNode;
  let x: TestDisplay;
  const tmp = mkdtempSync(join(tmpdir(), 'tandem-join-'));
  const procs: TrackedProcess[] = [];

  let chromium: TestBrowser | undefined;

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    x = await startXvfb({ width: W, height: H });
    await x.x('xsetroot', ['-solid', '#3366cc']);
    t = await startInProcessNode();
  });

  afterAll(async () => {
    for (const p of procs) await p.stop();
    await chromium?.close();
    await t?.stop();
    await x?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  const chatStart = async (node: TestNode, name: string): Promise<{ sessionId: string; token: string; path: string }> => {
    const res = await fetch(`${node.url}/api/chat/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, team: 'helpdesk' }) });
    expect(res.status).toBe(201);
    return res.json() as Promise<{ sessionId: string; token: string; path: string }>;
  };

  const join_ = (node: TestNode, code: string, config: string, name: string): TrackedProcess => {
    const p = startProcess(`tandem-agent join ${name}`, process.execPath, [
      CLI, 'join', '--server', node.url, '--code', code, '--config', join(tmp, config), '--display', x.display, '--name', name, '--fps', '10', '--no-webrtc',
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    procs.push(p);
    return p;
  };

  /** A click-to-chat session taken by alice, elevated to the full client and granted in the panel. */
  async function granted(node: TestNode, name: string): Promise<{ sessionId: string; alice: WsTestClient; panel: WsTestClient; token: string; path: string }> {
    const body = await chatStart(node, name);
    const panel = await WsTestClient.connect(`${node.wsUrl}/ws/console`, body.token, { viaQuery: true });
    await panel.next('session.state', (s) => s.sessionId === body.sessionId);
    const alice = await person(node, 'alice');
    await alice.ask('queue.take', { sessionId: body.sessionId });
    await expect(panel.ask('attach.code', { sessionId: body.sessionId })).rejects.toMatchObject({ code: 'NOT_AWAITING_AGENT' });
    await alice.ask('elevation.request', { sessionId: body.sessionId, method: 'prompt' });
    const asked = await panel.next('session.state', (s) => s.requests?.some((r: { kind: string }) => r.kind === 'elevation'));
    const req = asked.requests.find((r: { kind: string }) => r.kind === 'elevation');
    expect(req).toMatchObject({ scope: 'full-client' });
    await panel.ask('elevation.respond', { sessionId: body.sessionId, requestId: req.requestId, allow: true });
    expect(await alice.next('session.state', (s) => s.sessionId === body.sessionId && s.awaitingAgent === true)).toMatchObject({ chatOnly: false, mode: 'hold' });
    return { sessionId: body.sessionId, alice, panel, token: body.token, path: body.path };
  }

  it('the real agent joins with the code, the technician receives the Xvfb screen; a replayed code is refused', async () => {
    const { sessionId, alice, panel } = await granted(t, 'Uma Walk-in');
    try {
      // Only the customer gets a code: the event is not one a technician may send.
      await expect(alice.ask('attach.code', { sessionId })).rejects.toMatchObject({ code: 'UNKNOWN_EVENT' });
      const first = await panel.ask('attach.code', { sessionId, mode: 'observe' });
      expect(first).toMatchObject({ code: expect.stringMatching(/^[0-9A-Z]{10}$/), mode: 'observe' });
      expect(first.expiresAt).toBeGreaterThan(Date.now());
      // A new code replaces the last one: the first is dead.
      const { code } = await panel.ask('attach.code', { sessionId, mode: 'observe' });
      const stale = join_(t, first.code, 'stale.json', 'desk-stale');
      await waitFor('the stale code refused', () => stale.child.exitCode !== null, 20000);
      expect(stale.child.exitCode).toBe(1);
      expect(stale.output()).toContain('ATTACH_CODE_UNKNOWN');
      // Nobody sees the code or its hash in the session's events.
      const issued = await alice.next('session.event', (e) => e.type === 'AttachCodeIssued');
      expect(JSON.stringify(issued)).not.toMatch(new RegExp(`${code}|codeHash`));

      const agentProc = join_(t, code, 'agent.json', 'desk-join');
      const joined = await alice.next('session.state', (s) => s.sessionId === sessionId && s.awaitingAgent === false && s.mode === 'observe', 20000)
        .catch((e: Error) => { throw new Error(`${e.message}; the agent said: ${agentProc.output()}`); });
      expect(joined).toMatchObject({ status: 'active', chatOnly: false, screenVisible: true, details: { agentId: expect.stringMatching(/^ag_/) } });
      expect(await alice.next('session.event', (e) => e.type === 'AgentAttached')).toMatchObject({ mode: 'observe', actor: { name: 'desk-join' } });

      // The technician receives the real screen of the Xvfb display.
      const info = await waitFor('a screen info frame', () => frames(alice, sessionId).find((f) => f.type === FrameType.ScreenInfo), 15000)
        .catch((e: Error) => { throw new Error(`${e.message}; the agent said: ${agentProc.output()}`); });
      expect(info).toMatchObject({ width: W, height: H, monitor: 0 });
      const tile = await waitFor('a tile', () => frames(alice, sessionId).find((f) => f.type === FrameType.Tile), 15000);
      expect(firstPixel(tile)).toEqual([0xcc, 0x66, 0x33]);
      const mark = alice.binary.length;
      await x.x('xsetroot', ['-solid', '#22aa44']);
      const green = await waitFor('green tiles', () => frames(alice, sessionId, mark).find((f) => f.type === FrameType.Tile && firstPixel(f)[1] === 0xaa), 15000);
      expect(firstPixel(green)).toEqual([0x44, 0xaa, 0x22]);
      // All session rules apply: observe lets no input through.
      await expect(alice.ask('input', { sessionId, kind: 'move', monitor: 0, x: 0.5, y: 0.5 })).rejects.toMatchObject({ code: 'MODE_FORBIDS_INPUT' });

      // The same code again, from another desktop and from a raw agent connection: used.
      const replay = join_(t, code, 'replay.json', 'desk-replay');
      await waitFor('the replay refused', () => replay.child.exitCode !== null, 20000);
      expect(replay.child.exitCode).toBe(1);
      expect(replay.output()).toContain('ATTACH_CODE_USED');
      await expect(panel.ask('attach.code', { sessionId })).rejects.toMatchObject({ code: 'NOT_AWAITING_AGENT' });

      // The customer ends the session from the chat panel; the joined agent stops with it.
      await panel.ask('session.end', { sessionId });
      await waitFor('the joined agent to exit', () => agentProc.child.exitCode !== null, 10000);
      expect(agentProc.child.exitCode).toBe(0);
      expect(agentProc.output()).toContain('the session has ended');
    } finally {
      await alice.close();
      await panel.close();
    }
  }, 90_000);

  it('the joined agent exits 0 when the owner disconnects the customer, saying why; the chat goes on', async () => {
    const { sessionId, alice, panel } = await granted(t, 'Dora Disconnect');
    try {
      const { code } = await panel.ask('attach.code', { sessionId, mode: 'observe' });
      const agentProc = join_(t, code, 'disconnect.json', 'desk-disconnect');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.awaitingAgent === false && s.mode === 'observe', 20000)
        .catch((e: Error) => { throw new Error(`${e.message}; the agent said: ${agentProc.output()}`); });
      await waitFor('a tile', () => frames(alice, sessionId).find((f) => f.type === FrameType.Tile), 15000);

      // The owner ends the customer's part: the desktop is free, so `join` has nothing left to do.
      await alice.ask('customer.disconnect', { sessionId });
      await waitFor('the joined agent to exit', () => agentProc.child.exitCode !== null, 5000)
        .catch((e: Error) => { throw new Error(`${e.message}; the agent said: ${agentProc.output()}`); });
      expect(agentProc.child.exitCode).toBe(0);
      expect(agentProc.output()).toContain('the technician disconnected you from the session');
      expect(agentProc.output()).toContain('the technician disconnected this desktop from the session (its part is over): stopping');
      // The session itself goes on (notes, chat) and ends later without the agent.
      expect(await alice.next('session.state', (s) => s.sessionId === sessionId && s.customer?.connected === false)).toMatchObject({ status: 'active' });
      await alice.ask('session.end', { sessionId });
    } finally {
      await alice.close();
      await panel.close();
    }
  }, 60_000);

  it('refuses an expired code, and a code after the session ended', async () => {
    const short = await startInProcessNode({ codes: { attachCodeTtlMs: 1000 } });
    try {
      const { sessionId, alice, panel } = await granted(short, 'Ezra Late');
      const { code, expiresAt } = await panel.ask('attach.code', { sessionId });
      await waitFor('the code to expire', () => Date.now() > expiresAt + 100, 5000, 50);
      const late = join_(short, code, 'late.json', 'desk-late');
      await waitFor('the expired code refused', () => late.child.exitCode !== null, 20000);
      expect(late.child.exitCode).toBe(1);
      expect(late.output()).toContain('ATTACH_CODE_EXPIRED');
      await alice.close();
      await panel.close();

      const again = await granted(t, 'Olga Over');
      const fresh = await again.panel.ask('attach.code', { sessionId: again.sessionId });
      await again.alice.ask('session.end', { sessionId: again.sessionId });
      const after = join_(t, fresh.code, 'after.json', 'desk-after');
      await waitFor('the code refused after the end', () => after.child.exitCode !== null, 20000);
      expect(after.child.exitCode).toBe(1);
      expect(after.output()).toContain('SESSION_ENDED');
      // A malformed code never reaches the server; the CLI says what it wants.
      const bad = startProcess('tandem-agent join bad', process.execPath, [CLI, 'join', '--server', t.url, '--code', 'nope'], { stdio: ['pipe', 'pipe', 'pipe'] });
      procs.push(bad);
      await waitFor('the usage error', () => bad.child.exitCode !== null, 10000);
      expect(bad.child.exitCode).toBe(2);
      expect(bad.output()).toContain('--code must be the 10-character code');
      await again.alice.close();
      await again.panel.close();
    } finally {
      await short.stop();
    }
  }, 60_000);

  it('in the browser: the customer panel shows the join command, the cockpit waits for the agent and then shows the screen', async () => {
    await x.x('xsetroot', ['-solid', '#cc3366']);
    chromium = await launchChromium();
    const open = async (path: string): Promise<Page> => {
      const ctx = await chromium!.browser.newContext({ viewport: { width: 1280, height: 760 }, locale: 'en-GB', timezoneId: 'UTC' });
      const page = await ctx.newPage();
      page.setDefaultTimeout(10000);
      await page.goto(`${t.url}${path}`);
      return page;
    };
    const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: resolve(ARTIFACTS, `chat-join-${name}.png`) });
    const body = await chatStart(t, 'Ivy Browser');
    const customer = await open(body.path);
    const cockpit = await open('/');
    await cockpit.getByLabel('Username').fill('alice');
    await cockpit.getByLabel('Password').fill('alice-pw');
    await cockpit.getByRole('button', { name: 'Sign in' }).click();
    await cockpit.getByRole('button', { name: 'Take Ivy Browser' }).click();
    await cockpit.locator('.session-head h3', { hasText: 'Ivy Browser' }).waitFor();
    await cockpit.getByText('This session has no screen.').waitFor();
    await cockpit.locator('.session-head').getByTestId('mode').filter({ hasText: /^Chat only$/ }).waitFor();

    // The technician asks for the full client (Admin tab); the customer allows it in the panel.
    await cockpit.getByRole('tab', { name: 'Admin' }).click();
    await cockpit.getByRole('button', { name: 'Request elevation' }).click();
    await customer.getByText('asks to see your screen').waitFor();
    await customer.getByRole('group', { name: /Request from/ }).getByRole('button', { name: 'Allow' }).click();
    const command = customer.getByTestId('join-command');
    await waitFor('the join command', async () => /--code [0-9A-Z]{10}$/.test((await command.textContent()) ?? ''));
    const text = (await command.textContent())!;
    expect(text).toBe(`tandem-agent join --server ${t.url} --code ${/--code ([0-9A-Z]{10})$/.exec(text)![1]}`);
    await customer.locator('.toast-close').first().click().catch(() => undefined);
    await shot(customer, '01-customer-command');
    await cockpit.getByText('Waiting for the customer\'s agent', { exact: true }).waitFor();
    await cockpit.getByText('Full client allowed: waiting for the customer\'s agent to join.').waitFor();
    await cockpit.locator('.toast-close').first().click().catch(() => undefined);
    await shot(cockpit, '02-cockpit-waiting');

    // The customer runs exactly that command.
    const [, , , server, , code] = text.split(' ');
    const agentProc = join_({ ...t, url: server! }, code!, 'browser.json', 'ivy-laptop');
    const canvas = cockpit.getByLabel('Remote screen');
    await canvas.waitFor({ state: 'visible', timeout: 20000 }).catch((e: Error) => { throw new Error(`${e.message}; the agent said: ${agentProc.output()}`); });
    await waitFor('the Xvfb colour on the canvas', () => canvas.evaluate((c: HTMLCanvasElement) => {
      if (c.width === 0) return false;
      const d = c.getContext('2d')!.getImageData(Math.floor(c.width / 2), Math.floor(c.height / 2), 1, 1).data;
      return Math.abs(d[0]! - 0xcc) < 12 && Math.abs(d[1]! - 0x33) < 12 && Math.abs(d[2]! - 0x66) < 12;
    }), 20000, 100);
    expect(await canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height])).toEqual([W, H]);
    await cockpit.getByRole('tab', { name: 'Activity' }).click();
    await cockpit.locator('.timeline li[data-type="AgentAttached"]').waitFor();
    await shot(cockpit, '03-cockpit-screen');
    await customer.getByTestId('join-screen').waitFor({ state: 'detached' });
    await customer.getByText('Current mode: Observe').waitFor();
    await shot(customer, '04-customer-sharing');

    await cockpit.getByRole('button', { name: 'End session' }).click();
    await waitFor('the joined agent to exit', () => agentProc.child.exitCode !== null, 10000);
    expect(agentProc.child.exitCode).toBe(0);
  }, 90_000);
});
