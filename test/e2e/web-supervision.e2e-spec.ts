import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';

const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');

/** The supervisor's cockpit in headless Chromium: Team sessions lists a running session of the team; Watch joins it as an observer. */
describe('web cockpit: a supervisor watches a session of the team', () => {
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

  it('shows Team sessions live and joins one with Watch', async () => {
    ctx = await chromium.browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page: Page = await ctx.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(`${t.url}/`);
    await page.getByLabel('Username').fill('sam');
    await page.getByLabel('Password').fill('sam-pw');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Team sessions' }).waitFor();
    await page.getByText('No session is running in your teams.').waitFor();

    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-watch', '750750', 'dora');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    const card = page.locator(`[aria-label="Team sessions"] [data-session="${sessionId}"]`);
    await card.getByText('owner alice').waitFor();
    await card.getByText('Observe').waitFor();
    await page.screenshot({ path: resolve(ARTIFACTS, 'web-supervision-01-team-sessions.png') });

    await card.getByRole('button', { name: 'Watch dora' }).click();
    await alice.next('session.event', (e) => e.type === 'SupervisorJoined' && e.member.id === 'sam');
    await page.getByRole('tab', { name: 'People' }).click();
    await page.locator('[aria-label="Members"] [data-member="sam"]').getByText('Observer').waitFor();
    await card.getByRole('button', { name: 'Watch dora' }).getByText('Open').waitFor();
    await page.screenshot({ path: resolve(ARTIFACTS, 'web-supervision-02-watching.png') });

    await alice.ask('session.end', { sessionId });
    await page.getByText('No session is running in your teams.').waitFor();
    for (const c of [alice, desk.ws]) await c.close();
  }, 60_000);
});
