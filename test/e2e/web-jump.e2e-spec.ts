import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { AgentClient } from '../../src/agent/agent-client';
import type { CustomerPrompt } from '../../src/agent/customer-prompt';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person, type TestAgent } from '../support/people';
import { waitFor } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';

const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');
const VIEWPORT = { width: 1280, height: 760 };

/** A customer who says yes to everything (the real agent's side of the command shell). */
const yes: CustomerPrompt = { askAssist: async () => true, askRequest: async () => true, askFile: async () => true, notice: () => undefined, onChoice: () => undefined, close: () => undefined };

/**
 * Issue #12 in the cockpit: the Jump list (Jump Clients by group, with the group's consent policy; Start asks
 * for the reason the policy requires), the team and personal queues with Take, and the command shell of an
 * elevated session, against a real agent client running a real shell.
 */
describe('web: jump list, queues and command shell', () => {
  let t: TestNode;
  let chromium: TestBrowser;
  let client: AgentClient | undefined;
  const contexts: BrowserContext[] = [];
  const closers: Array<() => Promise<void> | void> = [];
  let step = 0;

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startInProcessNode({ policy: { reasonRequired: { jump: true } } });
    chromium = await launchChromium();
  });

  afterAll(async () => {
    client?.stop();
    for (const c of closers) await c();
    for (const c of contexts) await c.close().catch(() => undefined);
    await chromium?.close();
    await t?.stop();
  });

  async function open(path: string): Promise<Page> {
    const ctx = await chromium.browser.newContext({ viewport: VIEWPORT, locale: 'en-GB', timezoneId: 'UTC' });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(`${t.url}${path}`);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    step++;
    await page.screenshot({ path: resolve(ARTIFACTS, `jump-${String(step).padStart(2, '0')}-${name}.png`) });
  }

  async function dismissToasts(page: Page): Promise<void> {
    for (const b of await page.locator('.toast-close').all()) await b.click().catch(() => undefined);
  }

  async function signIn(page: Page, username: string): Promise<void> {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(`${username}-pw`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Online' }).waitFor();
  }

  /** Alice pins a desktop as a Jump Client over her own ws connection (the pinning UI is not part of this work). */
  async function pin(alice: WsTestClient, agentId: string, location: object, consent?: 'notify' | 'ask', answer?: TestAgent): Promise<string> {
    const { sessionId } = await alice.ask('assist.request', { agentId, action: 'control' });
    if (answer) await answer.ws.ask('assist.respond', { sessionId, allow: true });
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active');
    const { jumpClientId } = await alice.ask('jump.pin', { sessionId, location, ...(consent ? { consent } : {}) });
    await alice.ask('session.end', { sessionId });
    return jumpClientId;
  }

  it('lists jump clients by group with their consent policy, starts both kinds, asks the required reason, and takes from queues', async () => {
    const root = await person(t, 'root');
    const aliceWs = await person(t, 'alice');
    closers.push(() => root.close(), () => aliceWs.close());
    await root.ask('jump-group.define', { groupId: 'front', name: 'Front office', userIds: [], teams: ['helpdesk'], consent: 'notify' });
    await root.ask('jump-group.define', { groupId: 'lab', name: 'Lab', userIds: ['alice'], teams: [], consent: 'ask' });
    const front = await agent(t, 'desk-front', '414141', 'fred');
    const lab = await agent(t, 'desk-lab', '424242', 'lena');
    closers.push(() => front.ws.close(), () => lab.ws.close());
    await pin(aliceWs, front.agentId, { kind: 'group', groupId: 'front' }, undefined, front);
    await pin(aliceWs, lab.agentId, { kind: 'group', groupId: 'lab' }, undefined, lab);

    // The Jump list, by group, with each group's policy in words.
    const alice = await open('/');
    await signIn(alice, 'alice');
    await alice.getByRole('tab', { name: /Jump clients/ }).click();
    const frontGroup = alice.locator('.jump-group', { hasText: 'Front office' });
    const labGroup = alice.locator('.jump-group', { hasText: 'Lab' });
    await frontGroup.locator('[data-jump="desk-front"]').waitFor();
    await labGroup.locator('[data-jump="desk-lab"]').waitFor();
    expect(await frontGroup.locator('header .badge').textContent()).toBe('Starts at once with a notice');
    expect(await labGroup.locator('header .badge').textContent()).toBe('Asks the user first');
    expect(await frontGroup.textContent()).toContain('fred · Linux · online');
    expect(await alice.getByRole('tab', { name: /Jump clients/ }).textContent()).toContain('2');
    await shot(alice, 'jump-list');

    // Start under "notify": the reason is optional at first sight; the server's policy requires one, so the
    // dialog comes back asking for it; then the session is active at once and the user gets a notice.
    await alice.getByRole('button', { name: 'Start desk-front' }).click();
    const dialog = alice.getByRole('dialog');
    await dialog.getByText('The session starts at once, unattended').waitFor();
    expect(await dialog.getByLabel(/Reason or ticket/).getAttribute('placeholder')).toContain('INC-');
    await dialog.getByRole('button', { name: 'Start now' }).click();
    await dialog.getByText('Your organisation requires a reason or ticket number').waitFor();
    await dialog.getByLabel('Reason or ticket (required)').waitFor();
    await shot(alice, 'jump-reason-required');
    await dialog.getByLabel('Reason or ticket (required)').fill('INC-4711 printer queue stuck');
    await dialog.getByRole('button', { name: 'Start now' }).click();
    expect(await front.ws.next('jump.notice')).toMatchObject({ technician: expect.objectContaining({ name: 'Alice Tech' }) });
    await alice.getByText('You: Owner').waitFor();
    await alice.locator('.session-head .badge', { hasText: 'Active' }).waitFor();
    await alice.locator('.timeline li[data-type="JumpStarted"]', { hasText: 'customer notified' }).waitFor();
    await dismissToasts(alice);
    await shot(alice, 'jump-notify-active');

    // Hold puts it into my personal queue; a click-to-chat customer waits in the helpdesk team queue.
    await alice.getByRole('button', { name: 'Hold', exact: true }).click();
    const personal = alice.locator('.queue-group', { hasText: 'My personal queue' });
    await personal.locator('.queue-card').waitFor();
    const chat = await (await fetch(`${t.url}/api/chat/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Uma Walk-in', team: 'helpdesk' }) })).json() as { sessionId: string };
    const team = alice.locator('.queue-group', { hasText: 'Team helpdesk' });
    await team.locator('.queue-card', { hasText: 'Uma Walk-in' }).waitFor();
    await team.evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await shot(alice, 'queues');
    expect(await alice.locator('.queue-group .queue-title').allTextContents()).toEqual(['My personal queue1', 'Team helpdesk1']);

    // Take from the team queue: the chat-only session opens, owned by Alice.
    await team.getByRole('button', { name: 'Take Uma Walk-in' }).click();
    await team.waitFor({ state: 'detached' });
    await alice.locator('.session-head h3', { hasText: 'Uma Walk-in' }).waitFor();
    await alice.getByText('You: Owner').waitFor();
    await alice.getByRole('button', { name: 'End session' }).click();
    await alice.getByText('This session has ended').waitFor();
    await alice.getByRole('button', { name: 'Close', exact: true }).click();
    void chat;

    // Take back the held one from my personal queue: active again.
    await personal.getByRole('button', { name: /^Take/ }).click();
    await personal.waitFor({ state: 'detached' });
    await alice.locator('.session-head .badge', { hasText: 'Active' }).waitFor();
    await alice.getByText('No session is waiting.').waitFor();
    await alice.getByRole('button', { name: 'End session' }).click();
    await alice.getByText('This session has ended').waitFor();
    await alice.getByRole('button', { name: 'Close', exact: true }).click();

    // Start under "ask": the user is asked first; the session waits until they allow.
    await alice.getByRole('tab', { name: /Jump clients/ }).click();
    await alice.getByRole('button', { name: 'Start desk-lab' }).click();
    await dialog.getByText('The logged-in user is asked first').waitFor();
    await dialog.getByLabel('Reason or ticket (required)').fill('CHG-12 lab image update');
    await dialog.getByRole('button', { name: 'Ask the user' }).click();
    const asked = await lab.ws.next('assist.requested', (a) => a.via === 'jump');
    expect(asked).toMatchObject({ via: 'jump' });
    await alice.getByText('Waiting for the customer', { exact: false }).first().waitFor();
    await dismissToasts(alice);
    await shot(alice, 'jump-ask-pending');
    await lab.ws.ask('assist.respond', { sessionId: asked.sessionId, allow: true });
    await alice.locator('.session-head .badge', { hasText: 'Active' }).waitFor();
    expect(await alice.locator('.timeline li[data-type="JumpStarted"]').textContent()).toContain('waiting for the customer');
    await alice.getByRole('button', { name: 'End session' }).click();
    await alice.getByText('This session has ended').waitFor();
  }, 90_000);

  it('runs a command in the remote shell only while the session is elevated', async () => {
    const res = await fetch(`${t.url}/api/agents/enroll`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hostname: 'desk-shell', secret: 'test-enroll-secret' }) });
    const { agentId, token } = (await res.json()) as { agentId: string; token: string };
    client = new AgentClient({
      state: { server: t.url, agentId, token, pin: '434343' }, hello: { hostname: 'desk-shell', osUser: 'sid', os: 'Linux', version: '0.1.0', capabilities: ['shell'] },
      prompt: yes, fps: 10, quality: 70, lockCommand: ['true'], log: () => undefined,
    });
    client.start();
    const aliceWs = await person(t, 'alice');
    closers.push(() => aliceWs.close());
    await waitFor('the agent online', async () => (await aliceWs.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === agentId), 10_000);
    await pin(aliceWs, agentId, { kind: 'personal' }, 'ask');

    // The personal pin shows in "My personal list" with its own policy.
    const alice = await open('/');
    await signIn(alice, 'alice');
    await alice.getByRole('tab', { name: /Jump clients/ }).click();
    const mine = alice.locator('.jump-group', { hasText: 'My personal list' });
    await mine.locator('[data-jump="desk-shell"] .badge', { hasText: 'Asks the user first' }).waitFor();
    await alice.getByRole('button', { name: 'Start desk-shell' }).click();
    await alice.getByRole('dialog').getByLabel(/Reason or ticket/).fill('INC-5000 disk full');
    await alice.getByRole('dialog').getByRole('button', { name: 'Ask the user' }).click();
    await alice.locator('.session-head .badge', { hasText: 'Active' }).waitFor();

    // Not elevated: the shell is not available.
    await alice.getByRole('tab', { name: 'Admin' }).click();
    const panel = alice.getByTestId('shell-panel');
    await panel.getByText('Available once the session is elevated').waitFor();
    expect(await panel.getByRole('button', { name: 'Open terminal' }).isDisabled()).toBe(true);
    const adminActions = alice.locator('fieldset', { has: alice.locator('legend', { hasText: 'Admin actions' }) });
    expect(await adminActions.getByTestId('admin-actions-hint').textContent()).toBe('Available once the session is elevated.');
    expect(await adminActions.getByRole('button', { name: 'Process list' }).isDisabled()).toBe(true);
    await dismissToasts(alice);
    await shot(alice, 'shell-not-elevated');

    // Elevated (the user allows): open the terminal and type into it, as into a local one.
    await alice.getByRole('button', { name: 'Request elevation' }).click();
    await alice.locator('.session-head .badge', { hasText: 'Elevated' }).waitFor();
    // The Admin actions box says what elevation made available (it used to say "Available once the session is elevated.").
    await adminActions.getByText('The session is elevated: restart, process list and protected window are available.').waitFor();
    expect(await adminActions.getByRole('button', { name: 'Process list' }).isEnabled()).toBe(true);
    await adminActions.scrollIntoViewIfNeeded();
    await dismissToasts(alice);
    await shot(alice, 'admin-actions-elevated');
    await panel.getByRole('button', { name: 'Open terminal' }).click();
    await panel.getByText('[shell opened on the remote computer]').waitFor();
    const rowTexts = async (): Promise<string[]> => (await panel.locator('.xterm-rows > div').allInnerTexts()).map((r) => r.replace(/\u00a0/g, ' ').trimEnd());
    // The remote shell's own prompt (the pseudo-terminal makes it interactive).
    await waitFor('the prompt', async () => (await rowTexts()).some((r) => /[$#]$/.test(r)), 10_000);
    await panel.locator('.xterm-screen').click();
    await alice.keyboard.type('echo hello-tandem');
    await alice.keyboard.press('Enter');
    await waitFor('the output in the terminal', async () => (await rowTexts()).includes('hello-tandem'), 10_000);
    // The command line as the remote terminal echoed it, after its prompt.
    expect((await rowTexts()).some((r) => /[$#] echo hello-tandem$/.test(r))).toBe(true);
    await alice.keyboard.type('uname -s');
    await alice.keyboard.press('Enter');
    await waitFor('uname', async () => (await rowTexts()).includes('Linux'), 10_000);
    // The remote terminal has the size of the page's: 16 rows here.
    await alice.keyboard.type('stty size');
    await alice.keyboard.press('Enter');
    const small = await waitFor('stty size', async () => (await rowTexts()).map((r) => /^16 (\d+)$/.exec(r)).find(Boolean) ?? null, 10_000);
    expect(Number(small[1])).toBeGreaterThanOrEqual(20); // the side panel is narrow: as many columns as it holds, never fewer than 20
    await dismissToasts(alice);
    await shot(alice, 'shell-output');
    // Expanded, the terminal has more rows and columns; the remote one follows (shell.resize).
    await panel.getByRole('button', { name: 'Expand' }).click();
    await alice.keyboard.type('clear; stty size');
    await alice.keyboard.press('Enter');
    const big = await waitFor('the larger size', async () => (await rowTexts()).map((r) => /^(\d+) (\d+)$/.exec(r)).find((m) => m && Number(m[1]) > 16) ?? null, 10_000);
    expect(Number(big[2])).toBeGreaterThan(Number(small[1]));
    await shot(alice, 'shell-expanded');
    await panel.getByRole('button', { name: 'Shrink' }).click();
    expect(client.shells.count).toBe(1);

    // Elevation ends: the shell closes on the desktop and in the page; nothing more can be typed.
    await alice.getByRole('button', { name: 'End elevation' }).click();
    // xterm.js draws only while the terminal is on screen: bring it back into the Admin tab's view.
    await panel.locator('.shell-box').evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await panel.getByText('[closed: elevation ended]').waitFor();
    await waitFor('the shell gone on the desktop', async () => client!.shells.count === 0, 10_000);
    await panel.getByText(/the shell ended — elevation ended; exit code/).waitFor();
    expect(await panel.locator('.shell-screen[data-running]').count()).toBe(0);
    expect(await panel.getByRole('button', { name: 'Open a new terminal' }).isDisabled()).toBe(true);
    await panel.getByText('Available once the session is elevated').waitFor();
    expect(await adminActions.getByTestId('admin-actions-hint').textContent()).toBe('Available once the session is elevated.');
    await dismissToasts(alice);
    await panel.locator('.shell-box').evaluate((el) => el.scrollIntoView({ block: 'end' }));
    await shot(alice, 'shell-closed');

    // An admin downloads the shell's transcript from the session's details, with a reason: what the terminal showed.
    const admin = await open('/admin');
    await admin.getByLabel('Username').fill('root');
    await admin.getByLabel('Password').fill('root-pw');
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.getByRole('tab', { name: /Sessions/ }).click();
    await admin.locator('[data-session]', { hasText: 'sid' }).first().click();
    const shells = admin.getByTestId('shells');
    await shells.getByText(/closed \(elevation-ended\), \d+ bytes of output/).waitFor();
    await shells.getByRole('button', { name: 'Transcript' }).click();
    await admin.getByRole('dialog').getByLabel('Reason').fill('INC-5000 review');
    const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByRole('dialog').getByRole('button', { name: 'Download' }).click()]);
    // The browser runs as a separate server: saveAs copies the file here.
    const saved = resolve(ARTIFACTS, 'jump-transcript.log');
    await download.saveAs(saved);
    const transcript = readFileSync(saved, 'utf8');
    expect(transcript).toContain('echo hello-tandem\r\n');
    // The output starts its own line: after the echoed \r\n (sh), or a \r where a long bash prompt wrapped.
    expect(transcript).toMatch(/[\r\n]hello-tandem\r\n[\s\S]*uname -s\r\n[\s\S]*Linux\r\n/);
    await dismissToasts(admin);
    await shot(admin, 'admin-transcript');
    const audited = await (await fetch(`${t.url}/api/admin/audit?type=TranscriptRead`, { headers: { authorization: `Bearer ${await t.login('root')}` } })).text();
    expect(audited.trim().split('\n').map((l) => JSON.parse(l) as { details: { reason?: string } }).map((a) => a.details.reason)).toEqual(['INC-5000 review']);
    await alice.getByRole('button', { name: 'End session' }).click();
    await alice.getByText('This session has ended').waitFor();
  }, 60_000);
});
