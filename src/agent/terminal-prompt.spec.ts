import { PassThrough } from 'node:stream';
import { TerminalPrompt } from './terminal-prompt';

function setup() {
  const input = new PassThrough();
  const output = new PassThrough();
  let text = '';
  output.on('data', (c: Buffer) => { text += c.toString(); });
  return { prompt: new TerminalPrompt(input, output), input, out: () => text };
}

describe('TerminalPrompt', () => {
  it("shows the technician's identity and the requested action, and resolves the answer", async () => {
    const { prompt, input, out } = setup();
    const answer = prompt.askAssist({ sessionId: 's', technician: { id: 'alice', name: 'Alice Tech', teams: ['helpdesk'] }, action: 'control' });
    input.write('y\n');
    await expect(answer).resolves.toBe(true);
    expect(out()).toContain('Alice Tech (helpdesk) asks to take control of your screen');
    prompt.close();
  });

  it('asks queued questions one at a time and re-asks on a bad answer', async () => {
    const { prompt, input, out } = setup();
    const a = prompt.askRequest({ sessionId: 's', requestId: 'r1', kind: 'mode', from: { id: 'b', name: 'Bob' }, mode: 'interact' });
    const b = prompt.askRequest({ sessionId: 's', requestId: 'r2', kind: 'elevation', from: { id: 'b', name: 'Bob' } });
    input.write('maybe\nn\ny\n');
    await expect(a).resolves.toBe(false);
    await expect(b).resolves.toBe(true);
    expect(out()).toContain('please answer y or n');
    expect(out()).toContain('admin (elevated) session');
    prompt.close();
  });

  it('reports mode choices and close at any time', async () => {
    const { prompt, input } = setup();
    const choices: unknown[] = [];
    prompt.onChoice((c) => choices.push(c));
    input.write('observe\nclose\n');
    await new Promise((r) => setImmediate(r));
    expect(choices).toEqual([{ kind: 'mode', mode: 'observe' }, { kind: 'close' }]);
    prompt.close();
  });

  it('asks to block the keyboard and mouse, says how to take them back, and reports "unblock" at any time', async () => {
    const { prompt, input, out } = setup();
    const choices: unknown[] = [];
    prompt.onChoice((c) => choices.push(c));
    const answer = prompt.askRequest({ sessionId: 's', requestId: 'r1', kind: 'input-block', from: { id: 'b', name: 'Bob' } });
    input.write('y\nunblock\n');
    await expect(answer).resolves.toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(out()).toContain('Bob asks to block your keyboard and mouse while they work (press Esc three times or type "unblock" to take them back)');
    expect(choices).toEqual([{ kind: 'unblock' }]);
    prompt.close();
  });

  it('asks before a file is saved, and reports `send PATH` with the path as typed', async () => {
    const { prompt, input, out } = setup();
    const choices: unknown[] = [];
    prompt.onChoice((c) => choices.push(c));
    const answer = prompt.askFile({ sessionId: 's', fileId: 'f1', name: 'Fix Printer.sh', size: 3 * 1024 * 1024, from: { name: 'Bob' } });
    input.write('n\nSEND  /tmp/My Logs/Report.PDF \n');
    await expect(answer).resolves.toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(out()).toContain('Bob wants to send you "Fix Printer.sh" (3.0 MB); it will be saved in your Downloads folder. Accept? [y/n]');
    expect(choices).toEqual([{ kind: 'send-file', path: '/tmp/My Logs/Report.PDF' }]);
    prompt.close();
  });
  it('withdraws a file question answered elsewhere: the next question is asked, and y/n answers that one', async () => {
    const { prompt, input, out } = setup();
    const [first, second] = [new AbortController(), new AbortController()];
    const file = prompt.askFile({ sessionId: 's', fileId: 'f1', name: 'driver.bin', size: 12, from: { name: 'Bob' }, withdrawn: first.signal });
    const later = prompt.askFile({ sessionId: 's', fileId: 'f2', name: 'later.txt', size: 3, from: { name: 'Bob' }, withdrawn: second.signal });
    const mode = prompt.askRequest({ sessionId: 's', requestId: 'r1', kind: 'mode', from: { id: 'b', name: 'Bob' }, mode: 'interact' });
    second.abort();
    expect(out()).not.toContain('later.txt');
    first.abort();
    await expect(file).resolves.toBe(false);
    await expect(later).resolves.toBe(false);
    expect(out()).toContain('Bob asks to switch to interact');
    input.write('y\n');
    await expect(mode).resolves.toBe(true);
    // Nothing left to answer: a further y is not taken for anything; an offer already over is not asked.
    input.write('y\n');
    await expect(prompt.askFile({ sessionId: 's', fileId: 'f3', name: 'gone.txt', size: 1, from: { name: 'Bob' }, withdrawn: AbortSignal.abort() })).resolves.toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(out()).not.toContain('please answer');
    expect(out()).not.toContain('later.txt');
    expect(out()).not.toContain('gone.txt');
    prompt.close();
  });
});
