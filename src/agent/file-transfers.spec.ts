import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileTransfers } from './file-transfers';
import { IncomingFiles } from './incoming-files';
import { terminalHarness, tick } from './testing/terminal-harness';

const alice = { kind: 'technician', name: 'Alice Tech' };
const panel = { kind: 'customer', name: 'Carol' };

/** FileTransfers with the real terminal prompt; the connection is a recorder of what would be sent. */
function setup(dir: string) {
  const { prompt, type, out } = terminalHarness();
  const sent: Array<{ event: string; data: unknown }> = [];
  const requests: Array<{ event: string; data: Record<string, unknown> }> = [];
  const logs: string[] = [];
  const files = new FileTransfers({
    request: async (event, data) => {
      requests.push({ event, data: data as Record<string, unknown> });
      return event === 'file.offer' ? { fileId: 'mine1' } : {};
    },
    answer: (event, data) => sent.push({ event, data }),
    prompt,
    log: (l) => logs.push(l),
  }, new IncomingFiles(dir));
  return { files, prompt, type, out, sent, requests, logs };
}

describe('FileTransfers: an offer answered elsewhere', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tandem-ft-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('accepted in the panel: the question is withdrawn, the customer is told, the file is still saved, a late y is not sent', async () => {
    const { files, prompt, type, out, sent } = setup(dir);
    const data = Buffer.from('driver bytes\n');
    const sha256 = createHash('sha256').update(data).digest('hex');
    files.onSessionEvent('s', { type: 'FileOffered', fileId: 'f1', name: 'driver.bin', size: data.length, sha256, actor: alice });
    expect(out()).toContain('Alice Tech wants to send you "driver.bin"');
    files.onSessionEvent('s', { type: 'FileAnswered', fileId: 'f1', accept: true, actor: panel });
    expect(out()).toContain('tandem: the file "driver.bin" was accepted in the web panel\ntandem: receiving driver.bin (13 B)\n');
    type('y');
    await tick();
    expect(sent).toEqual([]);
    files.onChunk('f1', 0, data.toString('base64'));
    files.onDone('f1');
    expect(readFileSync(join(dir, 'driver.bin')).equals(data)).toBe(true);
    expect(out()).toContain(`file received: ${join(dir, 'driver.bin')}`);
    prompt.close();
  });

  it('refused in the panel: told so, nothing saved; the next offer is asked and its answer is sent', async () => {
    const { files, prompt, type, out, sent } = setup(dir);
    files.onSessionEvent('s', { type: 'FileOffered', fileId: 'f1', name: 'unwanted.exe', size: 4, sha256: 'b'.repeat(64), actor: alice });
    files.onSessionEvent('s', { type: 'FileOffered', fileId: 'f2', name: 'notes.txt', size: 5, sha256: 'c'.repeat(64), actor: alice });
    expect(out()).not.toContain('notes.txt');
    files.onSessionEvent('s', { type: 'FileAnswered', fileId: 'f1', accept: false, actor: panel });
    expect(out()).toContain('tandem: the file "unwanted.exe" was refused in the web panel\ntandem: Alice Tech wants to send you "notes.txt"');
    expect(out()).not.toContain('refused unwanted.exe');
    type('n');
    await tick();
    expect(sent).toEqual([{ event: 'file.respond', data: { sessionId: 's', fileId: 'f2', accept: false } }]);
    // The customer's own answer coming back says nothing about "elsewhere".
    files.onSessionEvent('s', { type: 'FileAnswered', fileId: 'f2', accept: false, actor: panel });
    expect(out()).toContain('refused notes.txt');
    expect(out()).not.toContain('"notes.txt" was refused');
    prompt.close();
  });

  it('the session is over: open file questions go away and a late answer is not sent', async () => {
    const { files, prompt, type, out, sent } = setup(dir);
    files.onSessionEvent('s', { type: 'FileOffered', fileId: 'f1', name: 'x.sh', size: 4, sha256: 'b'.repeat(64), actor: alice });
    files.clear();
    expect(out()).toContain('the file "x.sh" is no longer offered');
    type('y');
    await tick();
    expect(sent).toEqual([]);
    prompt.close();
  });

  it('its sender left (FileFailed CANCELLED, then MemberLeft): the question is withdrawn saying so, the next one is asked, a late y/n answers only that one', async () => {
    const { files, prompt, type, out, sent } = setup(dir);
    const bob = { kind: 'technician', id: 'u-bob', name: 'Bob Helper' };
    files.onSessionEvent('s', { type: 'FileOffered', fileId: 'f1', name: 'tool.exe', size: 4, sha256: 'b'.repeat(64), actor: bob });
    files.onSessionEvent('s', { type: 'FileOffered', fileId: 'f2', name: 'patch.bin', size: 4, sha256: 'b'.repeat(64), actor: bob });
    files.onSessionEvent('s', { type: 'FileOffered', fileId: 'f3', name: 'notes.txt', size: 5, sha256: 'c'.repeat(64), actor: { ...alice, id: 'u-alice' } });
    expect(out()).toContain('Bob Helper wants to send you "tool.exe"');
    files.onSessionEvent('s', { type: 'FileFailed', fileId: 'f1', name: 'tool.exe', code: 'CANCELLED', actor: bob });
    files.onSessionEvent('s', { type: 'FileFailed', fileId: 'f2', name: 'patch.bin', code: 'CANCELLED', actor: bob });
    files.onSessionEvent('s', { type: 'MemberLeft', memberId: 'u-bob', actor: bob });
    expect(out()).toContain('tandem: the file "tool.exe" was withdrawn: Bob Helper left the session\n'
      + 'tandem: the file "patch.bin" was withdrawn: Bob Helper left the session\n'
      + 'tandem: Alice Tech wants to send you "notes.txt"');
    // The queued offer withdrawn with it was never put to the customer.
    expect(out()).not.toContain('wants to send you "patch.bin"');
    type('n');
    await tick();
    type('y');
    await tick();
    expect(sent).toEqual([{ event: 'file.respond', data: { sessionId: 's', fileId: 'f3', accept: false } }]);
    prompt.close();
  });

  it('its sender was removed, or no event says why: the question is withdrawn with the reason known', async () => {
    const { files, prompt, type, out, sent } = setup(dir);
    const bob = { kind: 'technician', id: 'u-bob', name: 'Bob Helper' };
    files.onSessionEvent('s', { type: 'FileOffered', fileId: 'f1', name: 'tool.exe', size: 4, sha256: 'b'.repeat(64), actor: bob });
    files.onSessionEvent('s', { type: 'FileFailed', fileId: 'f1', name: 'tool.exe', code: 'CANCELLED', actor: alice });
    expect(out()).not.toContain('withdrawn');
    files.onSessionEvent('s', { type: 'MemberRemoved', memberId: 'u-bob', actor: alice });
    expect(out()).toContain('tandem: the file "tool.exe" was withdrawn: Bob Helper was removed from the session\n');
    files.onSessionEvent('s', { type: 'FileOffered', fileId: 'f2', name: 'again.exe', size: 4, sha256: 'b'.repeat(64), actor: alice });
    files.onSessionEvent('s', { type: 'FileFailed', fileId: 'f2', name: 'again.exe', code: 'CANCELLED', actor: alice });
    // The batch ends (its session.state) with no event saying why.
    files.withdrawCancelled();
    expect(out()).toContain('tandem: the file "again.exe" was withdrawn: the offer was cancelled\n');
    type('y');
    await tick();
    expect(sent).toEqual([]);
    prompt.close();
  });

  it('the session ends mid-transfer: the partial file leaves Downloads and the customer is told nothing was saved', async () => {
    const { files, prompt, type, out } = setup(dir);
    const data = Buffer.from('half of a file, then the session ends');
    files.onSessionEvent('s', { type: 'FileOffered', fileId: 'f9', name: 'big.iso', size: data.length, sha256: createHash('sha256').update(data).digest('hex'), actor: alice });
    type('y');
    await tick();
    files.onSessionEvent('s', { type: 'FileAnswered', fileId: 'f9', accept: true, actor: panel });
    files.onChunk('f9', 0, data.subarray(0, 10).toString('base64'));
    expect(readdirSync(dir)).toEqual(['.tandem-f9.part']);
    files.clear();
    expect(readdirSync(dir)).toEqual([]);
    expect(out()).toContain('receiving big.iso stopped: the session is over; nothing was saved');
    // The rest arriving late writes nothing anywhere.
    files.onChunk('f9', 10, data.subarray(10).toString('base64'));
    files.onDone('f9');
    expect(readdirSync(dir)).toEqual([]);
    prompt.close();
  });
});

describe('FileTransfers: the sender is told how a file arrived', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tandem-ft-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  const results = (requests: Array<{ event: string; data: Record<string, unknown> }>) => requests.filter((r) => r.event === 'file.result').map((r) => r.data);

  /** A technician's file, offered and accepted at the prompt. */
  async function accepted(t: ReturnType<typeof setup>, fileId: string, name: string, data: Buffer, digest = sha(data)): Promise<void> {
    t.files.onSessionEvent('s', { type: 'FileOffered', fileId, name, size: data.length, sha256: digest, actor: alice });
    t.type('y');
    await tick();
    t.files.onSessionEvent('s', { type: 'FileAnswered', fileId, accept: true, actor: panel });
  }

  it('saved: file.result ok with the name it was saved under', async () => {
    const t = setup(dir);
    writeFileSync(join(dir, 'fix.sh'), 'already here');
    const data = Buffer.from('#!/bin/sh\necho fixed\n');
    await accepted(t, 'f1', '../fix.sh', data);
    t.files.onChunk('f1', 0, data.toString('base64'));
    t.files.onDone('f1');
    expect(t.out()).toContain(`file received: ${join(dir, 'fix (1).sh')}`);
    expect(results(t.requests)).toEqual([{ sessionId: 's', fileId: 'f1', ok: true, savedAs: 'fix (1).sh' }]);
    t.prompt.close();
  });

  it('damaged: nothing saved, the customer reads why, the sender gets HASH_MISMATCH; a late file.done says nothing', async () => {
    const t = setup(dir);
    const data = Buffer.from('the real bytes');
    await accepted(t, 'f2', 'tool.bin', data);
    const flipped = Buffer.from(data);
    flipped[3] ^= 0xff;
    t.files.onChunk('f2', 0, flipped.toString('base64'));
    t.files.onDone('f2');
    expect(readdirSync(dir)).toEqual([]);
    expect(t.out()).toContain('file not saved: tool.bin: the file arrived damaged (SHA-256 mismatch)');
    expect(results(t.requests)).toEqual([{ sessionId: 's', fileId: 'f2', ok: false, code: 'HASH_MISMATCH' }]);
    const said = t.out();
    t.files.onDone('f2');
    t.files.onChunk('f2', 0, data.toString('base64'));
    t.files.onDone('nope');
    expect(t.out()).toBe(said);
    expect(results(t.requests)).toHaveLength(1);
    expect(t.logs.join('\n')).not.toContain(data.toString('base64'));
    t.prompt.close();
  });

  it('a Downloads folder it cannot write into: WRITE_FAILED at once', async () => {
    writeFileSync(join(dir, 'Downloads'), 'a file, not a folder');
    const t = setup(join(dir, 'Downloads'));
    await accepted(t, 'f3', 'a.txt', Buffer.from('a'));
    expect(t.out()).toContain('file not saved: a.txt: it could not be written to disk');
    expect(results(t.requests)).toEqual([{ sessionId: 's', fileId: 'f3', ok: false, code: 'WRITE_FAILED' }]);
    t.prompt.close();
  });

  it('cancelled while arriving (FileFailed CANCELLED): the part goes, the customer is told', async () => {
    const t = setup(dir);
    const data = Buffer.from('0123456789');
    await accepted(t, 'f4', 'half.bin', data);
    t.files.onChunk('f4', 0, data.subarray(0, 5).toString('base64'));
    expect(readdirSync(dir)).toEqual(['.tandem-f4.part']);
    t.files.onSessionEvent('s', { type: 'FileFailed', fileId: 'f4', name: 'half.bin', code: 'CANCELLED', actor: alice });
    expect(readdirSync(dir)).toEqual([]);
    expect(t.out()).toContain('receiving half.bin stopped: the transfer was cancelled before it was complete; nothing was saved');
    expect(results(t.requests)).toEqual([]);
    t.prompt.close();
  });

  it('the customer\'s own file: the receiver\'s report is said, once; others\' reports are not', async () => {
    const t = setup(dir);
    const path = join(dir, 'logs.txt');
    writeFileSync(path, 'some logs\n');
    const sending = t.files.send('s', path);
    await waitUntil(() => t.out().includes('waiting for the technician to accept'));
    t.files.onSessionEvent('s', { type: 'FileAnswered', fileId: 'mine1', accept: true, actor: alice });
    expect(await sending).toBe('sent logs.txt (10 B)');
    t.files.onSessionEvent('s', { type: 'FileFailed', fileId: 'other', name: 'x', code: 'HASH_MISMATCH', actor: alice });
    t.files.onSessionEvent('s', { type: 'FileFailed', fileId: 'mine1', name: 'logs.txt', code: 'HASH_MISMATCH', actor: alice });
    t.files.onSessionEvent('s', { type: 'FileDelivered', fileId: 'mine1', name: 'logs.txt', actor: alice });
    expect(t.out()).toContain('logs.txt did not arrive: the file arrived damaged (SHA-256 mismatch)');
    expect(t.out()).not.toContain('was received by');
    expect(t.out()).not.toContain('x did not arrive');
    t.prompt.close();
  });
});

async function waitUntil(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!ok()) throw new Error('timed out');
}
