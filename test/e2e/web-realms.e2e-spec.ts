import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, type TestAgent } from '../support/people';
import { startSlapd, type TestSlapd } from '../support/slapd';

const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');
const VIEWPORT = { width: 1280, height: 760 };

/**
 * User databases in the pages (seed 001: "Verify that you have selected the correct user database on the top
 * right of the page"): the login pages offer the realms, an LDAP user signs in on the customer panel and files
 * a request, the assistant's request board shows it only under that realm (remembered across reloads), and
 * "New request" offers the selected realm's users. A dead directory is named in the login error.
 */
describe('web: user databases (realms)', () => {
  let slapd: TestSlapd;
  let t: TestNode;
  let chromium: TestBrowser;
  const contexts: BrowserContext[] = [];
  const desks: TestAgent[] = [];
  let step = 0;

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    slapd = await startSlapd([
      { uid: 'carol', cn: 'Carol Customer', mail: 'carol@corp.test', password: 'carol-ldap-pw' },
      { uid: 'dave', cn: 'Dave Directory', mail: 'dave@corp.test', password: 'dave-ldap-pw', technician: true },
    ]);
    t = await startInProcessNode({ realms: [{ id: 'local', name: 'Local users', kind: 'local' }, slapd.realm()] });
    chromium = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    for (const d of desks) await d.ws.close().catch(() => undefined);
    for (const c of contexts) await c.close().catch(() => undefined);
    await chromium?.close();
    await t?.stop();
    await slapd?.destroy();
  });

  async function open(path: string, ctx?: BrowserContext): Promise<Page> {
    const context = ctx ?? await chromium.browser.newContext({ viewport: VIEWPORT, locale: 'en-GB', timezoneId: 'UTC' });
    if (!ctx) contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(`${t.url}${path}`);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    step++;
    await page.screenshot({ path: resolve(ARTIFACTS, `realms-${String(step).padStart(2, '0')}-${name}.png`) });
  }

  async function signIn(page: Page, realm: string, username: string, password: string): Promise<void> {
    await page.getByLabel('User database').selectOption({ label: realm });
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  it('signs in against the chosen realm and shows requests by the realm of their owner', async () => {
    // The cockpit login offers both user databases; a directory user signs in with the directory's password.
    const dave = await open('/');
    await dave.getByLabel('User database').waitFor();
    expect(await dave.getByLabel('User database').locator('option').allTextContents()).toEqual(['Local users', 'Corp directory']);
    await signIn(dave, 'Corp directory', 'dave', 'wrong');
    await dave.getByRole('alert').getByText('Unknown user or wrong password.').waitFor();
    await dave.getByLabel('Username').fill('dave');
    await dave.getByLabel('Password').fill('dave-ldap-pw');
    await shot(dave, 'cockpit-login-realm');
    await dave.getByRole('button', { name: 'Sign in' }).click();
    await dave.getByRole('heading', { name: 'Online' }).waitFor();
    expect(await dave.locator('.whoami').textContent()).toBe('Dave Directory · technician');

    // Carol (a directory user) signs in on her desktop's panel and files a request; nobody signs in on Uma's.
    const carolDesk = await agent(t, 'desk-carol', '464646', 'carol');
    const umaDesk = await agent(t, 'desk-uma', '474747', 'uma');
    desks.push(carolDesk, umaDesk);
    const panel = await open((await carolDesk.ws.ask<{ path: string }>('customer.panel', {})).path);
    await panel.getByRole('heading', { name: 'Sign in with your account (optional)' }).waitFor();
    await panel.getByLabel('User database').selectOption({ label: 'Corp directory' });
    await panel.getByLabel('Username').fill('carol');
    await panel.getByLabel('Password').fill('carol-ldap-pw');
    await panel.getByRole('heading', { name: 'Sign in with your account (optional)' }).scrollIntoViewIfNeeded();
    await shot(panel, 'panel-sign-in-realm');
    await panel.getByRole('button', { name: 'Sign in' }).click();
    await panel.getByTestId('signed-in-as').getByText('Carol Customer').waitFor();
    await panel.getByLabel('What do you need help with?').fill('The printer on floor 3 is offline.');
    await panel.getByRole('button', { name: 'Send request' }).click();
    await panel.locator('.req-item', { hasText: 'printer on floor 3' }).waitFor();
    for (const b of await panel.locator('.toast-close').all()) await b.click().catch(() => undefined);
    await shot(panel, 'panel-signed-in');
    const uma = await open((await umaDesk.ws.ask<{ path: string }>('customer.panel', {})).path);
    await uma.getByLabel('What do you need help with?').fill('Outlook closes at start.');
    await uma.getByRole('button', { name: 'Send request' }).click();
    await uma.locator('.req-item', { hasText: 'Outlook closes' }).waitFor();

    // Sam's request board has the "User database" selector at the top right; each realm shows its own requests.
    const sam = await open('/');
    await signIn(sam, 'Local users', 'sam', 'sam-pw');
    await sam.getByRole('heading', { name: 'Online' }).waitFor();
    await sam.getByRole('tab', { name: /Requests/ }).click();
    const selector = sam.locator('.board-head').getByLabel('User database');
    await selector.waitFor();
    await selector.selectOption({ label: 'Corp directory' });
    await sam.locator('.req-row', { hasText: 'printer on floor 3' }).waitFor();
    await sam.locator('.req-row', { hasText: 'Outlook closes' }).waitFor({ state: 'detached' });
    expect(await sam.locator('.req-row').count()).toBe(1);
    expect(await sam.locator('.req-row').textContent()).toContain('Carol Customer');
    await shot(sam, 'board-corp-directory');
    await selector.selectOption({ label: 'Local users' });
    await sam.locator('.req-row', { hasText: 'Outlook closes' }).waitFor();
    expect(await sam.locator('.req-row').count()).toBe(1);

    // The choice is remembered: after a reload the board still shows Corp directory's requests.
    await selector.selectOption({ label: 'Corp directory' });
    await sam.reload();
    await sam.getByRole('tab', { name: /Requests/ }).click();
    await sam.locator('.req-row', { hasText: 'printer on floor 3' }).waitFor();
    expect(await sam.locator('.board-head').getByLabel('User database').inputValue()).toBe('corp');

    // "New request" offers the selected realm's users; the request is filed for the one picked.
    await sam.getByRole('button', { name: 'New request' }).click();
    const user = sam.getByLabel('User', { exact: true });
    await user.locator('option', { hasText: 'Carol Customer · carol@corp.test' }).waitFor({ state: 'attached' });
    expect(await user.locator('option').allTextContents()).toEqual(['— Not in the user database —', 'Carol Customer · carol@corp.test', 'Dave Directory · dave@corp.test']);
    await user.selectOption({ label: 'Carol Customer · carol@corp.test' });
    await sam.getByLabel('Desktop', { exact: true }).selectOption({ label: 'desk-carol · carol' });
    await sam.getByLabel('Description', { exact: true }).fill('Install the new VPN profile.');
    await shot(sam, 'board-new-request-realm-user');
    await sam.getByRole('button', { name: 'File request' }).click();
    await sam.getByRole('heading', { name: 'Request from Carol Customer' }).waitFor();
    expect(await sam.locator('.req-row').count()).toBe(2);
  }, 120_000);

  it('names the unreachable user database in the login error', async () => {
    await slapd.stop();
    try {
      const page = await open('/');
      await signIn(page, 'Corp directory', 'dave', 'dave-ldap-pw');
      await page.getByRole('alert').getByText('The user database “Corp directory” cannot be reached right now. Try again later.').waitFor();
      await shot(page, 'cockpit-login-directory-down');
      // Local users still sign in.
      await signIn(page, 'Local users', 'alice', 'alice-pw');
      await page.getByRole('heading', { name: 'Online' }).waitFor();
    } finally {
      await slapd.start();
    }
  }, 60_000);
});
