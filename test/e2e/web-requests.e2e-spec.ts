import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, type TestAgent } from '../support/people';

const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');
const VIEWPORT = { width: 1280, height: 760 };

/**
 * Remote assistance requests (issue #11) in the pages: the user files one from the customer panel, an
 * assistant sees it arrive live on the cockpit's Requests board, edits it, connects; the user allows in the
 * panel; both pages follow the status (Open → Waiting for Connection → In Progress → Inactive). An assistant
 * without request.edit sees the server's FORBIDDEN with its code; one with request.create files and closes
 * a request for the user's desktop.
 */
describe('web: remote assistance requests', () => {
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

  async function open(path: string): Promise<Page> {
    const ctx = await chromium.browser.newContext({ viewport: VIEWPORT, locale: 'en-GB', timezoneId: 'UTC' });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(`${t.url}${path}`);
    return page;
  }

  /** Closes the messages at the bottom right once the test has read them (they would cover later screenshots). */
  async function dismissToasts(page: Page): Promise<void> {
    for (const b of await page.locator('.toast-close').all()) await b.click().catch(() => undefined);
  }

  async function shot(page: Page, name: string): Promise<void> {
    step++;
    await page.screenshot({ path: resolve(ARTIFACTS, `requests-${String(step).padStart(2, '0')}-${name}.png`) });
  }

  async function signIn(page: Page, username: string): Promise<void> {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(`${username}-pw`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Online' }).waitFor();
  }

  it('goes from the panel to the cockpit and back: file, see live, edit, connect, allow, Inactive', async () => {
    let desk: TestAgent | undefined;
    try {
      desk = await agent(t, 'desk-uma', '363636', 'uma');
      const link = await desk.ws.ask<{ path: string }>('customer.panel', {});

      // Sam (supervisor: request.view, .edit, .create, .delete) has the Requests board open, empty.
      const sam = await open('/');
      await signIn(sam, 'sam');
      await sam.getByRole('tab', { name: /Requests/ }).click();
      await sam.getByRole('heading', { name: 'Assistance requests' }).waitFor();
      await sam.getByText('No open request.').waitFor();
      await shot(sam, 'cockpit-board-empty');

      // The user files a request from the panel.
      const panel = await open(link.path);
      await panel.getByRole('heading', { name: 'My remote assistance requests' }).waitFor();
      await panel.getByText('You have no open request.').waitFor();
      await panel.getByLabel('What do you need help with?').fill('Outlook closes as soon as I open the calendar.');
      await panel.getByLabel('From', { exact: true }).check();
      await panel.getByLabel('Available from').fill('2026-11-26T08:30');
      await panel.getByLabel('E-mail for updates (optional)').fill('uma@example.test');
      await shot(panel, 'panel-form');
      await panel.getByRole('button', { name: 'Send request' }).click();
      const mine = panel.locator('.req-item', { hasText: 'Outlook closes' });
      await mine.waitFor();
      expect(await mine.getByTestId('my-req-status').textContent()).toBe('Open');
      expect(await mine.textContent()).toContain('Available from');
      expect(await panel.getByLabel('What do you need help with?').inputValue()).toBe('');
      await shot(panel, 'panel-filed');

      // It arrives on Sam's board live, with its badge; the tab counts it.
      const row = sam.locator('.req-row', { hasText: 'Outlook closes' });
      await row.waitFor();
      expect(await row.locator('.req-status').textContent()).toBe('Open');
      expect(await row.textContent()).toContain('desk-uma');
      expect(await sam.getByRole('tab', { name: /Requests/ }).textContent()).toContain('1');

      // The filter narrows the list by text and by status.
      await sam.getByLabel('Filter requests').fill('printer');
      await sam.getByText('No request matches the filter.').waitFor();
      await sam.getByLabel('Filter requests').fill('outlook');
      await row.waitFor();
      await sam.getByLabel('Status').first().selectOption('inactive');
      await sam.getByText('No request matches the filter.').waitFor();
      await sam.getByLabel('Status').first().selectOption('all');
      await sam.getByLabel('Filter requests').fill('');

      // Sam assigns Bob and schedules it; the panel shows the assistant and the time.
      await row.click();
      await sam.getByRole('heading', { name: 'Request from desk-uma' }).waitFor();
      await sam.getByLabel('Assigned assistant').fill('bob');
      await sam.getByLabel('Scheduled for').fill('2026-11-26T09:00');
      await sam.getByRole('button', { name: 'Save changes' }).click();
      await row.getByText('Assigned to Bob Tech').waitFor();
      await mine.getByText('Assistant: Bob Tech').waitFor();
      expect(await mine.textContent()).toMatch(/Scheduled for .*26.*09:00/);
      await shot(sam, 'cockpit-edited');
      await shot(panel, 'panel-assigned');

      // An unknown assistant is refused with the server's code, in the form.
      await sam.getByLabel('Assigned assistant').fill('nobody-here');
      await sam.getByRole('button', { name: 'Save changes' }).click();
      await sam.locator('.req-editor .form-error', { hasText: 'UNKNOWN_USER' }).waitFor();
      await sam.getByLabel('Assigned assistant').fill('bob');
      await dismissToasts(sam);

      // Alice (technician: request.view only) sees it, but editing is refused: FORBIDDEN, shown with its code.
      const alice = await open('/');
      await signIn(alice, 'alice');
      await alice.getByRole('tab', { name: /Requests/ }).click();
      await alice.locator('.req-row', { hasText: 'Outlook closes' }).click();
      await alice.getByLabel('Assigned assistant').fill('alice');
      await alice.getByRole('button', { name: 'Save changes' }).click();
      await alice.locator('.toast-error', { hasText: 'Edit request: FORBIDDEN' }).waitFor();
      await alice.getByTestId('edit-refused').getByText(/^FORBIDDEN — .*request\.edit right/).waitFor();
      expect(await alice.getByRole('button', { name: 'Save changes' }).isVisible()).toBe(false);
      await shot(alice, 'cockpit-edit-forbidden');
      await dismissToasts(alice);

      // Sam connects: the session view opens, waiting; the request is Waiting for Connection everywhere.
      await sam.getByRole('button', { name: 'Connect' }).click();
      await sam.getByText('Waiting for uma to allow the session').waitFor();
      await sam.getByRole('tab', { name: /Session/ }).and(sam.locator('[aria-selected="true"]')).waitFor();
      await shot(sam, 'cockpit-connecting');
      await panel.getByRole('alertdialog').waitFor();
      expect(await panel.getByTestId('consent-request').textContent()).toContain('Outlook closes as soon as I open the calendar.');
      expect(await panel.getByTestId('technician').textContent()).toBe('Sam Supervisor');
      await shot(panel, 'panel-consent');
      await alice.locator('.req-row', { hasText: 'Outlook closes' }).locator('.req-status', { hasText: 'Waiting for Connection' }).waitFor();

      // The user allows: In Progress on the board.
      await panel.getByRole('button', { name: 'Allow' }).click();
      await panel.getByRole('group', { name: 'Sharing mode' }).waitFor();
      await sam.getByText('You: Owner').waitFor();
      await sam.getByRole('tab', { name: /Requests/ }).click();
      await row.locator('.req-status', { hasText: 'In Progress' }).waitFor();
      expect(await sam.getByTestId('req-status').textContent()).toBe('In Progress');
      expect(await sam.getByLabel('Status', { exact: true }).last().isDisabled()).toBe(true);
      expect(await sam.getByRole('button', { name: 'Open session' }).count()).toBe(1);
      await shot(sam, 'cockpit-in-progress');

      // The user closes the session: the request goes Inactive on both pages.
      await panel.getByRole('button', { name: 'Close session' }).click();
      await panel.getByText('The session has ended').waitFor();
      await mine.getByTestId('my-req-status').getByText('Inactive').waitFor();
      await row.locator('.req-status', { hasText: 'Inactive' }).waitFor();
      await shot(panel, 'panel-inactive');
      await shot(sam, 'cockpit-inactive');

      // Sam files a One-Time request for the user's desktop (request.create); the panel lists it too.
      await sam.getByRole('button', { name: 'New request' }).click();
      await sam.getByLabel('Desktop', { exact: true }).selectOption({ label: 'desk-uma · uma' });
      await sam.getByLabel('Description', { exact: true }).fill('Install the new VPN profile (ticket INC-2077).');
      await sam.getByLabel(/One-Time request/).check();
      await shot(sam, 'cockpit-new-request');
      await sam.getByRole('button', { name: 'File request' }).click();
      const filed = sam.locator('.req-row', { hasText: 'VPN profile' });
      await filed.waitFor();
      expect(await filed.textContent()).toContain('One-Time');
      // (The server names the owner by the desktop's OS user here, by its host name when the user files.)
      await sam.getByRole('heading', { name: 'Request from uma' }).waitFor();
      const vpn = panel.locator('.req-item', { hasText: 'VPN profile' });
      await vpn.waitFor();
      expect(await vpn.getByTestId('my-req-status').textContent()).toBe('Open');
      await shot(panel, 'panel-two-requests');

      // Sam closes it: it leaves both lists.
      await sam.getByRole('button', { name: 'Close request' }).click();
      await sam.getByRole('dialog').getByRole('button', { name: 'Close request' }).click();
      await filed.waitFor({ state: 'detached' });
      await vpn.waitFor({ state: 'detached' });
      await alice.locator('.req-row', { hasText: 'VPN profile' }).waitFor({ state: 'detached' });
      expect(await sam.locator('.req-row').count()).toBe(1);

      // The user withdraws the first one: the board empties.
      await mine.getByRole('button', { name: 'Withdraw' }).click();
      await panel.getByRole('dialog').getByRole('button', { name: 'Withdraw' }).click();
      await mine.waitFor({ state: 'detached' });
      await row.waitFor({ state: 'detached' });
      await sam.getByText('No open request.').waitFor();
      await panel.getByText('You have no open request.').waitFor();
      await shot(sam, 'cockpit-board-empty-again');
    } finally {
      await desk?.ws.close();
    }
  }, 90_000);

  it('shows a refused filing with its code in the panel form', async () => {
    const desk = await agent(t, 'desk-vic', '373737', 'vic');
    try {
      const link = await desk.ws.ask<{ path: string }>('customer.panel', {});
      const panel = await open(link.path);
      await panel.getByRole('heading', { name: 'My remote assistance requests' }).waitFor();
      // An empty description never leaves the page; a bad e-mail is the server's INVALID_DATA.
      await panel.getByRole('button', { name: 'Send request' }).click();
      await panel.locator('.form-error', { hasText: 'INVALID_DATA' }).waitFor();
      await panel.getByLabel('What do you need help with?').fill('Printer offline');
      await panel.getByLabel('E-mail for updates (optional)').evaluate((el: HTMLInputElement) => { el.type = 'text'; el.value = 'not-an-email'; });
      await panel.getByRole('button', { name: 'Send request' }).click();
      await panel.locator('.form-error', { hasText: /INVALID_DATA — .*email/ }).waitFor();
      await shot(panel, 'panel-invalid');
      expect(await panel.locator('.req-item').count()).toBe(0);
    } finally {
      await desk.ws.close();
    }
  });
});
