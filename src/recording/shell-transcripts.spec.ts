import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gapNote, ShellTranscripts, truncationNote } from './shell-transcripts';

describe('ShellTranscripts (on a real directory)', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'transcripts-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (sessionId: string, shellId: string): Buffer => readFileSync(join(dir, sessionId, `${shellId}.log`));

  test('keeps every byte under its cap, in order, in one file per shell', async () => {
    const t = new ShellTranscripts(dir, { maxBytes: 1024 });
    for (let i = 0; i < 10; i++) t.append('s1', 'sh1', `line ${i}\r\n`);
    t.append('s1', 'sh2', 'other\r\n');
    expect(await t.finish('s1', 'sh1')).toBe(file('s1', 'sh1').length);
    await t.finish('s1', 'sh2');
    expect(file('s1', 'sh1').toString()).toBe(Array.from({ length: 10 }, (_, i) => `line ${i}\r\n`).join(''));
    expect(file('s1', 'sh2').toString()).toBe('other\r\n');
  });

  test('past the cap output is counted, not kept; the file ends with a note, never inside a character', async () => {
    const t = new ShellTranscripts(dir, { maxBytes: 10 });
    t.append('s1', 'sh1', 'abcdefgh');
    // 'é' is two bytes: the 10th byte would split the second one.
    t.append('s1', 'sh1', 'ééé');
    t.append('s1', 'sh1', 'and more');
    expect(t.accounting('s1', 'sh1')).toEqual({ kept: 10, omitted: 4 + 8, gapBytes: 0 });
    const bytes = t.bytes('s1', 'sh1');
    await t.finish('s1', 'sh1');
    expect(file('s1', 'sh1').toString()).toBe(`abcdefghé${truncationNote(10)}`);
    expect(file('s1', 'sh1').length).toBe(bytes);
    const t2 = new ShellTranscripts(dir, { maxBytes: 9 });
    t2.append('s2', 'sh1', 'abcdefghé');
    await t2.finish('s2', 'sh1');
    expect(file('s2', 'sh1').toString()).toBe(`abcdefgh${truncationNote(9)}`);
  });

  test('while more than the queue bound waits for the disk, output is left out and the gap is marked', async () => {
    const t = new ShellTranscripts(dir, { maxQueueBytes: 100 });
    // All in one turn: nothing is written yet, so the queue holds what came first.
    for (let i = 0; i < 5; i++) t.append('s1', 'sh1', `${String(i).repeat(40)}`);
    expect(t.accounting('s1', 'sh1')).toEqual({ kept: 80, omitted: 0, gapBytes: 120 });
    await t.finish('s1', 'sh1');
    expect(file('s1', 'sh1').toString()).toBe(`${'0'.repeat(40)}${'1'.repeat(40)}${gapNote(120)}`);
  });

  test('a gap is marked where output is kept again', async () => {
    const t = new ShellTranscripts(dir, { maxQueueBytes: 50 });
    t.append('s1', 'sh1', 'a'.repeat(40));
    t.append('s1', 'sh1', 'b'.repeat(40));
    await new Promise((r) => setTimeout(r, 50));
    t.append('s1', 'sh1', 'c'.repeat(10));
    await t.finish('s1', 'sh1');
    expect(file('s1', 'sh1').toString()).toBe(`${'a'.repeat(40)}${gapNote(40)}${'c'.repeat(10)}`);
  });

  test('a write that fails is logged, not thrown: the process stays up', async () => {
    const t = new ShellTranscripts(join(dir, 'missing-parent', '\0bad'));
    t.append('s1', 'sh1', 'x');
    await expect(t.finish('s1', 'sh1')).resolves.toBe(1);
  });
});
