import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BrowserContext, Download, Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { launchChromium, type TestBrowser } from '../support/chromium';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person, type TestAgent } from '../support/people';
import type { WsTestClient } from '../support/ws-client';

const ARTIFACTS = resolve(PROJECT_ROOT, 'test', 'artifacts');
const VIEWPORT = { width: 1280, height: 720 };

/**
 * The admin console (/admin) served by a real node and driven in headless Chromium: every button is
 * checked against the server (a ws client sees the session end, the revoked token fails, the node
 * really drains), not against the page's own idea of it.
 */
describe('web admin console', () => {
  let t: TestNode;
  let chromium: TestBrowser;
  const contexts: BrowserContext[] = [];
  const sockets: WsTestClient[] = [];
  const desks: TestAgent[] = [];
  let step = 0;

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startInProcessNode();
    chromium = await launchChromium();
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    for (const s of sockets) await s.close().catch(() => undefined);
    for (const d of desks) await d.ws.close().catch(() => undefined);
    await chromium?.close();
    await t?.stop();
  });

  async function open(path: string): Promise<Page> {
    const ctx = await chromium.browser.newContext({ viewport: VIEWPORT, acceptDownloads: true });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(10000);
    await page.goto(`${t.url}${path}`);
    return page;
  }

  async function shot(page: Page, name: string): Promise<void> {
    step++;
    await page.screenshot({ path: resolve(ARTIFACTS, `admin-${String(step).padStart(2, '0')}-${name}.png`) });
  }

  /** Clears the toasts already checked, so the next screenshot shows the page itself. */
  async function dismissToasts(page: Page): Promise<void> {
    await page.evaluate(() => document.querySelectorAll('.toast').forEach((el) => el.remove()));
  }

  async function signIn(page: Page, username: string): Promise<void> {
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(`${username}-pw`);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** The downloaded file's text (the browser runs as a separate server: saveAs copies it here). */
  async function textOf(download: Download): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'tandem-download-'));
    try {
      const file = join(dir, download.suggestedFilename());
      await download.saveAs(file);
      return readFileSync(file, 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function adminApi<T>(path: string, token?: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token ?? (await t.login('root'))}` } });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** A live session: alice assists a desktop whose customer allowed it and chose Observe. */
  async function liveSession(hostname: string, pin: string): Promise<{ alice: WsTestClient; desk: TestAgent; sessionId: string }> {
    const alice = await person(t, 'alice');
    sockets.push(alice);
    const desk = await agent(t, hostname, pin);
    desks.push(desk);
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    await desk.ws.ask('mode.set', { sessionId, mode: 'observe' });
    return { alice, desk, sessionId };
  }

  it('serves /admin and /join with the page headers', async () => {
    for (const path of ['/admin', '/join']) {
      const res = await fetch(`${t.url}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(await res.text()).toMatch(new RegExp(`src="/assets/${path.slice(1)}-[A-Z0-9]+\\.js"`));
    }
  });

  it('tells a technician who signs in that the console is for administrators only (403 FORBIDDEN)', async () => {
    const page = await open('/admin');
    await page.getByLabel('Username').waitFor();
    expect(await page.locator('#login-title').textContent()).toBe('Tandem admin');
    await shot(page, 'login');
    await signIn(page, 'alice');
    await page.getByRole('heading', { name: 'Administrators only' }).waitFor();
    expect(await page.getByTestId('error-code').textContent()).toBe('FORBIDDEN');
    expect(await page.getByRole('alert').textContent()).toContain('Alice Tech (alice) is signed in as Technician');
    expect(await page.getByRole('tab').count()).toBe(0);
    await shot(page, 'forbidden');
    // "Sign in as someone else" goes back to the form.
    await page.getByRole('button', { name: 'Sign in as someone else' }).click();
    await page.getByLabel('Username').waitFor();
  });

  it('shows nodes, sessions, agents, users and the audit log; ends a session, revokes a user, verifies and exports, drains the node', async () => {
    const { alice, sessionId } = await liveSession('desk-admin', '515151');
    await alice.ask('chat.send', { sessionId, text: 'Checking the printer queue now.' });
    // A second desktop that went away (no session, so no grace period): listed as offline.
    const gone = await agent(t, 'laptop-gone', '525252');
    await gone.ws.close();

    const page = await open('/admin');
    await signIn(page, 'root');
    await page.getByRole('tab', { name: /Nodes/ }).waitFor();

    // Nodes: this node, ready, with a fresh heartbeat.
    const nodeRow = page.locator('tr[data-node]');
    await nodeRow.first().waitFor();
    expect(await nodeRow.count()).toBe(1);
    const nodeId = await nodeRow.getAttribute('data-node');
    expect(await nodeRow.getByTestId('node-state').textContent()).toBe('Ready');
    expect(await nodeRow.textContent()).toMatch(/\d\.\d s ago/);
    await shot(page, 'nodes');

    // Sessions: the live one with its customer, owner, mode and members; its details and timeline.
    await page.getByRole('tab', { name: /Sessions/ }).click();
    const row = page.locator(`tr[data-session="${sessionId}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Alice Tech');
    expect(await row.textContent()).toContain('Observe');
    expect(await row.locator('td.num').textContent()).toBe('1');
    await row.click();
    const detail = page.getByTestId('session-detail');
    await detail.locator('.timeline li[data-type="ChatSent"]').waitFor();
    expect(await detail.locator('.timeline li[data-type="ChatSent"] .text').textContent()).toBe('Alice Tech: “Checking the printer queue now.”');
    expect(await detail.locator('[data-member="alice"]').textContent()).toContain('Owner');
    expect(await detail.locator('.timeline li').count()).toBe(4);
    await shot(page, 'session-detail');

    // The list refreshes by itself: a session started now shows up without a click.
    const second = await liveSession('desk-second', '535353');
    await page.locator(`tr[data-session="${second.sessionId}"]`).waitFor({ timeout: 8000 });

    // An error from the API is shown with its code: the second session ends while the dialog is open.
    await page.locator(`tr[data-session="${second.sessionId}"]`).getByRole('button', { name: 'End' }).click();
    await page.getByRole('dialog').waitFor();
    const root = await t.login('root');
    expect((await fetch(`${t.url}/api/admin/sessions/${second.sessionId}/end`, { method: 'POST', headers: { authorization: `Bearer ${root}` } })).status).toBe(200);
    await page.getByRole('dialog').getByRole('button', { name: 'End session' }).click();
    await page.locator('.toast-error', { hasText: 'End session: SESSION_ENDED' }).waitFor();
    await shot(page, 'error-code');
    await dismissToasts(page);

    // End with a reason: alice's console really gets session.ended (reason admin), and the row goes.
    await row.getByRole('button', { name: 'End' }).click();
    await page.getByLabel('Reason').fill('Policy check');
    await shot(page, 'end-dialog');
    await page.getByRole('dialog').getByRole('button', { name: 'End session' }).click();
    expect(await alice.next('session.ended', (d) => d.sessionId === sessionId)).toMatchObject({ reason: 'admin' });
    await page.getByText('No live session right now.').waitFor();
    await dismissToasts(page);
    const left = await adminApi<{ sessions: Array<{ sessionId: string }> }>('/api/admin/sessions');
    expect(left.body.sessions.map((s) => s.sessionId)).not.toContain(sessionId);

    // Agents: online and offline.
    await page.getByRole('tab', { name: /Agents/ }).click();
    await page.locator('tr[data-agent]', { hasText: 'desk-admin' }).waitFor();
    expect(await page.locator('tr[data-agent]', { hasText: 'desk-admin' }).textContent()).toContain('Online');
    expect(await page.locator('tr[data-agent]', { hasText: 'laptop-gone' }).textContent()).toContain('Offline');
    await shot(page, 'agents');

    // Users: revoke alice; her open console is closed with TOKEN_REVOKED and her token no longer works.
    const aliceToken = await t.login('alice');
    expect((await adminApi<{ code: string }>('/api/admin/nodes', aliceToken)).body.code).toBe('FORBIDDEN');
    await page.getByRole('tab', { name: /Users/ }).click();
    await page.locator('tr[data-user="alice"]').waitFor();
    expect(await page.locator('tr[data-user]').count()).toBe(5);
    await shot(page, 'users');
    await page.getByRole('button', { name: 'Revoke alice' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Revoke sign-ins' }).click();
    await page.locator('.toast-success', { hasText: 'Every sign-in of alice is revoked' }).waitFor();
    expect(await alice.next('error')).toMatchObject({ code: 'TOKEN_REVOKED' });
    await dismissToasts(page);
    expect(await alice.closed).toMatchObject({ code: 4401 });
    // The same token that got 403 FORBIDDEN before now gets 401: it no longer authenticates at all.
    const refused = await adminApi<{ code: string }>('/api/admin/nodes', aliceToken);
    expect(refused).toEqual({ status: 401, body: expect.objectContaining({ code: 'UNAUTHORIZED' }) });

    // Audit: the admin actions are in the log, the chain verifies, both exports download with the token.
    await page.getByRole('tab', { name: /Audit/ }).click();
    await page.locator('tr[data-type="AdminTokensRevoked"]').waitFor();
    expect(await page.locator('tr[data-type="AdminSessionEnded"]').first().textContent()).toContain('Root Admin ended the session — “Policy check”');
    expect(await page.locator('tr[data-type="ChatSent"]').first().textContent()).toContain('Alice Tech: “Checking the printer queue now.”');
    await page.getByRole('button', { name: 'Verify chain' }).click();
    const verdict = page.getByTestId('verify-result');
    await verdict.waitFor();
    expect(await verdict.textContent()).toMatch(/^Chain intact\. [1-9]\d* streams? and [1-9]\d* events checked/);
    // What it covered: the day ledgers read, and today's ledger head to keep outside the store (the API's own).
    const coverage = page.getByTestId('verify-coverage');
    expect(await coverage.textContent()).toMatch(/^[1-9]\d* day ledgers? read\./);
    const api = await adminApi<{ results: Array<{ stream: string; head?: string }> }>('/api/admin/audit/verify');
    const ledgerHeads = api.body.results.filter((r) => r.stream.startsWith('ledger:')).map((r) => r.head);
    expect(ledgerHeads.length).toBeGreaterThan(0);
    expect(await page.getByTestId('ledger-head').textContent()).toBe(ledgerHeads[ledgerHeads.length - 1]);
    await shot(page, 'audit');
    const [jsonl] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download JSONL' }).click()]);
    expect(jsonl.suggestedFilename()).toMatch(/^tandem-audit-.+\.jsonl$/);
    const lines = (await textOf(jsonl)).trim().split('\n').map((l) => JSON.parse(l) as { type: string; details: Record<string, unknown> });
    expect(lines.filter((l) => l.type === 'AdminSessionEnded').map((l) => l.details)).toEqual([{ reason: null }, { reason: 'Policy check' }]);
    expect(lines.some((l) => l.type === 'AdminTokensRevoked' && l.details.username === 'alice')).toBe(true);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const csvText = await textOf(csv);
    expect(csvText.split('\n')[0]).toBe('at,type,actor_kind,actor_id,actor_name,session_id,seq,node,details');
    expect(csvText).toContain('AdminTokensRevoked');

    // Drain (last: the node then refuses new WebSockets): the API reports it draining, the page follows.
    await page.getByRole('tab', { name: /Nodes/ }).click();
    await page.getByRole('button', { name: `Drain ${nodeId}` }).click();
    await page.getByRole('dialog').waitFor();
    await shot(page, 'drain-confirm');
    await page.getByRole('dialog').getByRole('button', { name: 'Drain node' }).click();
    await page.locator('[data-testid="node-state"]', { hasText: 'Draining' }).waitFor();
    expect(await page.getByRole('button', { name: `Drain ${nodeId}` }).isDisabled()).toBe(true);
    const nodes = await adminApi<{ nodes: Array<{ id: string; draining: boolean }> }>('/api/admin/nodes');
    expect(nodes.body.nodes).toEqual([expect.objectContaining({ id: nodeId, draining: true })]);
    const audit = await fetch(`${t.url}/api/admin/audit?type=AdminNodeDrained`, { headers: { authorization: `Bearer ${await t.login('root')}` } });
    expect(await audit.text()).toContain(`"nodeId":"${nodeId}"`);
    await shot(page, 'drained');
  });
});
