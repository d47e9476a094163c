import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';

const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');

/** The owner's Share form in headless Chromium: it offers only who is invitable now (people.invitable), and inviting one reaches them. */
describe('web cockpit: the Share form picks from the invitable people', () => {
  let t: TestNode;
  let chromium: TestBrowser;
  let ctx: BrowserContext | undefined;

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startInProcessNode();
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await ctx?.close().catch(() => undefined);
    await chromium?.close();
    await t?.stop();
  });

  it('lists the logged-in and the extended-availability people and invites one', async () => {
    const carol = await person(t, 'carol');
    const desk = await agent(t, 'desk-share', '770770', 'dora');
    ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page: Page = await ctx.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(`${t.url}/`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-pw');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Online' }).waitFor();
    await page.locator(`[data-agent="desk-share"]`).click();
    await page.getByRole('button', { name: 'Assist desk-share' }).click();
    const { sessionId } = await desk.ws.next('assist.requested');
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await page.getByRole('tab', { name: 'People' }).click();

    const who = page.getByLabel('Who');
    await page.locator('[data-key="share-who"] option[value="carol"]').waitFor({ state: 'attached' });
    const options = await who.locator('option').allTextContents();
    expect(options).toEqual(['Bob Tech · by email · helpdesk', 'Carol Tech · online · network']);
    await who.selectOption('carol');
    await page.screenshot({ path: resolve(ARTIFACTS, 'web-share-01-invitable.png') });
    await page.getByRole('button', { name: 'Invite' }).click();
    expect(await carol.next('invite.received')).toMatchObject({ sessionId, from: { id: 'alice' } });
    await page.getByText('Invitation sent to Carol Tech.').waitFor();
    await page.locator('[aria-label="Pending invitations"]').getByText('Carol Tech').waitFor();
    await page.screenshot({ path: resolve(ARTIFACTS, 'web-share-02-invited.png') });
    for (const c of [carol, desk.ws]) await c.close();
  }, 60_000);
});
