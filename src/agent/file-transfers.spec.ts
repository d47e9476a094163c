import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { FileTransfers } from './file-transfers';
import { IncomingFiles } from './incoming-files';
import { TerminalPrompt } from './terminal-prompt';

const alice = { kind: 'technician', name: 'Alice Tech' };
const panel = { kind: 'customer', name: 'Carol' };
const tick = () => new Promise((r) => setImmediate(r));

/** FileTransfers with the real terminal prompt; the connection is a recorder of what would be sent. */
function setup(dir: string) {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (c: Buffer) => { text += c.toString(); });
  const prompt = new TerminalPrompt(input, output);
  const sent: Array<{ event: string; data: unknown }> = [];
  const logs: string[] = [];
  const files = new FileTransfers({
    request: async () => ({}),
    answer: (event, data) => sent.push({ event, data }),
    prompt,
    log: (l) => logs.push(l),
  }, new IncomingFiles(dir));
  return { files, prompt, type: (l: string) => input.write(`${l}\n`), out: () => text, sent, logs };
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
