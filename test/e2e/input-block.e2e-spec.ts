import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { InputBlockAccess } from '../../src/agent/input-block-follower';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { X11InputBlock, X11TestDevice } from '../../src/native/input-block';
import { X11Screen } from '../../src/native/x11';
import { startDesktopAgent, type DesktopAgent } from '../support/desktop-agent';
import { launchChromium } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { startProcess, type TrackedProcess } from '../support/processes';
import { waitFor } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const W = 1280;
const H = 720;
const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');
const XK = { Escape: 0xff1b } as const;
const keysym = (ch: string): number => ch.charCodeAt(0);

interface Typed { keys: string; clicks: number }

/** What the focused application (xev) received so far: the characters typed and the clicks. */
function received(output: string): Typed {
  let keys = '';
  let clicks = 0;
  const lines = output.split('\n');
  lines.forEach((line, i) => {
    if (line.startsWith('ButtonPress event')) clicks++;
    if (line.startsWith('KeyPress event')) {
      const m = /keysym 0x[0-9a-f]+, ([^)]+)\)/.exec(lines[i + 2] ?? '');
      if (m) keys += m[1]!.length === 1 ? m[1] : `<${m[1]}>`;
    }
  });
  return { keys, clicks };
}

/**
 * Blocking the customer's input on a real X display: `xev`, covering the screen, is the focused
 * application (its keyboard focus follows the pointer: no window manager); the customer's own
 * keyboard and mouse are a second X client whose events enter
 * through devices other than the agent's (X11TestDevice: the XTEST slaves of a `customer` master);
 * the technician's input is injected by the real agent through XTest. While blocked, the customer's
 * keys and clicks must not reach the window and the technician's must; every release path must give
 * the customer their devices back.
 */
describe('blocking the customer\'s input on Xvfb', () => {
  let t: TestNode;
  let x: TestDisplay;
  let xev: TrackedProcess;
  let screen: X11Screen;
  let device: X11TestDevice;
  /** Where the customer clicks and types: inside the xev window. */
  const origin = { x: 0, y: 0 };
  const tmp = mkdtempSync(join(tmpdir(), 'tandem-block-'));

  const typed = async (): Promise<Typed> => received(xev.output());
  /** The names of the devices floating now (an actively grabbed slave floats for the grab). */
  const heldNow = async (): Promise<string[]> => (await x.x('xinput', ['list', '--short'])).split('\n').filter((l) => l.includes('[floating slave]')).map((l) => l.replace(/^[^A-Za-z]*/, '').split('\t')[0]!.trim());

  /** The customer clicks in the window and types `ch` with their own devices. */
  function customerActs(ch: string): void {
    device.click(origin.x + 100, origin.y + 60);
    device.move(origin.x + 140, origin.y + 150);
    device.tap(keysym(ch));
  }

  /** The customer's key and click arrive (xev gets them). */
  async function expectCustomerReaches(before: Typed, ch: string): Promise<void> {
    customerActs(ch);
    await waitFor(`the customer's '${ch}' and click in the window`, async () => {
      const now = await typed();
      return now.keys.endsWith(ch) && now.clicks > before.clicks;
    }, 10000, 30).catch(async (e: Error) => { throw new Error(`${e.message}; xev has ${JSON.stringify(await typed())}`); });
  }

  /**
   * While blocked: the customer's key and click do not arrive, the technician's injected key does.
   * The technician's key is injected after the customer's events were processed by the server, so
   * once it is in the window, anything of the customer's that was delivered would be there too.
   */
  async function expectBlocked(alice: WsTestClient, sessionId: string, customerCh: string, techCh: string): Promise<void> {
    const before = await typed();
    customerActs(customerCh);
    await alice.ask('input', { sessionId, kind: 'key', keysym: keysym(techCh), down: true });
    await alice.ask('input', { sessionId, kind: 'key', keysym: keysym(techCh), down: false });
    await waitFor(`the technician's '${techCh}' in the window`, async () => (await typed()).keys.endsWith(techCh), 10000, 30)
      .catch(async (e: Error) => { throw new Error(`${e.message}; xev has ${JSON.stringify(await typed())}`); });
    const after = await typed();
    expect(after.keys).toBe(`${before.keys}${techCh}`);
    expect(after.clicks).toBe(before.clicks);
  }

  async function block(alice: WsTestClient, desk: DesktopAgent, sessionId: string): Promise<void> {
    const asked = desk.said().length;
    const { requestId } = await alice.ask('input-block.request', { sessionId });
    await waitFor('the block question', () => /asks to block your keyboard and mouse/.test(desk.said().slice(asked)));
    desk.type('y');
    await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'InputBlockAnswered' && e.requestId === requestId && e.allow === true, 10000);
    await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'InputBlocked' && e.memberId === 'alice', 10000);
    await waitFor('the agent to hold the devices', () => desk.client.inputBlocked);
    const held = await heldNow();
    expect(held).toEqual(expect.arrayContaining(['Xvfb mouse', 'Xvfb keyboard', 'customer XTEST pointer', 'customer XTEST keyboard']));
    expect(held.filter((d) => d.startsWith('Virtual core'))).toEqual([]);
  }

  async function released(alice: WsTestClient, sessionId: string, reason: string): Promise<void> {
    await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'InputReleased' && e.reason === reason, 10000);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    x = await startXvfb({ width: W, height: H });
    t = await startInProcessNode();
    screen = new X11Screen(x.display);
    device = new X11TestDevice(x.display, 'customer');
    // Line-buffered, so each event is readable as soon as xev printed it.
    xev = startProcess('xev', 'stdbuf', ['-oL', 'xev', '-event', 'keyboard', '-event', 'button', '-geometry', `${W}x${H}+0+0`], { env: { ...process.env, DISPLAY: x.display } });
    await waitFor('the xev window', async () => (await x.x('xdotool', ['search', '--name', 'Event Tester'])).trim() !== '', 10000, 100);
    origin.x = 100;
    origin.y = 100;
    // The technician's (core) pointer rests on the window too, so the injected keys go to it.
    screen.move(0, 400, 400);
  });

  afterAll(async () => {
    device?.close();
    await xev?.stop();
    screen?.close();
    await t?.stop();
    await x?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('holds the customer\'s keys and clicks while the technician\'s injected ones arrive, and every release path gives them back', async () => {
    const inputBlock: InputBlockAccess = { open: (onEnded) => new X11InputBlock(x.display, { onReleased: onEnded }) };
    // The agent's own display connections (stopping the agent closes them).
    const own = new X11Screen(x.display);
    const desk = await startDesktopAgent(t, 'desk-block', { screen: own, injector: own, inputBlock });
    const alice = await person(t, 'alice');
    try {
      await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.find((a: { agentId: string }) => a.agentId === desk.agentId));
      const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
      await desk.waitForQuestion(/asks to view your screen/);
      desk.type('y');
      desk.type('interact');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active' && s.mode === 'interact', 10000);

      // Before any block the customer's devices work.
      await expectCustomerReaches(await typed(), 'a');

      // The customer refuses: nothing is held.
      const asked = desk.said().length;
      await alice.ask('input-block.request', { sessionId });
      await waitFor('the block question', () => /asks to block your keyboard and mouse/.test(desk.said().slice(asked)));
      desk.type('n');
      await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'InputBlockAnswered' && e.allow === false, 10000);
      expect(desk.client.inputBlocked).toBe(false);
      await expectCustomerReaches(await typed(), 'b');

      // 1. Released by the technician.
      await block(alice, desk, sessionId);
      await expectBlocked(alice, sessionId, 'c', 'd');
      await alice.ask('input-block.release', { sessionId });
      await released(alice, sessionId, 'technician');
      await waitFor('the agent to let go', () => !desk.client.inputBlocked);
      await expectCustomerReaches(await typed(), 'e');

      // 2. Released by the customer at the agent's prompt.
      await block(alice, desk, sessionId);
      await expectBlocked(alice, sessionId, 'f', 'g');
      desk.type('unblock');
      await released(alice, sessionId, 'customer');
      await waitFor('the agent to let go', () => !desk.client.inputBlocked);
      await expectCustomerReaches(await typed(), 'h');

      // 3. The customer's emergency keys on their own keyboard: Esc three times.
      await block(alice, desk, sessionId);
      await expectBlocked(alice, sessionId, 'i', 'j');
      device.tap(XK.Escape, XK.Escape, XK.Escape);
      await released(alice, sessionId, 'emergency-key');
      expect(desk.client.inputBlocked).toBe(false);
      await expectCustomerReaches(await typed(), 'k');
      // The agent does not hold the devices again for the state that still said blocked.
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.inputBlock === null, 10000);
      expect(desk.client.inputBlocked).toBe(false);

      // 4. A mode change releases in the same decision.
      await block(alice, desk, sessionId);
      await expectBlocked(alice, sessionId, 'l', 'm');
      desk.type('observe');
      await released(alice, sessionId, 'mode-change');
      await waitFor('the agent to let go', () => !desk.client.inputBlocked);
      await expectCustomerReaches(await typed(), 'n');
      desk.type('interact');
      await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'ModeChanged' && e.mode === 'interact' && e.previous === 'observe', 10000);

      // Blocked again, a device plugged in meanwhile is held too.
      await block(alice, desk, sessionId);
      const late = new X11TestDevice(x.display, 'late');
      try {
        await waitFor('the late device held', async () => (await heldNow()).includes('late XTEST keyboard'));
      } finally {
        late.close();
      }

      // 5. The owner putting the session on hold releases; taken back, it can be blocked again.
      await expectBlocked(alice, sessionId, 'o', 'p');
      await alice.ask('session.hold', { sessionId });
      await released(alice, sessionId, 'hold');
      await waitFor('the agent to let go', () => !desk.client.inputBlocked);
      await expectCustomerReaches(await typed(), 'u');
      await alice.ask('queue.take', { sessionId });
      await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'SessionTaken', 10000);
      await block(alice, desk, sessionId);

      // 6. Control changing hands releases: the block belongs to the member who asked.
      const bob = await person(t, 'bob');
      try {
        const { inviteId } = await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
        await bob.ask('invite.respond', { sessionId, inviteId, accept: true });
        await expectBlocked(alice, sessionId, 'x', 'y');
        await alice.ask('control.hand', { sessionId, memberId: 'bob' });
        await released(alice, sessionId, 'control-change');
        await waitFor('the agent to let go', () => !desk.client.inputBlocked);
        await expectCustomerReaches(await typed(), 'z');
        await alice.ask('control.hand', { sessionId, memberId: 'alice' });
        await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'ControlGranted' && e.memberId === 'alice', 10000);
      } finally {
        await bob.close();
      }
      await block(alice, desk, sessionId);

      // 7. The session's end releases.
      await expectBlocked(alice, sessionId, 'v', 'w');
      await alice.ask('session.end', { sessionId });
      await released(alice, sessionId, 'session-end');
      await waitFor('the agent to let go', () => !desk.client.inputBlocked);
      await expectCustomerReaches(await typed(), 'q');
    } finally {
      desk.stop();
      await alice.close();
    }
  });

  it('a killed agent (kill -9) leaves nothing held, and the session records the release', async () => {
    const cli = resolve(PROJECT_ROOT, 'dist', 'agent', 'cli.js');
    const agentProc = startProcess('tandem-agent', process.execPath, [
      cli, 'run', '--server', t.url, '--secret', 'test-enroll-secret', '--config', join(tmp, 'kill.json'), '--display', x.display, '--name', 'desk-kill', '--fps', '5', '--no-webrtc',
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    const alice = await person(t, 'alice');
    try {
      const row = await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.find((a: { hostname: string }) => a.hostname === 'desk-kill'));
      const { sessionId } = await alice.ask('assist.request', { agentId: row.agentId });
      await waitFor('the question', () => /asks to view your screen/.test(agentProc.output()));
      agentProc.child.stdin!.write('y\ninteract\n');
      await alice.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active' && s.mode === 'interact', 10000);
      await alice.ask('input-block.request', { sessionId });
      await waitFor('the block question', () => /asks to block your keyboard and mouse/.test(agentProc.output()));
      agentProc.child.stdin!.write('y\n');
      await waitFor('the agent to hold the devices', () => /input blocked \[session:/.test(agentProc.output()));
      await expectBlocked(alice, sessionId, 'r', 's');

      agentProc.child.kill('SIGKILL');
      // The X server drops the dead client's grabs as it closes the connection: the customer's
      // devices are attached to their master again (events sent before that would be swallowed).
      await waitFor('the customer\'s keyboard attached again', async () => !(await heldNow()).includes('customer XTEST keyboard'));
      await expectCustomerReaches(await typed(), 't');
      await released(alice, sessionId, 'agent-exit');
    } finally {
      await agentProc.stop();
      await alice.close();
    }
  });
  it('the cockpit asks with "Block customer input", the customer panel allows and shows how to take them back, and unblocks', async () => {
    const inputBlock: InputBlockAccess = { open: (onEnded) => new X11InputBlock(x.display, { onReleased: onEnded }) };
    const own = new X11Screen(x.display);
    const desk = await startDesktopAgent(t, 'desk-panel', { screen: own, injector: own, inputBlock });
    const browser = await launchChromium();
    try {
      const cockpit = await (await browser.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      cockpit.setDefaultTimeout(10000);
      await cockpit.goto(`${t.url}/`);
      await cockpit.getByLabel('Username').fill('alice');
      await cockpit.getByLabel('Password').fill('alice-pw');
      await cockpit.getByRole('button', { name: 'Sign in' }).click();
      await cockpit.locator('[data-agent="desk-panel"]').click();
      await cockpit.getByRole('button', { name: 'Assist desk-panel' }).click();
      await desk.waitForQuestion(/asks to view your screen/);
      const blockBtn = cockpit.getByTestId('input-block');
      // Not allowed before interact with control.
      await blockBtn.waitFor();
      desk.type('y');
      await cockpit.locator('[data-testid="mode"]', { hasText: 'Hold' }).waitFor();
      expect(await blockBtn.isDisabled()).toBe(true);
      desk.type('interact');
      await cockpit.locator('[data-testid="mode"]', { hasText: 'Interact' }).waitFor();
      await cockpit.getByLabel('Remote screen').waitFor({ state: 'visible' });
      await waitFor('the button enabled', async () => !(await blockBtn.isDisabled()));

      const link = await desk.client.customerPanel();
      const panel = await (await browser.browser.newContext({ viewport: { width: 1100, height: 760 } })).newPage();
      panel.setDefaultTimeout(10000);
      await panel.goto(`${t.url}${link.path}`);

      await blockBtn.click();
      await cockpit.getByRole('button', { name: 'Cancel block request' }).waitFor();
      await panel.getByText('asks to block your own keyboard and mouse').waitFor();
      await panel.getByRole('button', { name: 'Allow' }).click();
      await panel.getByTestId('input-blocked').waitFor();
      await cockpit.getByTestId('input-blocked').waitFor();
      await cockpit.getByRole('button', { name: 'Release customer input' }).waitFor();
      await cockpit.locator('.banner.blocked').waitFor();
      await waitFor('the agent to hold the devices', () => desk.client.inputBlocked);
      expect(await heldNow()).toEqual(expect.arrayContaining(['Xvfb keyboard', 'customer XTEST keyboard']));
      await cockpit.screenshot({ path: join(ARTIFACTS, 'input-block-cockpit.png') });
      await panel.screenshot({ path: join(ARTIFACTS, 'input-block-panel.png') });

      // The customer takes them back from the panel.
      await panel.getByRole('button', { name: 'Unblock' }).click();
      await cockpit.getByTestId('input-blocked').waitFor({ state: 'detached' });
      await cockpit.getByRole('button', { name: 'Block customer input' }).waitFor();
      await waitFor('the agent to let go', () => !desk.client.inputBlocked);
      expect(await heldNow()).toEqual([]);
      await cockpit.getByText('work again (released by the customer)').first().waitFor();
    } finally {
      desk.stop();
      await browser.close();
    }
  });
});
