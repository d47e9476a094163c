import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { launchChromium, newPage, screenshot, signInCockpit, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { startProcess, type TrackedProcess } from '../support/processes';
import { waitFor } from '../support/wait';
import { startXvfb, type TestDisplay } from '../support/xvfb';

const CLI = resolve(PROJECT_ROOT, 'dist', 'agent', 'cli.js');
const W = 1024;
const H = 640;
const VIEW = { width: 1280, height: 760 };
const PHONE = { width: 900, height: 760 };

/** The customer page's message list (the panel's chat). */
const customerMessages = (p: Page) => p.getByRole('list', { name: 'Messages' });

/** Sends a chat line from the cockpit's Chat tab. */
async function cockpitSays(p: Page, text: string): Promise<void> {
  await p.getByRole('tab', { name: /^Chat/ }).click();
  await p.getByLabel('Chat message').fill(text);
  await p.getByLabel('Chat message').press('Enter');
}

/** Fills the click-to-chat form and starts; the page hands over to the customer panel. */
async function startChat(p: Page, url: string, queue: string, name: string, topic?: string): Promise<void> {
  await p.goto(`${url}/chat?queue=${queue}`);
  await p.getByLabel('Your name').fill(name);
  if (topic) await p.getByLabel('What do you need help with? (optional)').fill(topic);
  await p.getByRole('button', { name: 'Start chat' }).click();
  await p.getByTestId('chat-waiting').waitFor();
}

/**
 * Click-to-chat in the browser (issue #12): the link a support organisation publishes (`/chat?queue=TEAM`)
 * starts a chat-only session from a form; a technician sees it arrive in the team queue, takes it, they
 * chat, and the full client joins the same session with the real `tandem-agent join` command the page
 * shows. Also the cockpit's Transfer form and Disconnect customer, seen from the other side.
 */
describe('web: click-to-chat from the published link', () => {
  let t: TestNode;
  let x: TestDisplay;
  let b: TestBrowser;
  const procs: TrackedProcess[] = [];
  const tmp = mkdtempSync(join(tmpdir(), 'tandem-c2c-'));

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    x = await startXvfb({ width: W, height: H });
    await x.x('xsetroot', ['-solid', '#2a8f6a']);
    t = await startInProcessNode();
    b = await launchChromium();
  });

  afterAll(async () => {
    for (const p of procs) await p.stop();
    await b?.close();
    await t?.stop();
    await x?.stop();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('the customer starts from the link, Alice takes it from the live queue, they chat and the real agent joins with the command shown', async () => {
    const alice = await newPage(b, VIEW);
    await signInCockpit(alice, t.url, 'alice');
    await alice.getByText('No session is waiting.').waitFor();
    // Where the technician finds the link: under Queues, for each of their teams.
    await alice.getByText('Chat link', { exact: true }).click();
    expect(await alice.getByRole('textbox', { name: 'Chat link of team helpdesk' }).inputValue()).toBe(`${t.url}/chat?queue=helpdesk`);
    await screenshot(alice, 'web-c2c-01-cockpit-chat-link');

    const customer = await newPage(b, PHONE);
    await customer.goto(await alice.getByRole('textbox', { name: 'Chat link of team helpdesk' }).inputValue());
    expect(await customer.getByTestId('team-name').textContent()).toBe('Helpdesk');
    expect(await customer.title()).toBe('Chat with Helpdesk · Tandem');
    // No name: the form says so and sends nothing.
    await customer.getByRole('button', { name: 'Start chat' }).click();
    await customer.getByText('Please enter your name.').waitFor();
    await customer.getByLabel('Your name').fill('Uma Walk-in');
    await customer.getByLabel('What do you need help with? (optional)').fill('The printer on floor 2 prints blank pages.');
    await screenshot(customer, 'web-c2c-02-customer-form');
    await customer.getByRole('button', { name: 'Start chat' }).click();

    // The panel takes over: waiting in the Helpdesk queue, the problem already in the chat; no token in the address.
    const waiting = customer.getByTestId('chat-waiting');
    await waiting.getByText('Waiting for a technician').waitFor();
    await waiting.getByText('You are in the queue of Helpdesk.', { exact: false }).waitFor();
    expect(customer.url()).toBe(`${t.url}/customer`);
    await customerMessages(customer).getByText('The printer on floor 2 prints blank pages.').waitFor();
    await screenshot(customer, 'web-c2c-03-customer-waiting');

    // Alice sees it arrive in the team queue without reloading, and takes it.
    const team = alice.locator('.queue-group', { hasText: 'Team helpdesk' });
    await team.locator('.queue-card', { hasText: 'Uma Walk-in' }).getByText('chat only', { exact: false }).waitFor();
    await screenshot(alice, 'web-c2c-04-cockpit-queue');
    await team.getByRole('button', { name: 'Take Uma Walk-in' }).click();
    await alice.locator('.session-head h3', { hasText: 'Uma Walk-in' }).waitFor();
    await alice.getByText('This session has no screen.').waitFor();
    // A chat has no screen and so no mode: the header says Chat only, not the On hold of a desktop session.
    const modeBadge = alice.locator('.session-head').getByTestId('mode');
    expect(await modeBadge.textContent()).toBe('Chat only');
    const mySession = alice.getByRole('list', { name: 'My sessions' }).getByRole('button', { name: /Uma Walk-in/ });
    expect(await mySession.locator('.badge').textContent()).toBe('Chat only');
    await customer.getByTestId('chat-active').getByText('Chatting with Alice Tech').waitFor();

    // Both ways: the topic is the first line Alice reads.
    await cockpitSays(alice, 'Hello Uma, which printer model is it?');
    const aliceChat = alice.locator('.messages');
    await aliceChat.getByText('The printer on floor 2 prints blank pages.').waitFor();
    await customerMessages(customer).getByText('Hello Uma, which printer model is it?').waitFor();
    await customer.getByLabel('Chat message').fill('A LaserJet 400, the one by the window.');
    await customer.getByRole('button', { name: 'Send' }).click();
    await aliceChat.getByText('A LaserJet 400, the one by the window.').waitFor();
    expect(await aliceChat.locator('.msg .body').allTextContents()).toEqual([
      'The printer on floor 2 prints blank pages.', 'Hello Uma, which printer model is it?', 'A LaserJet 400, the one by the window.',
    ]);
    await screenshot(customer, 'web-c2c-05-customer-chatting');
    await screenshot(alice, 'web-c2c-06-cockpit-chatting');

    // Alice asks for the full client; Uma allows and is shown the one-time command.
    await alice.getByRole('tab', { name: 'Admin' }).click();
    await alice.getByRole('button', { name: 'Request elevation' }).click();
    await customer.getByText('asks to see your screen').waitFor();
    await customer.getByRole('group', { name: /Request from/ }).getByRole('button', { name: 'Allow' }).click();
    const command = customer.getByTestId('join-command');
    await waitFor('the join command', async () => /--code [0-9A-Z]{10}$/.test((await command.textContent()) ?? ''));
    const text = (await command.textContent())!;
    expect(text).toMatch(new RegExp(`^tandem-agent join --server ${t.url} --code [0-9A-Z]{10}$`));
    await screenshot(customer, 'web-c2c-07-customer-command');
    // Until her agent joins, the session is still a chat to Alice.
    await alice.getByText('Waiting for the customer\'s agent', { exact: true }).waitFor();
    expect(await modeBadge.textContent()).toBe('Chat only');
    await screenshot(alice, 'web-c2c-18-cockpit-chat-only-awaiting-agent');

    // Uma runs exactly that command (the agent CLI of this build) on her desktop (an Xvfb display).
    const [, , , server, , code] = text.split(' ');
    const agentProc = startProcess('tandem-agent join', process.execPath, [
      CLI, 'join', '--server', server!, '--code', code!, '--config', join(tmp, 'uma.json'), '--display', x.display, '--name', 'uma-laptop', '--fps', '10', '--no-webrtc',
    ], { stdio: ['pipe', 'pipe', 'pipe'] });
    procs.push(agentProc);
    const canvas = alice.getByLabel('Remote screen');
    await canvas.waitFor({ state: 'visible', timeout: 20_000 }).catch((e: Error) => { throw new Error(`${e.message}; the agent said: ${agentProc.output()}`); });
    await waitFor('the desktop colour on the canvas', () => canvas.evaluate((c: HTMLCanvasElement) => {
      if (c.width === 0) return false;
      const d = c.getContext('2d')!.getImageData(Math.floor(c.width / 2), Math.floor(c.height / 2), 1, 1).data;
      return Math.abs(d[0]! - 0x2a) < 12 && Math.abs(d[1]! - 0x8f) < 12 && Math.abs(d[2]! - 0x6a) < 12;
    }), 20_000, 100);
    await alice.getByRole('tab', { name: 'Activity' }).click();
    await alice.locator('.timeline li[data-type="AgentAttached"]').waitFor();
    await screenshot(alice, 'web-c2c-08-cockpit-screen');
    await customer.getByText('Current mode: Observe').waitFor();
    await waitFor('the mode in the cockpit\'s header', async () => (await modeBadge.textContent()) === 'Mode: Observe');
    expect(await mySession.locator('.badge').textContent()).toBe('Observe');
    await screenshot(customer, 'web-c2c-09-customer-sharing');

    await alice.getByRole('button', { name: 'End session' }).click();
    await waitFor('the joined agent to exit', () => agentProc.child.exitCode !== null, 10_000);
    expect(agentProc.child.exitCode).toBe(0);
    await customer.getByText('The technician ended it', { exact: false }).waitFor();
    expect(await customer.getByTestId('new-chat').getAttribute('href')).toBe('/chat?queue=helpdesk');
    await alice.context().close();
    await customer.context().close();
  }, 120_000);

  it('an unknown or incomplete link, a rate limit and a server that went away each say so', async () => {
    const p = await newPage(b, PHONE);
    await p.goto(`${t.url}/chat?queue=no-such-team`);
    await p.getByRole('heading', { name: 'This chat link does not lead to a support team' }).waitFor();
    expect(await p.getByTestId('error-code').textContent()).toBe('UNKNOWN_TEAM');
    await screenshot(p, 'web-c2c-10-unknown-queue');
    await p.goto(`${t.url}/chat`);
    await p.getByRole('heading', { name: 'This chat link is incomplete' }).waitFor();
    expect(await p.getByTestId('error-code').textContent()).toBe('NO_QUEUE');

    // A node of its own: its rate limit is spent by this test, then it stops.
    const lone = await startInProcessNode();
    let stopped = false;
    try {
      await p.goto(`${lone.url}/chat?queue=network`);
      await p.getByLabel('Your name').fill('Rita Retry');
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`${lone.url}/api/chat/start`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `n${i}`, team: 'network' }) });
        expect(res.status).toBe(201);
      }
      await p.getByRole('button', { name: 'Start chat' }).click();
      await p.getByRole('alert').getByText('Too many chats were started from your network in the last minute.', { exact: false }).waitFor();
      await screenshot(p, 'web-c2c-11-rate-limited');
      await lone.stop();
      stopped = true;
      await p.getByRole('button', { name: 'Start chat' }).click();
      await p.getByRole('alert').getByText('The support server cannot be reached.', { exact: false }).waitFor();
      expect(await p.getByRole('button', { name: 'Start chat' }).isEnabled()).toBe(true);
      await screenshot(p, 'web-c2c-12-server-down');
    } finally {
      if (!stopped) await lone.stop();
    }
    await p.context().close();
  }, 60_000);

  it('Transfer to another team reaches its queue, and Disconnect customer ends the customer\'s part', async () => {
    const alice = await newPage(b, VIEW);
    await signInCockpit(alice, t.url, 'alice');
    const carol = await newPage(b, VIEW);
    await signInCockpit(carol, t.url, 'carol');
    const customer = await newPage(b, PHONE);
    await startChat(customer, t.url, 'helpdesk', 'Vic Moved');
    await alice.getByRole('button', { name: 'Take Vic Moved' }).click();
    await customer.getByText('Chatting with Alice Tech').waitFor();
    // Carol (team network) does not see the helpdesk queue.
    expect(await carol.getByRole('button', { name: 'Take Vic Moved' }).count()).toBe(0);

    // Alice transfers to the network team's queue (the People tab's Transfer form).
    await alice.getByRole('tab', { name: 'People' }).click();
    const form = alice.getByRole('group', { name: 'Transfer' });
    await form.getByLabel('To').selectOption('team');
    await form.getByLabel('Team id or username').fill('network');
    await screenshot(alice, 'web-c2c-13-transfer-form');
    await form.getByRole('button', { name: 'Transfer' }).click();
    await alice.getByText('Session transferred.').waitFor();
    await alice.getByText('You: Participant').waitFor();
    // It arrives live in Carol's network queue; the customer waits again (without seeing the internal routing).
    const network = carol.locator('.queue-group', { hasText: 'Team network' });
    await network.locator('.queue-card', { hasText: 'Vic Moved' }).waitFor();
    await customer.getByTestId('chat-waiting').getByText('Passing you on to a colleague').waitFor();
    await customer.getByText('Alice Tech passed your chat on.', { exact: false }).waitFor();
    await screenshot(carol, 'web-c2c-14-transferred-queue');
    await screenshot(customer, 'web-c2c-15-customer-transferred');
    await network.getByRole('button', { name: 'Take Vic Moved' }).click();
    await carol.getByText('You: Owner').waitFor();
    await customer.getByText('Chatting with Carol Tech').waitFor();
    await alice.getByRole('tab', { name: 'Activity' }).click();
    await alice.locator('.timeline li[data-type="SessionTransferred"]').waitFor();
    await alice.locator('.timeline li[data-type="SessionTaken"]').last().getByText('Carol Tech', { exact: false }).waitFor();

    // Carol disconnects the customer: the customer's page says so, the session stays open for the technicians.
    const disconnect = carol.getByRole('button', { name: 'Disconnect customer' });
    await disconnect.click();
    await customer.getByRole('heading', { name: 'You were disconnected' }).waitFor();
    await customer.getByText('Carol Tech disconnected you from this session.', { exact: false }).waitFor();
    expect(await customer.getByLabel('Chat message').count()).toBe(0);
    await screenshot(customer, 'web-c2c-16-customer-disconnected');
    await waitFor('Disconnect customer disabled', () => disconnect.isDisabled());
    await carol.getByRole('tab', { name: 'People' }).click();
    await carol.getByText('Customer · disconnected').waitFor();
    await carol.locator('.session-head .badge', { hasText: 'Active' }).waitFor();
    await cockpitSays(carol, 'Notes: printer ticket closed.');
    await alice.getByRole('tab', { name: /^Chat/ }).click();
    await alice.locator('.messages').getByText('Notes: printer ticket closed.').waitFor();
    await screenshot(carol, 'web-c2c-17-cockpit-disconnected');
    for (const p of [alice, carol, customer]) await p.context().close();
  }, 90_000);
});
