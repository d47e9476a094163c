import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext, Page, WebSocketRoute } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, type TestAgent } from '../support/people';

const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');
const VIEWPORT = { width: 1280, height: 720 };

/**
 * The cockpit and the customer panel, served by a real node and driven in headless Chromium. The
 * desktop agent is a real ws client on /ws/agent (the X11 agent is not in this test); the customer
 * uses the panel link the agent asks for.
 */
describe('web cockpit and customer panel', () => {
  let t: TestNode;
  let chromium: TestBrowser;
  const contexts: BrowserContext[] = [];
  let step = 0;

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startInProcessNode();
    chromium = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await chromium?.close();
    await t?.stop();
  });

  async function open(path: string, before?: (page: Page) => Promise<void>): Promise<Page> {
    const ctx = await chromium.browser.newContext({ viewport: VIEWPORT });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(8000);
    await before?.(page);
    await page.goto(`${t.url}${path}`);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    step++;
    await page.screenshot({ path: resolve(ARTIFACTS, `web-${String(step).padStart(2, '0')}-${name}.png`) });
  }

  async function signIn(page: Page, username: string): Promise<void> {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(`${username}-pw`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Online' }).waitFor();
  }

  it('serves the pages and their hashed assets on the node port, and keeps unknown /api paths as 404 JSON', async () => {
    const index = await fetch(`${t.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/text\/html/);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await index.text();
    const script = /src="(\/assets\/cockpit-[A-Z0-9]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${t.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${t.url}/customer`)).status).toBe(200);
    for (const path of ['/assets/', '/assets/..%2F..%2Fpackage.json', '/assets/missing-ABC.js']) {
      const res = await fetch(`${t.url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ code: 'NOT_FOUND' });
    }
    const api = await fetch(`${t.url}/api/nothing-here`);
    expect(api.status).toBe(404);
    expect(await api.json()).toMatchObject({ code: 'NOT_FOUND' });
  });

  it('takes a technician from sign-in to a shared session that the customer allows, watches and closes', async () => {
    let desk: TestAgent | undefined;
    try {
      desk = await agent(t, 'desk-web', '424242', 'carol');
      const link = await desk.ws.ask<{ path: string }>('customer.panel', {});

      // The technician signs in and finds the desktop in the Online list.
      // Alice's console sockets go through a route the test can cut, as a network drop would.
      const aliceSockets: WebSocketRoute[] = [];
      const alice = await open('/', (page) => page.routeWebSocket(/\/ws\/console/, (ws) => {
        aliceSockets.push(ws);
        ws.connectToServer();
      }));
      await alice.getByLabel('Username').waitFor();
      await shot(alice, 'cockpit-login');
      await signIn(alice, 'alice');
      const row = alice.locator('[data-agent="desk-web"]');
      await row.waitFor();
      expect(await row.textContent()).toContain('carol');
      // A security code for the customer, with its 10-minute countdown.
      await alice.getByRole('button', { name: 'Get a security code' }).click();
      const code = alice.locator('.code-box .code');
      await code.waitFor();
      expect(await code.textContent()).toMatch(/^[0-9A-Z]{8}$/);
      expect(await alice.locator('.code-box').textContent()).toMatch(/Expires in (10:00|9:[0-5]\d)/);
      await shot(alice, 'cockpit-online');

      // The customer panel is open on the desktop, waiting.
      const customer = await open(link.path);
      await customer.getByText('No one is connected to this computer').waitFor();
      expect(customer.url()).not.toContain('access_token');
      await shot(customer, 'panel-idle');

      // Assist: the panel shows who asks, and what for.
      await row.click();
      await alice.getByRole('button', { name: 'Assist desk-web' }).click();
      await alice.getByText('Waiting for the customer', { exact: false }).first().waitFor();
      await shot(alice, 'cockpit-pending');
      await customer.getByTestId('technician').waitFor();
      expect(await customer.getByTestId('technician').textContent()).toBe('Alice Tech');
      expect(await customer.getByRole('alertdialog').textContent()).toContain('view your screen');
      await shot(customer, 'panel-consent');

      // The customer allows and picks Observe; the cockpit follows the server's state.
      await customer.getByRole('button', { name: 'Allow' }).click();
      await customer.getByRole('group', { name: 'Sharing mode' }).waitFor();
      await customer.getByRole('button', { name: /^Observe/ }).click();
      await customer.locator('button[aria-pressed="true"]', { hasText: 'Observe' }).waitFor();
      await shot(customer, 'panel-observe');
      await alice.locator('[data-testid="mode"]', { hasText: 'Observe' }).waitFor();
      await alice.locator('.timeline li[data-type="ModeChanged"]').waitFor();
      const timeline = await alice.locator('.timeline li .text').allTextContents();
      expect(timeline[0]).toMatch(/^Alice Tech asked to view .+ \(from the online list\)$/);
      expect(timeline.slice(1)).toEqual([expect.stringMatching(/allowed the session$/), expect.stringMatching(/set the mode to Observe \(was On hold\)$/)]);
      await shot(alice, 'cockpit-observe');

      // Chat both ways.
      await alice.getByRole('tab', { name: 'Chat' }).click();
      await alice.getByLabel('Chat message').fill('Hello, I can see your screen now.');
      await alice.getByLabel('Chat message').press('Enter');
      await customer.locator('.msg', { hasText: 'Hello, I can see your screen now.' }).waitFor();
      await customer.getByLabel('Chat message').fill('Great, the printer is on the left.');
      await customer.getByRole('button', { name: 'Send' }).click();
      await alice.locator('.msg', { hasText: 'the printer is on the left' }).waitFor();
      await shot(customer, 'panel-chat');
      await shot(alice, 'cockpit-chat');
      // Pinned, the chat stays open under the other panels.
      await alice.getByRole('button', { name: 'Pin chat' }).click();
      await alice.getByRole('tab', { name: 'Activity' }).click();
      await alice.locator('.timeline li[data-type="ChatSent"]').first().waitFor();
      expect(await alice.locator('.msg', { hasText: 'the printer is on the left' }).isVisible()).toBe(true);
      await shot(alice, 'cockpit-chat-pinned');
      await alice.getByRole('button', { name: 'Unpin chat' }).click();
      expect(await alice.locator('.msg', { hasText: 'the printer is on the left' }).isVisible()).toBe(false);
      await alice.getByRole('tab', { name: 'Chat' }).click();

      // The network drops under the cockpit; it reconnects and resumes: the message sent meanwhile
      // shows once, and the timeline keeps every event once (checked at the end).
      aliceSockets[0].close({ code: 4000, reason: 'network drop' });
      await customer.getByLabel('Chat message').fill('Are you still there?');
      await customer.getByRole('button', { name: 'Send' }).click();
      await alice.locator('.msg', { hasText: 'Are you still there?' }).waitFor();
      expect(aliceSockets).toHaveLength(2);
      expect(await alice.locator('.msg', { hasText: 'Are you still there?' }).count()).toBe(1);

      // Share with Bob, who accepts in his own browser and sees the session.
      const bob = await open('/');
      await signIn(bob, 'bob');
      await alice.getByRole('tab', { name: 'People' }).click();
      // The Share form offers who is invitable now (people.invitable): bob is logged in.
      await alice.locator('[data-key="share-who"] option[value="bob"]').waitFor({ state: 'attached' });
      await alice.getByLabel('Who').selectOption('bob');
      await alice.getByRole('button', { name: 'Invite' }).click();
      await bob.getByRole('button', { name: 'Accept' }).waitFor();
      await shot(bob, 'cockpit-invited');
      await bob.getByRole('button', { name: 'Accept' }).click();
      await bob.getByText('You: Participant').waitFor();
      await bob.locator('[data-testid="mode"]', { hasText: 'Observe' }).waitFor();
      await bob.locator('.timeline li[data-type="InvitationAccepted"]').waitFor();
      await alice.locator('[data-member="bob"]').waitFor();
      await customer.getByText('Bob Tech').waitFor();
      await shot(alice, 'cockpit-shared');
      await shot(bob, 'cockpit-bob-joined');
      await shot(customer, 'panel-two-watching');
      // Bob is not the owner: owner-only actions are disabled for him.
      expect(await bob.getByRole('button', { name: 'End session' }).count()).toBe(0);
      expect(await bob.getByRole('button', { name: 'Hold' }).isDisabled()).toBe(true);

      // The owner removes Bob: his view says he is out at once.
      await alice.getByRole('button', { name: 'Remove Bob Tech' }).click();
      await bob.getByText('You are out of this session').first().waitFor();
      await customer.locator('.member', { hasText: 'Bob Tech' }).waitFor({ state: 'detached' });
      await shot(bob, 'cockpit-bob-removed');

      // The customer closes: both see that the session has ended.
      await customer.getByRole('button', { name: 'Close session' }).click();
      await customer.getByText('The session has ended').waitFor();
      await alice.getByText('This session has ended').waitFor();
      expect(await alice.locator('.banner.ended').textContent()).toContain('the customer closed it');
      await shot(customer, 'panel-ended');
      await shot(alice, 'cockpit-ended');

      // The timeline has every event once, in order.
      const seqs = (await alice.locator('.timeline li').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq')))));
      expect(seqs).toEqual(seqs.map((_s, i) => i + 1));
    } finally {
      await desk?.ws.close();
    }
  });
});
