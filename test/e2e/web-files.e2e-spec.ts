import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { PROJECT_ROOT } from '../../src/config/load-config';
import { launchChromium, newPage, screenshot, signInCockpit, type TestBrowser } from '../support/chromium';
import { startDesktopAgent, type DesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { waitFor } from '../support/wait';

const MAX_BYTES = 4 * 1024 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/**
 * Files in a session through the pages, in headless Chromium: the cockpit's Files tab sends and receives,
 * the customer panel lists every offer and answers, and the real desktop agent (its terminal prompt fed
 * through a pipe) saves into its Downloads folder and sends with `send PATH`. Nothing is mocked.
 */
describe('web: files in a session (cockpit Files tab, customer panel, real desktop agent)', () => {
  let t: TestNode;
  let chromium: TestBrowser;
  let dir: string;
  let desk: DesktopAgent | undefined;

  beforeAll(async () => {
    execFileSync('bash', ['scripts/build-web.sh'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
    dir = mkdtempSync(join(tmpdir(), 'tandem-web-files-'));
    t = await startInProcessNode({ files: { maxBytes: MAX_BYTES } });
    chromium = await launchChromium();
  });
  afterAll(async () => {
    desk?.stop();
    await chromium?.close();
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const shot = (page: Page, name: string): Promise<void> => screenshot(page, `web-files-${name}`);
  const row = (page: Page, name: string) => page.getByTestId('file-row').filter({ hasText: name });

  it('sends to the Downloads folder, receives a Save link, refuses, loses a late answer and refuses an oversized file, with the same state on both pages', async () => {
    const downloads = join(dir, 'Downloads');
    desk = await startDesktopAgent(t, 'desk-web-files', { downloadsDir: downloads });

    // The technician's cockpit, and the customer panel the agent links to. The panel's socket goes through a
    // route that can hold its file.respond frames (to make the agent's prompt answer first).
    // The cockpit's socket goes through a route that can damage one file's bytes on the way (one base64
    // character of one chunk changed), either way: what a faulty network or proxy would do.
    const alice = await newPage(chromium, { width: 1280, height: 760 }, { acceptDownloads: true });
    let damage: { name: 'file.chunk'; fileId: string | null; direction: 'up' | 'down'; done: boolean } | null = null;
    const damaged = (m: string | Buffer, direction: 'up' | 'down'): string | Buffer => {
      if (!damage || damage.done || damage.direction !== direction || typeof m !== 'string' || !m.includes('"file.chunk"')) return m;
      const frame = JSON.parse(m) as { event: string; data: { fileId: string; offset: number; data: string } };
      if (frame.event !== 'file.chunk' || (damage.fileId !== null && frame.data.fileId !== damage.fileId)) return m;
      const at = 1000;
      frame.data.data = frame.data.data.slice(0, at) + (frame.data.data[at] === 'A' ? 'B' : 'A') + frame.data.data.slice(at + 1);
      damage.done = true;
      return JSON.stringify(frame);
    };
    await alice.routeWebSocket(/\/ws\/console/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => server.send(damaged(m, 'up')));
      server.onMessage((m) => ws.send(damaged(m, 'down')));
    });
    await signInCockpit(alice, t.url, 'alice');

    const customer = await newPage(chromium, { width: 1100, height: 900 }, { acceptDownloads: true });
    let holdAnswers = false;
    const held: Array<() => void> = [];
    await customer.routeWebSocket(/\/ws\/console/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((m) => {
        if (holdAnswers && String(m).includes('"file.respond"')) held.push(() => server.send(m));
        else server.send(m);
      });
      server.onMessage((m) => ws.send(m));
    });
    const link = await desk.client.customerPanel();
    await customer.goto(`${t.url}${link.path}`);
    await customer.getByText('No one is connected to this computer').waitFor();

    await alice.locator('[data-agent="desk-web-files"]').click();
    await alice.getByRole('button', { name: 'Assist desk-web-files' }).click();
    await desk.waitForQuestion('asks to view your screen');
    desk.type('y');
    await customer.getByRole('group', { name: 'Sharing mode' }).waitFor();
    await alice.getByRole('tab', { name: 'Files' }).click();
    await alice.getByText('No file was offered in this session yet.').waitFor();

    // 1. Technician → customer, ~2.5 MB: the customer accepts in the panel; the agent saves the same bytes.
    const driver = randomBytes(2_500_000 + 13);
    await alice.locator('[data-key="file-pick"]').setInputFiles({ name: 'printer-driver.bin', mimeType: 'application/octet-stream', buffer: driver });
    await alice.getByRole('button', { name: 'Send file' }).click();
    await row(alice, 'printer-driver.bin').getByText('Waiting for the customer to accept').waitFor();
    await desk.waitForQuestion('Alice Tech wants to send you "printer-driver.bin" (2.4 MB)');
    const offered = row(customer, 'printer-driver.bin');
    await offered.getByText('Offered to you — nothing is saved unless you accept').waitFor();
    expect(await offered.textContent()).toContain('From Alice Tech');
    await shot(customer, '01-panel-offered');
    await offered.getByRole('button', { name: 'Accept' }).click();
    // The agent reports the name it saved the file under; both pages say it.
    await row(alice, 'printer-driver.bin').getByText('Saved on the customer\'s desktop as printer-driver.bin').waitFor();
    expect(await row(alice, 'printer-driver.bin').getByTestId('file-bytes').textContent()).toBe('100 % · 2.4 MB of 2.4 MB');
    await desk.waitForQuestion(`file received: ${join(downloads, 'printer-driver.bin')}`);
    expect(sha(readFileSync(join(downloads, 'printer-driver.bin')))).toBe(sha(driver));
    await offered.getByText('Saved in your Downloads folder as printer-driver.bin').waitFor();
    expect(await offered.getByTestId('file-bytes').textContent()).toBe('100 % · 2.4 MB of 2.4 MB reached this computer');
    // A delivered file's bar is complete (green), on both pages.
    expect(await row(alice, 'printer-driver.bin').locator('.file-progress').getAttribute('data-outcome')).toBe('complete');
    expect(await offered.locator('.cust-file-progress').getAttribute('data-outcome')).toBe('complete');
    await shot(alice, '02-cockpit-saved');
    await shot(customer, '03-panel-saved');
    // The agent's terminal dropped its question and says where it was answered.
    await desk.waitForQuestion('the file "printer-driver.bin" was accepted in the web panel');

    // 2. Refused in the panel: Refused on both pages, nothing in Downloads.
    await alice.locator('[data-key="file-pick"]').setInputFiles({ name: 'unwanted.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ not wanted') });
    await alice.getByRole('button', { name: 'Send file' }).click();
    await desk.waitForQuestion('wants to send you "unwanted.exe"');
    await row(customer, 'unwanted.exe').getByRole('button', { name: 'Refuse' }).click();
    await row(alice, 'unwanted.exe').getByText('Refused by the customer').waitFor();
    await row(customer, 'unwanted.exe').getByText('You refused it').waitFor();
    await desk.waitForQuestion('the file "unwanted.exe" was refused in the web panel');

    // 3. Both answer: the agent's prompt first (the panel's Accept is held on the way), the panel's Accept
    //    then comes back FILE_ANSWERED and the panel says so; the file stays refused.
    await alice.locator('[data-key="file-pick"]').setInputFiles({ name: 'race.txt', mimeType: 'text/plain', buffer: Buffer.from('who answers first\n') });
    await alice.getByRole('button', { name: 'Send file' }).click();
    await desk.waitForQuestion('wants to send you "race.txt"');
    holdAnswers = true;
    await row(customer, 'race.txt').getByRole('button', { name: 'Accept' }).click();
    await waitFor('the panel\'s Accept held', () => held.length === 1);
    desk.type('n');
    await row(alice, 'race.txt').getByText('Refused by the customer').waitFor();
    holdAnswers = false;
    held.splice(0).forEach((send) => send());
    const note = row(customer, 'race.txt').getByTestId('file-note');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/^Accept came too late: FILE_ANSWERED — /);
    expect(await row(customer, 'race.txt').getByTestId('file-state').textContent()).toBe('You refused it');
    expect(readdirSync(downloads)).toEqual(['printer-driver.bin']);
    await shot(customer, '04-panel-late-answer');

    // 4. Customer → technician with `send PATH` at the agent: accepted in the cockpit, saved by the Save link.
    const logs = randomBytes(2 * 1024 * 1024 + 7);
    const path = join(dir, 'Customer Logs.zip');
    writeFileSync(path, logs);
    desk.type(`send ${path}`);
    const incoming = row(alice, 'Customer Logs.zip');
    await incoming.getByText('Offered to you').waitFor();
    expect(await alice.getByRole('tab', { name: /Files/ }).textContent()).toBe('Files1');
    await row(customer, 'Customer Logs.zip').getByText('Waiting for a technician to accept').waitFor();
    await shot(alice, '05-cockpit-offered');
    await incoming.getByRole('button', { name: 'Accept' }).click();
    const save = incoming.getByRole('link', { name: 'Save' });
    await save.waitFor();
    expect(await incoming.getByTestId('file-state').textContent()).toBe('Received — SHA-256 checked');
    await desk.waitForQuestion('sent Customer Logs.zip (2.0 MB)');
    await row(customer, 'Customer Logs.zip').getByText('Received by Alice Tech — SHA-256 checked').waitFor();
    await desk.waitForQuestion('Customer Logs.zip was received by Alice Tech (SHA-256 checked)');
    const [download] = await Promise.all([alice.waitForEvent('download'), save.click()]);
    expect(download.suggestedFilename()).toBe('Customer Logs.zip');
    const saved = join(dir, 'saved-by-browser.zip');
    await download.saveAs(saved);
    expect(sha(readFileSync(saved))).toBe(sha(logs));
    await shot(alice, '06-cockpit-received');

    // 5. Over files.maxBytes: the node refuses the offer and the row says FILE_TOO_LARGE.
    await alice.locator('[data-key="file-pick"]').setInputFiles({ name: 'disk-image.iso', mimeType: 'application/octet-stream', buffer: Buffer.alloc(MAX_BYTES + 1) });
    await alice.getByRole('button', { name: 'Send file' }).click();
    const big = row(alice, 'disk-image.iso').getByTestId('file-state');
    await big.getByText('Failed: FILE_TOO_LARGE').waitFor();
    expect(await big.textContent()).toBe(`Failed: FILE_TOO_LARGE — files are limited to ${MAX_BYTES} bytes (files.maxBytes)`);
    await shot(alice, '07-cockpit-too-large');

    // 6. Damaged on the way to the customer: the agent finds the SHA-256 wrong, saves nothing, and says so to the sender.
    damage = { name: 'file.chunk', fileId: null, direction: 'up', done: false };
    const firmware = randomBytes(600_000);
    await alice.locator('[data-key="file-pick"]').setInputFiles({ name: 'firmware.bin', mimeType: 'application/octet-stream', buffer: firmware });
    await alice.getByRole('button', { name: 'Send file' }).click();
    await desk.waitForQuestion('wants to send you "firmware.bin"');
    desk.type('y');
    const broken = row(alice, 'firmware.bin').getByTestId('file-state');
    await broken.getByText('Failed: the file arrived damaged (SHA-256 mismatch)').waitFor();
    expect(damage.done).toBe(true);
    await desk.waitForQuestion('file not saved: firmware.bin: the file arrived damaged (SHA-256 mismatch)');
    await row(customer, 'firmware.bin').getByText('Not saved: the file arrived damaged (SHA-256 mismatch)').waitFor();
    expect(readdirSync(downloads)).toEqual(['printer-driver.bin']);
    // The failed row's bar turns red where it stopped; the panel's failed row shows none.
    expect(await row(alice, 'firmware.bin').locator('.file-progress').getAttribute('data-outcome')).toBe('failed');
    expect(await row(customer, 'firmware.bin').locator('.cust-file-progress').count()).toBe(0);
    await shot(alice, '08-cockpit-saved-and-failed');
    await row(customer, 'firmware.bin').scrollIntoViewIfNeeded();
    await shot(customer, '09-panel-failed');

    // 7. Damaged on the way to the technician: the cockpit's check fails, it reports so, the agent tells the customer.
    damage = { name: 'file.chunk', fileId: null, direction: 'down', done: false };
    const trace = join(dir, 'trace.log');
    writeFileSync(trace, randomBytes(300_000));
    desk.type(`send ${trace}`);
    const traceRow = row(alice, 'trace.log');
    await traceRow.getByRole('button', { name: 'Accept' }).click();
    await traceRow.getByTestId('file-state').getByText('Failed: the file arrived damaged (SHA-256 mismatch)').waitFor();
    expect(await traceRow.locator('.file-progress').getAttribute('data-outcome')).toBe('failed');
    await desk.waitForQuestion('trace.log did not arrive: the file arrived damaged (SHA-256 mismatch)');
    await row(customer, 'trace.log').getByText('Failed: the file arrived damaged (SHA-256 mismatch)').waitFor();
    expect(damage.done).toBe(true);
    await row(customer, 'trace.log').scrollIntoViewIfNeeded();
    await shot(customer, '10-panel-all');
    expect(await customer.getByTestId('file-row').count()).toBe(6);
    // A file the node refused never had an offer: it stays at the top, above the offers, newest first.
    expect(await alice.getByTestId('file-row').locator('.file-name').allTextContents()).toEqual(['disk-image.iso', 'trace.log', 'firmware.bin', 'Customer Logs.zip', 'race.txt', 'unwanted.exe', 'printer-driver.bin']);
  }, 120_000);
});
