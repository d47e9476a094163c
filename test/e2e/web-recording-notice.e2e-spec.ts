import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { launchChromium, newPage, screenshot, signInCockpit, type TestBrowser } from '../support/chromium';
import { startDesktopAgent, type DesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';

/**
 * Recording as the two pages show it, in headless Chromium with the real desktop agent: the owner starts
 * it from the cockpit's Admin tab with a reason, the cockpit shows a Recording badge, the customer panel a
 * notice naming who started it and why for as long as it runs; a recording by policy says so and its Stop
 * stays disabled for the owner.
 */
describe('web: the recording is announced in the cockpit and the customer panel', () => {
  let chromium: TestBrowser;
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await chromium?.close();
  });

  const shot = (page: Page, name: string): Promise<void> => screenshot(page, `web-recording-${name}`);

  /** A node, the agent, the cockpit signed in as alice and the panel, in an allowed session. */
  async function session(host: string, config: Record<string, unknown>): Promise<{ t: TestNode; desk: DesktopAgent; alice: Page; customer: Page }> {
    const t = await startInProcessNode(config);
    cleanups.push(() => t.stop());
    const desk = await startDesktopAgent(t, host, {});
    cleanups.push(() => desk.stop());
    const alice = await newPage(chromium, { width: 1280, height: 760 });
    await signInCockpit(alice, t.url, 'alice');
    const customer = await newPage(chromium, { width: 1100, height: 760 });
    const link = await desk.client.customerPanel();
    await customer.goto(`${t.url}${link.path}`);
    await customer.getByText('No one is connected to this computer').waitFor();
    await alice.locator(`[data-agent="${host}"]`).click();
    await alice.getByRole('button', { name: `Assist ${host}` }).click();
    await desk.waitForQuestion('asks to view your screen');
    desk.type('y');
    await customer.getByRole('group', { name: 'Sharing mode' }).waitFor();
    await alice.getByRole('tab', { name: 'Admin' }).click();
    return { t, desk, alice, customer };
  }

  it('the owner starts it with a reason: a badge in the cockpit, a lasting notice in the panel; stopped, both go', async () => {
    const { alice, customer } = await session('desk-rec-owner', {});
    const control = alice.getByTestId('recording-control');
    expect(await customer.getByTestId('recording-notice').count()).toBe(0);
    expect(await control.getByRole('button', { name: 'Stop recording' }).isDisabled()).toBe(true);
    await control.getByLabel('Reason (shown to everyone in the session)').fill('ticket 4711');
    await control.getByRole('button', { name: 'Start recording' }).click();
    await alice.getByTestId('recording-badge').waitFor();
    const notice = customer.getByTestId('recording-notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('Alice Tech started the recording (ticket 4711)');
    expect(await control.getByTestId('recording-status').textContent()).toMatch(/^Recording since .* \(ticket 4711\)\.$/);
    expect(await control.getByRole('button', { name: 'Start recording' }).isDisabled()).toBe(true);
    // It stays while the customer changes the mode (the panel redraws on every event).
    await customer.getByRole('button', { name: /Observe/ }).click();
    await customer.getByText('Current mode: Observe').waitFor();
    expect(await notice.isVisible()).toBe(true);
    await shot(customer, '01-panel-recorded');
    await shot(alice, '02-cockpit-recording');
    await control.getByRole('button', { name: 'Stop recording' }).click();
    await notice.waitFor({ state: 'detached' });
    await alice.getByTestId('recording-badge').waitFor({ state: 'detached' });
    expect(await control.getByTestId('recording-status').textContent()).toContain('Not recorded');
  }, 90_000);

  it('a recording by policy tells the customer so, and the owner cannot stop it', async () => {
    const { alice, customer } = await session('desk-rec-policy', { recording: { policy: { teams: ['helpdesk'] } } });
    const notice = customer.getByTestId('recording-notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('Your organisation records sessions like this one (policy: team helpdesk)');
    const control = alice.getByTestId('recording-control');
    await alice.getByTestId('recording-badge').waitFor();
    expect(await control.getByRole('button', { name: 'Stop recording' }).isDisabled()).toBe(true);
    expect(await control.getByTestId('recording-status').textContent()).toContain('Required by policy: only an admin may stop it.');
    await shot(customer, '03-panel-policy');
  }, 90_000);
});
