import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IncomingFiles } from '../../src/agent/incoming-files';
import { startInProcessNode, type TestNode } from '../support/node';
import { agent, person } from '../support/people';
import type { WsTestClient } from '../support/ws-client';

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

  it('moves a few MB each way byte-identical, with progress, and keeps the content out of the journal', async () => {
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
});
