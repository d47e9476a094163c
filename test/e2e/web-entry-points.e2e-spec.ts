import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { launchChromium, signInCockpit, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import { waitFor } from '../support/wait';

const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');

/**
 * Issue #12 in the cockpit, from a session: "Pin as Jump Client" (personal list or a Jump Group I may use),
 * "Unpin" in the Jump list with a confirmation, "Deploy support button" (name, expiry, profile, queue) and
 * the buttons on the desktop with Remove. The agent (a real ws client) is told to install and uninstall.
 */
describe('web: pin and unpin jump clients, deploy and remove support buttons', () => {
  let t: TestNode;
  let chromium: TestBrowser;
  const contexts: BrowserContext[] = [];
  const closers: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startInProcessNode({ supportButtons: { profiles: { kiosk: { title: 'Kiosk help', description: 'For the shared kiosk PCs in the lobby.' } } } });
    chromium = await launchChromium();
  });

  afterAll(async () => {
    for (const c of closers) await c();
    for (const c of contexts) await c.close().catch(() => undefined);
    await chromium?.close();
    await t?.stop();
  });

  const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: resolve(ARTIFACTS, `entry-${name}.png`) });

  it('pins the session\'s desktop to a Jump Group, deploys and removes support buttons, and unpins from the Jump list', async () => {
    const root = await person(t, 'root');
    closers.push(() => root.close());
    await root.ask('jump-group.define', { groupId: 'front', name: 'Front office', userIds: [], teams: ['helpdesk'], consent: 'notify' });
    await root.ask('jump-group.define', { groupId: 'lab', name: 'Lab', userIds: ['bob'], teams: [], consent: 'ask' });
    const desk = await agent(t, 'desk-pin', '515151', 'paula');
    closers.push(() => desk.ws.close());

    const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    await page.goto(`${t.url}/`);
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel('Password').fill('alice-pw');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('[data-agent="desk-pin"]').click();
    await page.getByRole('button', { name: 'Assist desk-pin' }).click();
    const asked = await desk.ws.next('assist.requested');
    await desk.ws.ask('assist.respond', { sessionId: asked.sessionId, allow: true });
    await page.locator('.session-head .badge', { hasText: 'Active' }).waitFor();
    await page.getByRole('tab', { name: 'Admin' }).click();
    const dismiss = async (): Promise<void> => { for (const b of await page.locator('.toast-close').all()) await b.click().catch(() => undefined); };

    // Pin: my personal list or a group I belong to (Front office by team; not Lab, where only bob is).
    await page.getByRole('button', { name: 'Pin as Jump Client…' }).click();
    const pinDialog = page.getByTestId('pin-dialog');
    await pinDialog.getByRole('heading', { name: 'Pin desk-pin as a Jump Client' }).waitFor();
    expect(await pinDialog.getByLabel('Location').locator('option').allTextContents()).toEqual(['My personal list (only me)', 'Front office — starts at once with a notice']);
    await pinDialog.getByLabel('Location').selectOption({ label: 'Front office — starts at once with a notice' });
    await pinDialog.getByText('team helpdesk may start sessions').waitFor();
    expect(await pinDialog.getByLabel('When I start a session').isHidden()).toBe(true);
    await shot(page, '01-pin-dialog');
    await pinDialog.getByRole('button', { name: 'Pin' }).click();
    await pinDialog.waitFor({ state: 'detached' });
    const pinned = await desk.ws.next('jump.pinned');
    const jumps = (await root.ask('jump.list', {})).jumpClients;
    expect(jumps).toEqual([expect.objectContaining({ jumpClientId: pinned.jumpClientId, agentId: desk.agentId, location: { kind: 'group', groupId: 'front' }, consent: 'notify', pinnedBy: 'alice' })]);

    // Deploy: name, expiry, profile, queue.
    await dismiss();
    await page.getByRole('button', { name: 'Deploy support button…' }).click();
    const deployDialog = page.getByTestId('deploy-dialog');
    await deployDialog.getByLabel('Name').fill('Printer help');
    const in10Days = new Date(Date.now() + 10 * 24 * 3600 * 1000);
    const day = `${in10Days.getFullYear()}-${String(in10Days.getMonth() + 1).padStart(2, '0')}-${String(in10Days.getDate()).padStart(2, '0')}`;
    await deployDialog.getByLabel('Expires on').fill(day);
    // The profiles the administrator configured, by title, in their order; the first is chosen.
    const profile = deployDialog.getByLabel('Profile');
    expect(await profile.locator('option').allTextContents()).toEqual(['Get help from IT', 'Kiosk help']);
    expect(await profile.inputValue()).toBe('default');
    await deployDialog.getByText('Start a support session with the helpdesk. The customer sees this title on the button.').waitFor();
    await profile.selectOption({ label: 'Kiosk help' });
    await deployDialog.getByText('For the shared kiosk PCs in the lobby. The customer sees this title on the button.').waitFor();
    expect(await deployDialog.getByLabel('Queue').locator('option').allTextContents()).toEqual(['Team helpdesk', 'My personal queue']);
    await deployDialog.getByLabel('Queue').selectOption({ label: 'Team helpdesk' });
    await shot(page, '02-deploy-dialog');
    await deployDialog.getByRole('button', { name: 'Deploy' }).click();
    await deployDialog.waitFor({ state: 'detached' });
    const installed = await desk.ws.next('support-button.installed');
    expect(installed).toMatchObject({ name: 'Printer help', profile: 'kiosk', title: 'Kiosk help', description: 'For the shared kiosk PCs in the lobby.' });
    expect(new Date(installed.expiresAt).getDate()).toBe(in10Days.getDate());

    await page.getByRole('button', { name: 'Deploy support button…' }).click();
    await deployDialog.getByLabel('Name').fill('VPN help');
    await deployDialog.getByLabel('Queue').selectOption({ label: 'My personal queue' });
    await deployDialog.getByRole('button', { name: 'Deploy' }).click();
    expect(await desk.ws.next('support-button.installed', (b) => b.name === 'VPN help')).toBeDefined();
    const list = page.getByRole('list', { name: 'Support buttons on this desktop' });
    await list.locator('[data-button="VPN help"]', { hasText: 'Personal queue of alice' }).waitFor();
    await list.locator('[data-button="Printer help"]', { hasText: 'Team helpdesk · “Kiosk help”' }).waitFor();
    await list.locator('[data-button="VPN help"]', { hasText: '“Get help from IT”' }).waitFor();
    await dismiss();
    await list.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot(page, '03-button-list');

    // Remove asks first; cancel keeps it, confirm uninstalls it on the desktop.
    await list.getByRole('button', { name: 'Remove Printer help' }).click();
    const confirm = page.getByRole('dialog');
    await confirm.getByText('the customer can no longer start sessions with it').waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await list.getByRole('button', { name: 'Remove Printer help' }).click();
    await confirm.getByRole('button', { name: 'Remove' }).click();
    expect(await desk.ws.next('support-button.removed')).toMatchObject({ buttonId: installed.buttonId });
    await list.locator('[data-button="Printer help"]').waitFor({ state: 'detached' });
    expect(await list.locator('[data-button]').count()).toBe(1);

    // Bob joins the session as a participant: he sees the buttons on the desktop but may not pin,
    // deploy or remove (only the owner, who deployed them, does).
    const bobCtx = await chromium.browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-GB', timezoneId: 'UTC' });
    contexts.push(bobCtx);
    const bobPage = await bobCtx.newPage();
    bobPage.setDefaultTimeout(10000);
    await signInCockpit(bobPage, t.url, 'bob');
    const aliceWs = await person(t, 'alice');
    closers.push(() => aliceWs.close());
    await aliceWs.ask('session.invite', { sessionId: asked.sessionId, target: { kind: 'representative', userId: 'bob' } });
    await bobPage.getByRole('button', { name: 'Accept' }).click();
    await bobPage.getByText('You: Participant').waitFor();
    await bobPage.getByRole('tab', { name: 'Admin' }).click();
    await bobPage.getByText('Only the session owner pins this desktop or deploys a Support Button on it.').waitFor();
    const bobList = bobPage.getByRole('list', { name: 'Support buttons on this desktop' });
    await bobList.locator('[data-button="VPN help"]').waitFor();
    expect(await bobPage.getByRole('button', { name: 'Pin as Jump Client…' }).count()).toBe(0);
    expect(await bobPage.getByRole('button', { name: 'Deploy support button…' }).count()).toBe(0);
    expect(await bobList.getByRole('button', { name: 'Remove VPN help' }).count()).toBe(0);
    await bobList.evaluate((el) => el.scrollIntoView({ block: 'center' }));
    await shot(bobPage, '03b-participant-no-controls');
    expect(await list.getByRole('button', { name: 'Remove VPN help' }).count()).toBe(1);
    await bobCtx.close();

    // Ending the session never unpins.
    await page.getByRole('button', { name: 'End session' }).click();
    await page.getByText('This session has ended').waitFor();

    // The Jump list: the pinned desktop in Front office, with Unpin (confirmed).
    await dismiss();
    await page.getByRole('tab', { name: /Jump clients/ }).click();
    const front = page.locator('.jump-group', { hasText: 'Front office' });
    await front.locator('[data-jump="desk-pin"]').waitFor();
    await shot(page, '04-jump-list-unpin');
    await page.getByRole('button', { name: 'Unpin desk-pin' }).click();
    await confirm.getByText('The Jump Client is uninstalled from desk-pin and removed from the Jump Group Front office').waitFor();
    await shot(page, '05-unpin-confirm');
    await confirm.getByRole('button', { name: 'Unpin' }).click();
    expect(await desk.ws.next('jump.unpinned')).toMatchObject({ jumpClientId: pinned.jumpClientId });
    await front.waitFor({ state: 'detached' });
    await page.getByText('No jump client', { exact: true }).waitFor();
    expect((await root.ask('jump.list', {})).jumpClients).toEqual([]);
    await waitFor('the unpin toast', () => page.getByText('desk-pin unpinned.').isVisible());
  }, 90_000);

  it('lists only the Jump Groups I may use, and the Support Buttons I deployed (an admin: all)', async () => {
    const carol = await person(t, 'carol');
    const alice = await person(t, 'alice');
    const root = await person(t, 'root');
    closers.push(() => carol.close(), () => alice.close(), () => root.close());
    expect((await alice.ask('jump-group.list', {})).groups.map((g: { name: string }) => g.name)).toEqual(['Front office']);
    expect((await carol.ask('jump-group.list', {})).groups).toEqual([]);
    expect((await carol.ask('support-button.list', {})).buttons).toEqual([]);
    expect((await root.ask('support-button.list', {})).buttons.map((b: { name: string; expired: boolean }) => [b.name, b.expired])).toEqual([['VPN help', false]]);
    const all = await root.ask('jump-group.list', {});
    expect(all.groups).toEqual([
      { groupId: 'front', name: 'Front office', consent: 'notify', userIds: [], teams: ['helpdesk'] },
      { groupId: 'lab', name: 'Lab', consent: 'ask', userIds: ['bob'], teams: [] },
    ]);
    const mine = await alice.ask('support-button.list', {});
    expect(mine.buttons.map((b: { name: string }) => b.name)).toEqual(['VPN help']);
    await expect(alice.ask('support-button.list', { sessionId: 'nope!' })).rejects.toMatchObject({ code: 'INVALID_DATA' });
  });

  it('shows the Jump Groups in the admin console, and an administrator defines one there', async () => {
    const ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 760 }, locale: 'en-GB', timezoneId: 'UTC' });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    await page.goto(`${t.url}/admin`);
    await page.getByLabel('Username').fill('root');
    await page.getByLabel('Password').fill('root-pw');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('tab', { name: /Jump Groups/ }).click();
    const table = page.getByRole('table', { name: 'Jump Groups' });
    await table.locator('tr[data-group="front"]', { hasText: 'Starts at once with a notice' }).waitFor();
    expect(await table.locator('tr[data-group="front"]').textContent()).toContain('team helpdesk');
    expect(await table.locator('tr[data-group="lab"]').textContent()).toContain('bob');

    const form = page.getByRole('form', { name: 'Define a Jump Group' });
    await form.getByLabel('Id').fill('night');
    await form.getByLabel('Name').fill('Night shift');
    await form.getByLabel('Consent policy').selectOption({ label: 'Asks the user first' });
    await form.getByLabel('Users').fill('alice, bob');
    await form.getByRole('button', { name: 'Save group' }).click();
    await table.locator('tr[data-group="night"]', { hasText: 'alice, bob' }).waitFor();
    await page.getByRole('tab', { name: /Jump Groups/ }).locator('.count', { hasText: '3' }).waitFor();
    for (const b of await page.locator('.toast-close').all()) await b.click().catch(() => undefined);
    await shot(page, '06-admin-jump-groups');
    // alice now may pin to it.
    const alice = await person(t, 'alice');
    closers.push(() => alice.close());
    expect((await alice.ask('jump-group.list', {})).groups.map((g: { name: string }) => g.name)).toEqual(['Front office', 'Night shift']);
  });
});
