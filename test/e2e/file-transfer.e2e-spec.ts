import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IncomingFiles } from '../../src/agent/incoming-files';
import { assistAccepted, startDesktopAgent } from '../support/desktop-agent';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, inviteParticipant, person } from '../support/people';
import { waitFor } from '../support/wait';
import { WsTestClient } from '../support/ws-client';

const CHUNK = 256 * 1024;
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function sendFile(from: WsTestClient, sessionId: string, fileId: string, data: Buffer): Promise<number[]> {
  const progress: number[] = [];
  for (let offset = 0; offset < data.length; offset += CHUNK) {
    const ack = await from.ask('file.chunk', { sessionId, fileId, offset, data: data.subarray(offset, offset + CHUNK).toString('base64') });
    progress.push(ack.received);
  }
  await from.ask('file.done', { sessionId, fileId });
  return progress;
}

/** Files both ways through a real node: offered (journaled: name, size, hash), accepted, streamed, checked. */
describe('file transfer in a session', () => {
  let t: TestNode;
  let dir: string;
  beforeAll(async () => {
    t = await startInProcessNode({ files: { maxBytes: 8 * 1024 * 1024 } });
    dir = mkdtempSync(join(tmpdir(), 'tandem-downloads-'));
  });
  afterAll(async () => {
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the protocol: a few MB each way byte-identical, with progress, and the content out of the journal', async () => {
    const alice = await person(t, 'alice');
    const desk = await agent(t, 'desk-files', '262626');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });

    // Technician → customer, saved by the agent's own code into its Downloads folder.
    const toCustomer = randomBytes(3 * 1024 * 1024 + 17);
    const offer = await alice.ask('file.offer', { sessionId, name: '../../etc/fix-printer.sh', size: toCustomer.length, sha256: sha(toCustomer) });
    await expect(alice.ask('file.chunk', { sessionId, fileId: offer.fileId, offset: 0, data: 'AAAA' })).rejects.toMatchObject({ code: 'FILE_NOT_ACCEPTED' });
    await desk.ws.ask('file.respond', { sessionId, fileId: offer.fileId, accept: true });
    const downloads = new IncomingFiles(dir);
    downloads.expect(offer.fileId, '../../etc/fix-printer.sh', toCustomer.length, sha(toCustomer));
    const progress = await sendFile(alice, sessionId, offer.fileId, toCustomer);
    expect(progress[progress.length - 1]).toBe(toCustomer.length);
    const done = await desk.ws.next('file.done', (f) => f.fileId === offer.fileId);
    expect(done).toMatchObject({ size: toCustomer.length, sha256: sha(toCustomer) });
    for (const c of desk.ws.all('file.chunk').filter((c) => c.fileId === offer.fileId)) downloads.chunk(c.fileId, c.offset, c.data);
    const saved = downloads.done(offer.fileId);
    expect(saved).toBe(join(dir, 'fix-printer.sh'));
    expect(readFileSync(saved).equals(toCustomer)).toBe(true);

    // Customer → technician.
    const toTech = randomBytes(2 * 1024 * 1024);
    const back = await desk.ws.ask('file.offer', { sessionId, name: 'logs.zip', size: toTech.length, sha256: sha(toTech) });
    await alice.ask('file.respond', { sessionId, fileId: back.fileId, accept: true });
    await sendFile(desk.ws, sessionId, back.fileId, toTech);
    await alice.next('file.done', (f) => f.fileId === back.fileId);
    const parts = alice.all('file.chunk').filter((c) => c.fileId === back.fileId).sort((a, b) => a.offset - b.offset);
    const received = Buffer.concat(parts.map((c) => Buffer.from(c.data, 'base64')));
    expect(sha(received)).toBe(sha(toTech));

    // Only the sender sends; nothing past the size; too large refused.
    await expect(desk.ws.ask('file.chunk', { sessionId, fileId: offer.fileId, offset: 0, data: 'AAAA' })).rejects.toMatchObject({ code: 'FILE_NOT_ACCEPTED' });
    await expect(alice.ask('file.chunk', { sessionId, fileId: offer.fileId, offset: toCustomer.length, data: 'AAAA' })).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
    await expect(alice.ask('file.offer', { sessionId, name: 'huge.iso', size: 9 * 1024 * 1024, sha256: 'a'.repeat(64) })).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });

    const journal = await (await fetch(`${t.url}/api/admin/sessions/${sessionId}`, { headers: { authorization: `Bearer ${await t.login('root')}` } })).json() as { events: Array<{ type: string }> };
    expect(journal.events.filter((e) => e.type === 'FileOffered')).toHaveLength(2);
    expect(JSON.stringify(journal).length).toBeLessThan(20_000);
    for (const c of [alice, desk.ws]) await c.close();
  }, 30_000);

  it('a removed technician\'s offers die with them: accepting one later and their late bytes are refused (FILE_FAILED), the desk gets none; a disconnected customer\'s offer too', async () => {
    const alice = await person(t, 'alice');
    const bob = await person(t, 'bob');
    const desk = await agent(t, 'desk-files-gone', '272727');
    const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
    await desk.ws.ask('assist.respond', { sessionId, allow: true });
    const { inviteId } = await alice.ask('session.invite', { sessionId, target: { kind: 'representative', userId: 'bob' } });
    await bob.ask('invite.respond', { sessionId, inviteId, accept: true });
    await bob.next('session.state', (st) => st.sessionId === sessionId && st.you === 'participant');

    // Bob offers two files: the desk accepts one and gets its first chunk; the other is still unanswered.
    const onItsWay = randomBytes(2 * CHUNK);
    const sent = await bob.ask('file.offer', { sessionId, name: 'tool.exe', size: onItsWay.length, sha256: sha(onItsWay) });
    const pending = await bob.ask('file.offer', { sessionId, name: 'later.ps1', size: 4, sha256: 'c'.repeat(64) });
    await desk.ws.ask('file.respond', { sessionId, fileId: sent.fileId, accept: true });
    await bob.ask('file.chunk', { sessionId, fileId: sent.fileId, offset: 0, data: onItsWay.subarray(0, CHUNK).toString('base64') });
    await desk.ws.next('file.chunk', (c) => c.fileId === sent.fileId);

    // The owner removes Bob: both die, and everyone (the desk too) reads why.
    await alice.ask('member.remove', { sessionId, memberId: 'bob' });
    for (const fileId of [sent.fileId, pending.fileId]) {
      expect(await desk.ws.next('session.event', (e) => e.type === 'FileFailed' && e.fileId === fileId)).toMatchObject({ code: 'CANCELLED' });
      expect(await alice.next('session.event', (e) => e.type === 'FileFailed' && e.fileId === fileId)).toMatchObject({ code: 'CANCELLED' });
    }
    // The customer's late yes is refused; so are Bob's late bytes and his file.done, for either file.
    await expect(desk.ws.ask('file.respond', { sessionId, fileId: pending.fileId, accept: true })).rejects.toMatchObject({ code: 'FILE_FAILED' });
    await expect(bob.ask('file.chunk', { sessionId, fileId: pending.fileId, offset: 0, data: 'AAAA' })).rejects.toMatchObject({ code: 'FILE_FAILED' });
    await expect(bob.ask('file.chunk', { sessionId, fileId: sent.fileId, offset: CHUNK, data: onItsWay.subarray(CHUNK).toString('base64') })).rejects.toMatchObject({ code: 'FILE_FAILED' });
    await expect(bob.ask('file.done', { sessionId, fileId: sent.fileId })).rejects.toMatchObject({ code: 'FILE_FAILED' });

    // The customer offers a file, then is disconnected before anyone answers: accepting it later is refused too.
    const fromDesk = await desk.ws.ask('file.offer', { sessionId, name: 'logs.zip', size: 4, sha256: 'd'.repeat(64) });
    await alice.ask('customer.disconnect', { sessionId });
    expect(await alice.next('session.event', (e) => e.type === 'FileFailed' && e.fileId === fromDesk.fileId)).toMatchObject({ code: 'CANCELLED' });
    await expect(alice.ask('file.respond', { sessionId, fileId: fromDesk.fileId, accept: true })).rejects.toMatchObject({ code: 'FILE_FAILED' });

    // The desk got one chunk of Bob's file, the one sent before he was removed, and no file.done.
    await alice.ask('session.end', { sessionId });
    await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'SessionEnded');
    expect(desk.ws.all('file.chunk').filter((c) => c.fileId === sent.fileId || c.fileId === pending.fileId).map((c) => [c.fileId, c.offset])).toEqual([[sent.fileId, 0]]);
    expect(desk.ws.all('file.done').filter((d) => d.sessionId === sessionId)).toEqual([]);
    for (const c of [alice, bob, desk.ws]) await c.close();
  }, 30_000);

  it('the real agent: asks the customer, saves into Downloads safely and never over a file, sends with `send PATH`', async () => {
    const downloads = join(dir, 'agent-downloads');
    const alice = await person(t, 'alice');
    const bob = await person(t, 'bob');
    const desk = await startDesktopAgent(t, 'desk-real-files', { downloadsDir: downloads });
    try {
      await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === desk.agentId));
      const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
      await desk.waitForQuestion('asks to view your screen');
      desk.type('y');
      await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'AssistAccepted');

      // Technician → customer: the customer is asked first; the name's directories are dropped.
      const data = randomBytes(3 * 1024 * 1024 + 5);
      const offer = await alice.ask('file.offer', { sessionId, name: '../../etc/x', size: data.length, sha256: sha(data) });
      await desk.waitForQuestion('Alice Tech wants to send you "../../etc/x" (3.0 MB); it will be saved in your Downloads folder. Accept? [y/n]');
      desk.type('y');
      await alice.next('session.event', (e) => e.type === 'FileAnswered' && e.fileId === offer.fileId && e.accept === true);
      await sendFile(alice, sessionId, offer.fileId, data);
      await desk.waitForQuestion(`file received: ${join(downloads, 'x')}`);
      expect(readFileSync(join(downloads, 'x')).equals(data)).toBe(true);
      expect(desk.said()).toContain('receiving ../../etc/x: 50%');

      // The same name again lands beside it, never over it; a file the customer refuses gets no bytes through.
      const second = Buffer.from('second copy\n');
      const again = await alice.ask('file.offer', { sessionId, name: 'x', size: second.length, sha256: sha(second) });
      await desk.waitForQuestion('wants to send you "x" (12 B)');
      desk.type('y');
      await alice.next('session.event', (e) => e.type === 'FileAnswered' && e.fileId === again.fileId);
      await sendFile(alice, sessionId, again.fileId, second);
      await desk.waitForQuestion(`file received: ${join(downloads, 'x (1)')}`);
      expect(readFileSync(join(downloads, 'x')).equals(data)).toBe(true);
      expect(readFileSync(join(downloads, 'x (1)')).equals(second)).toBe(true);
      const refused = await alice.ask('file.offer', { sessionId, name: 'unwanted.exe', size: 4, sha256: 'b'.repeat(64) });
      await desk.waitForQuestion('wants to send you "unwanted.exe"');
      desk.type('n');
      await alice.next('session.event', (e) => e.type === 'FileAnswered' && e.fileId === refused.fileId && e.accept === false);
      await expect(alice.ask('file.chunk', { sessionId, fileId: refused.fileId, offset: 0, data: 'AAAA' })).rejects.toMatchObject({ code: 'FILE_NOT_ACCEPTED' });
      expect(readdirSync(downloads).sort()).toEqual(['x', 'x (1)']);

      // Only members send: Bob is not in the session.
      await expect(bob.ask('file.offer', { sessionId, name: 'y', size: 1, sha256: 'c'.repeat(64) })).rejects.toMatchObject({ code: 'NOT_MEMBER' });

      // Customer → technician: `send PATH` at the agent's prompt; Alice accepts and gets the same bytes.
      const logs = randomBytes(2 * 1024 * 1024 + 3);
      const path = join(dir, 'Customer Logs.zip');
      writeFileSync(path, logs);
      desk.type(`send ${path}`);
      const offered = await alice.next('session.event', (e) => e.type === 'FileOffered' && e.name === 'Customer Logs.zip', 10_000);
      expect(offered).toMatchObject({ size: logs.length, sha256: sha(logs), actor: { kind: 'customer' } });
      await alice.ask('file.respond', { sessionId, fileId: offered.fileId, accept: true });
      await alice.next('file.done', (f) => f.fileId === offered.fileId, 10_000);
      const parts = alice.all('file.chunk').filter((c) => c.fileId === offered.fileId).sort((a, b) => a.offset - b.offset);
      expect(Buffer.concat(parts.map((c) => Buffer.from(c.data, 'base64'))).equals(logs)).toBe(true);
      await desk.waitForQuestion('sent Customer Logs.zip (2.0 MB)');
      expect(desk.said()).toContain('sending Customer Logs.zip: 75%');

      // Too large for files.maxBytes: refused at the agent before anything is offered, and at the node.
      const big = join(dir, 'big.bin');
      writeFileSync(big, Buffer.alloc(9 * 1024 * 1024));
      desk.type(`send ${big}`);
      await desk.waitForQuestion('cannot send big.bin: 9.0 MB is over the limit of 8.0 MB (FILE_TOO_LARGE)');
      await expect(alice.ask('file.offer', { sessionId, name: 'big.bin', size: 9 * 1024 * 1024, sha256: 'a'.repeat(64) })).rejects.toMatchObject({ code: 'FILE_TOO_LARGE' });
      desk.type(`send ${join(dir, 'no-such-file')}`);
      await desk.waitForQuestion('cannot send');

      // Names, sizes and hashes are in the journal; the content is not.
      const journal = await (await fetch(`${t.url}/api/admin/sessions/${sessionId}`, { headers: { authorization: `Bearer ${await t.login('root')}` } })).text();
      expect(journal).toContain(sha(logs));
      expect(journal).not.toContain(logs.subarray(0, 48).toString('base64'));
      expect(journal).not.toContain(data.subarray(0, 48).toString('base64'));
      expect(journal).not.toContain('big.bin');
    } finally {
      desk.stop();
      for (const c of [alice, bob]) await c.close();
    }
  }, 60_000);
  it('the real agent tells the sender how each file arrived: saved under its name, damaged (HASH_MISMATCH) and cancelled by the session\'s end with nothing left in Downloads', async () => {
    const downloads = join(dir, 'result-downloads');
    const logs: string[] = [];
    const alice = await person(t, 'alice');
    const desk = await startDesktopAgent(t, 'desk-file-results', { downloadsDir: downloads, log: (line) => logs.push(line) });
    const settled = (fileId: string) => alice.next('session.event', (e) => (e.type === 'FileDelivered' || e.type === 'FileFailed') && e.fileId === fileId, 10_000);
    const offerAccepted = async (sessionId: string, name: string, data: Buffer, digest = sha(data)): Promise<string> => {
      const { fileId } = await alice.ask('file.offer', { sessionId, name, size: data.length, sha256: digest });
      await desk.waitForQuestion(`wants to send you "${name}"`);
      desk.type('y');
      await alice.next('session.event', (e) => e.type === 'FileAnswered' && e.fileId === fileId && e.accept === true);
      return fileId as string;
    };
    try {
      await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === desk.agentId));
      const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
      await desk.waitForQuestion('asks to view your screen');
      desk.type('y');
      await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'AssistAccepted');

      // A good file: the sender learns it was saved, and under which name (a report.pdf was there already).
      mkdirSync(downloads, { recursive: true });
      writeFileSync(join(downloads, 'report.pdf'), 'the customer\'s own report');
      const good = randomBytes(700 * 1024 + 1);
      const goodId = await offerAccepted(sessionId, 'report.pdf', good);
      await sendFile(alice, sessionId, goodId, good);
      expect(await settled(goodId)).toMatchObject({ type: 'FileDelivered', name: 'report.pdf', savedAs: 'report (1).pdf', actor: { kind: 'customer' } });
      expect(readFileSync(join(downloads, 'report (1).pdf')).equals(good)).toBe(true);
      // Only the receiver reports, once.
      await expect(alice.ask('file.result', { sessionId, fileId: goodId, ok: false, code: 'HASH_MISMATCH' })).rejects.toMatchObject({ code: 'NOT_CUSTOMER' });

      // A byte flipped on the way: the sender gets FileFailed HASH_MISMATCH; nothing stays in Downloads, no .part.
      const bytes = randomBytes(600 * 1024 + 3);
      const badId = await offerAccepted(sessionId, 'driver.bin', bytes);
      const corrupted = Buffer.from(bytes);
      corrupted[CHUNK + 100] ^= 0x01;
      await sendFile(alice, sessionId, badId, corrupted);
      expect(await settled(badId)).toMatchObject({ type: 'FileFailed', name: 'driver.bin', code: 'HASH_MISMATCH' });
      await desk.waitForQuestion('file not saved: driver.bin: the file arrived damaged (SHA-256 mismatch)');
      expect(readdirSync(downloads).sort()).toEqual(['report (1).pdf', 'report.pdf']);
      // No more bytes of a failed file.
      await expect(alice.ask('file.chunk', { sessionId, fileId: badId, offset: 0, data: 'AAAA' })).rejects.toMatchObject({ code: 'FILE_FAILED' });

      // The wrong SHA-256 in the offer: the same.
      const lying = Buffer.from('these bytes do not hash to what the offer says\n');
      const lyingId = await offerAccepted(sessionId, 'notes.txt', lying, 'f'.repeat(64));
      await sendFile(alice, sessionId, lyingId, lying);
      expect(await settled(lyingId)).toMatchObject({ type: 'FileFailed', code: 'HASH_MISMATCH' });

      // Customer → technician: the technician's check fails; the agent prints it for the customer.
      const logsPath = join(dir, 'agent-logs.txt');
      writeFileSync(logsPath, randomBytes(1000));
      desk.type(`send ${logsPath}`);
      const offered = await alice.next('session.event', (e) => e.type === 'FileOffered' && e.name === 'agent-logs.txt', 10_000);
      await alice.ask('file.respond', { sessionId, fileId: offered.fileId, accept: true });
      await alice.next('file.done', (f) => f.fileId === offered.fileId, 10_000);
      await alice.ask('file.result', { sessionId, fileId: offered.fileId, ok: false, code: 'SIZE_MISMATCH' });
      await desk.waitForQuestion('agent-logs.txt did not arrive: the file arrived incomplete (size mismatch)');
      await expect(alice.ask('file.result', { sessionId, fileId: offered.fileId, ok: true })).rejects.toMatchObject({ code: 'FILE_REPORTED' });

      // The session ends mid-transfer: FileFailed CANCELLED reaches the sender before SessionEnded; the .part goes.
      const big = randomBytes(3 * 1024 * 1024);
      const bigId = await offerAccepted(sessionId, 'big.iso', big);
      for (const offset of [0, CHUNK]) await alice.ask('file.chunk', { sessionId, fileId: bigId, offset, data: big.subarray(offset, offset + CHUNK).toString('base64') });
      const part = join(downloads, `.tandem-${bigId}.part`);
      await waitFor('the part file', () => existsSync(part));
      await alice.ask('session.end', { sessionId });
      const cancelled = await settled(bigId);
      const ended = await alice.next('session.event', (e) => e.type === 'SessionEnded' && e.sessionId === sessionId);
      expect(cancelled).toMatchObject({ type: 'FileFailed', name: 'big.iso', code: 'CANCELLED', actor: { id: 'alice' } });
      expect(cancelled.seq).toBeLessThan(ended.seq);
      await desk.waitForQuestion('receiving big.iso stopped: the transfer was cancelled before it was complete; nothing was saved');
      await waitFor('the part gone', () => !existsSync(part));
      expect(readdirSync(downloads).sort()).toEqual(['report (1).pdf', 'report.pdf']);
      await expect(alice.ask('file.chunk', { sessionId, fileId: bigId, offset: 2 * CHUNK, data: 'AAAA' })).rejects.toMatchObject({ code: 'SESSION_ENDED' });
      await desk.waitForQuestion('the session has ended');
      expect(desk.said()).not.toMatch(/unexpected file/);

      // The journal has names, codes and the saved name; never the content.
      const journal = await (await fetch(`${t.url}/api/admin/sessions/${sessionId}`, { headers: { authorization: `Bearer ${await t.login('root')}` } })).json() as { events: Array<Record<string, unknown>> };
      expect(journal.events.filter((e) => e.type === 'FileDelivered' || e.type === 'FileFailed').map((e) => [e.type, e.name, e.savedAs ?? e.code]))
        .toEqual([['FileDelivered', 'report.pdf', 'report (1).pdf'], ['FileFailed', 'driver.bin', 'HASH_MISMATCH'], ['FileFailed', 'notes.txt', 'HASH_MISMATCH'], ['FileFailed', 'agent-logs.txt', 'SIZE_MISMATCH'], ['FileFailed', 'big.iso', 'CANCELLED']]);
      const text = JSON.stringify(journal);
      for (const b of [good, bytes, big]) expect(text).not.toContain(b.subarray(0, 48).toString('base64'));
      expect(logs.join('\n')).not.toContain(good.subarray(0, 48).toString('base64'));
    } finally {
      desk.stop();
      await alice.close();
    }
  }, 60_000);
  it('the real agent: an offer answered in the customer panel withdraws its question, is said in the terminal, still saves an accepted file, and a late answer is not sent', async () => {
    const downloads = join(dir, 'panel-downloads');
    const logs: string[] = [];
    const alice = await person(t, 'alice');
    const desk = await startDesktopAgent(t, 'desk-panel-files', { downloadsDir: downloads, log: (line) => logs.push(line) });
    let panel: WsTestClient | undefined;
    try {
      await waitFor('the agent online', async () => (await alice.ask('online.list', {})).agents.some((a: { agentId: string }) => a.agentId === desk.agentId));
      // The customer panel the agent links to: a customer-kind connection for the same desktop.
      const { token } = (await desk.client.customerPanel()) as unknown as { token: string };
      panel = await WsTestClient.connect(`${t.wsUrl}/ws/console`, token, { viaQuery: true });
      const { sessionId } = await alice.ask('assist.request', { agentId: desk.agentId });
      await desk.waitForQuestion('asks to view your screen');
      desk.type('y');
      await alice.next('session.event', (e) => e.sessionId === sessionId && e.type === 'AssistAccepted');

      // Two offers: the terminal asks about the first, the second waits behind it.
      const data = randomBytes(600 * 1024 + 11);
      const offer = await alice.ask('file.offer', { sessionId, name: 'driver.bin', size: data.length, sha256: sha(data) });
      const other = await alice.ask('file.offer', { sessionId, name: 'notes.txt', size: 5, sha256: 'c'.repeat(64) });
      await desk.waitForQuestion('Alice Tech wants to send you "driver.bin" (600 KB)');

      // Accepted in the panel: the terminal says so and asks the next question; the file is still received and saved.
      await panel.ask('file.respond', { sessionId, fileId: offer.fileId, accept: true });
      await desk.waitForQuestion('tandem: the file "driver.bin" was accepted in the web panel\ntandem: receiving driver.bin (600 KB)\n');
      await desk.waitForQuestion('Alice Tech wants to send you "notes.txt"');
      // Refused in the panel: said too, and the question goes away.
      await panel.ask('file.respond', { sessionId, fileId: other.fileId, accept: false });
      await desk.waitForQuestion('the file "notes.txt" was refused in the web panel');
      await sendFile(alice, sessionId, offer.fileId, data);
      await desk.waitForQuestion(`file received: ${join(downloads, 'driver.bin')}`);
      expect(readFileSync(join(downloads, 'driver.bin')).equals(data)).toBe(true);

      // A late answer at the terminal goes nowhere; the next offer's answer there is the one sent.
      desk.type('y');
      const third = await alice.ask('file.offer', { sessionId, name: 'third.txt', size: 3, sha256: 'd'.repeat(64) });
      await desk.waitForQuestion('wants to send you "third.txt"');
      desk.type('n');
      await alice.next('session.event', (e) => e.type === 'FileAnswered' && e.fileId === third.fileId && e.accept === false);
      expect(alice.all('session.event').filter((e) => e.type === 'FileAnswered').map((e) => [e.fileId, e.accept]))
        .toEqual([[offer.fileId, true], [other.fileId, false], [third.fileId, false]]);
      expect(logs.filter((l) => /FILE_ANSWERED|UNKNOWN_FILE/.test(l))).toEqual([]);
      expect(readdirSync(downloads)).toEqual(['driver.bin']);

      // The session ends with a question open: the question goes away too.
      await alice.ask('file.offer', { sessionId, name: 'last.txt', size: 1, sha256: 'e'.repeat(64) });
      await desk.waitForQuestion('wants to send you "last.txt"');
      await alice.ask('session.end', { sessionId });
      await desk.waitForQuestion('tandem: the file "last.txt" is no longer offered\ntandem: the session has ended');
    } finally {
      desk.stop();
      await alice.close();
      await panel?.close();
    }
  }, 30_000);
  it('the real agent: an offer whose sender is removed or leaves before the customer answers is withdrawn at the terminal, saying why; a late answer sends nothing and no file lands', async () => {
    const downloads = join(dir, 'withdrawn-downloads');
    const logs: string[] = [];
    const alice = await person(t, 'alice');
    const bob = await person(t, 'bob');
    const carol = await person(t, 'carol');
    const desk = await startDesktopAgent(t, 'desk-withdrawn-files', { downloadsDir: downloads, log: (line) => logs.push(line) });
    try {
      const sessionId = await assistAccepted(alice, desk);
      await inviteParticipant(alice, bob, sessionId, 'bob');
      await inviteParticipant(alice, carol, sessionId, 'carol');

      // Bob's offer is asked; Carol's waits behind it. The owner removes Bob before the customer answers.
      const data = randomBytes(1000);
      const bobs = await bob.ask('file.offer', { sessionId, name: 'tool.exe', size: data.length, sha256: sha(data) });
      const carols = await carol.ask('file.offer', { sessionId, name: 'carol.txt', size: 5, sha256: 'c'.repeat(64) });
      await desk.waitForQuestion('Bob Tech wants to send you "tool.exe"');
      await alice.ask('member.remove', { sessionId, memberId: 'bob' });
      await desk.waitForQuestion('tandem: the file "tool.exe" was withdrawn: Bob Tech was removed from the session\ntandem: Carol Tech wants to send you "carol.txt"');

      // Carol leaves with her offer still asked: withdrawn too, nothing is left to answer.
      await carol.ask('session.leave', { sessionId });
      await desk.waitForQuestion('tandem: the file "carol.txt" was withdrawn: Carol Tech left the session\n');
      // The customer's late answers go nowhere: no file.respond reaches the node (no FILE_FAILED), nothing is saved.
      desk.type('y', 'y');
      const mark = await alice.ask('file.offer', { sessionId, name: 'mark.txt', size: 1, sha256: 'e'.repeat(64) });
      await desk.waitForQuestion('Alice Tech wants to send you "mark.txt"');
      desk.type('n');
      await alice.next('session.event', (e) => e.type === 'FileAnswered' && e.fileId === mark.fileId);
      expect(alice.all('session.event').filter((e) => e.type === 'FileAnswered').map((e) => [e.fileId, e.accept])).toEqual([[mark.fileId, false]]);
      expect(alice.all('session.event').filter((e) => e.type === 'FileFailed').map((e) => [e.fileId, e.code])).toEqual([[bobs.fileId, 'CANCELLED'], [carols.fileId, 'CANCELLED']]);
      expect(logs.filter((l) => /FILE_FAILED|UNKNOWN_FILE/.test(l))).toEqual([]);
      expect(existsSync(downloads) ? readdirSync(downloads) : []).toEqual([]);
      await alice.ask('session.end', { sessionId });
    } finally {
      desk.stop();
      for (const c of [alice, bob, carol]) await c.close();
    }
  }, 30_000);
});
