import { execFileSync } from 'node:child_process';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { launchChromium, newPage, screenshot, type TestBrowser } from '../support/chromium';
import { startDesktopAgent, type DesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { person } from '../support/people';
import { waitFor } from '../support/wait';
import type { WsTestClient } from '../support/ws-client';

/**
 * The customer is told when a technician runs a command shell on their computer (issue #12): the real
 * agent's terminal prints a line when it opens and when it closes, and the customer panel shows a notice
 * for as long as it is open.
 */
describe('web: the customer sees a command shell open and close', () => {
  let t: TestNode;
  let chromium: TestBrowser;
  let desk: DesktopAgent | undefined;
  let alice: WsTestClient | undefined;

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    t = await startInProcessNode();
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await alice?.close();
    desk?.stop();
    await chromium?.close();
    await t?.stop();
  });

  it('the terminal and the panel say a shell is open, and that it closed with elevation', async () => {
    desk = await startDesktopAgent(t, 'desk-shell-notice', {});
    const customer = await newPage(chromium, { width: 1100, height: 760 });
    await customer.goto(`${t.url}${(await desk.client.customerPanel()).path}`);
    await customer.getByText('No one is connected to this computer').waitFor();

    alice = await person(t, 'alice');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.waitForQuestion('asks to view your screen');
    desk.type('y');
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.status === 'active');
    await alice.ask('elevation.request', { sessionId, method: 'prompt' });
    await desk.waitForQuestion('admin (elevated) session');
    desk.type('y');
    await alice.next('session.state', (s) => s.sessionId === sessionId && s.elevated);
    expect(await customer.getByTestId('shell-notice').count()).toBe(0);

    const { shellId } = await alice.ask('shell.open', { sessionId });
    await desk.waitForQuestion(/Alice Tech opened a command shell on this computer/);
    const notice = customer.getByTestId('shell-notice');
    await notice.getByText('A command shell is open on this computer').waitFor();
    await notice.getByText(/Alice Tech runs commands with administrator rights/).waitFor();
    await screenshot(customer, 'web-shell-notice-open');

    await alice.ask('elevation.end', { sessionId });
    await alice.next('session.event', (e) => e.type === 'ShellClosed' && e.shellId === shellId, 10_000);
    await desk.waitForQuestion(/the command shell closed \(elevation ended\)/);
    await waitFor('the panel notice gone', async () => (await notice.count()) === 0, 5000);
    await screenshot(customer, 'web-shell-notice-closed');
    await customer.close();
  }, 60_000);
});
