import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IncomingFiles, safeFileName } from './incoming-files';

/** This process's open file descriptors (Linux). */
const openFds = (): number => readdirSync('/proc/self/fd').length;

describe('incoming files', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'tandem-dl-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['../../etc/x', 'x'], ['..\\..\\win\\system.ini', 'system.ini'], ['.bashrc', 'bashrc'], ['a\u0000b?.txt', 'a_b_.txt'], ['', 'download'], ['CON', '_CON'], ['   ', 'download'],
  ])('makes %j safe: %j', (given, expected) => {
    expect(safeFileName(given)).toBe(expected);
  });

  it('writes chunks at their offsets, checks the hash, and never overwrites', () => {
    const data = randomBytes(300_000);
    const sha = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(dir, 'report.pdf'), 'already here');
    const files = new IncomingFiles(dir);
    files.expect('f1', '../../report.pdf', data.length, sha);
    // Out of order on purpose.
    files.chunk('f1', 200_000, data.subarray(200_000).toString('base64'));
    files.chunk('f1', 0, data.subarray(0, 200_000).toString('base64'));
    const path = files.done('f1');
    expect(path).toBe(join(dir, 'report (1).pdf'));
    expect(readFileSync(path).equals(data)).toBe(true);
    expect(readFileSync(join(dir, 'report.pdf'), 'utf8')).toBe('already here');
    expect(readdirSync(dir).filter((n) => n.endsWith('.part'))).toEqual([]);
  });

  it('drops a file whose hash does not match (HASH_MISMATCH), one with bytes missing or past its size (SIZE_MISMATCH): nothing stays', () => {
    const files = new IncomingFiles(dir);
    files.expect('f2', 'x.bin', 4, 'b'.repeat(64));
    files.chunk('f2', 0, Buffer.from('abcd').toString('base64'));
    expect(() => files.done('f2')).toThrow(expect.objectContaining({ name: 'ReceiveError', code: 'HASH_MISMATCH', message: expect.stringMatching(/SHA-256 mismatch/) }));
    expect(existsSync(join(dir, 'x.bin'))).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    const data = Buffer.from('abcdefgh');
    files.expect('f5', 'y.bin', 8, createHash('sha256').update(data).digest('hex'));
    files.chunk('f5', 0, data.subarray(0, 4).toString('base64'));
    expect(() => files.done('f5')).toThrow(expect.objectContaining({ code: 'SIZE_MISMATCH', message: 'file y.bin: 4 of 8 bytes arrived' }));
    files.expect('f6', 'z.bin', 4, 'c'.repeat(64));
    expect(() => files.chunk('f6', 2, Buffer.from('abc').toString('base64'))).toThrow(expect.objectContaining({ code: 'SIZE_MISMATCH', message: expect.stringMatching(/past its size/) }));
    expect(files.has('f6')).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a folder it cannot write into is WRITE_FAILED at once', () => {
    writeFileSync(join(dir, 'not-a-folder'), 'a file where the Downloads folder should be');
    const files = new IncomingFiles(join(dir, 'not-a-folder'));
    expect(() => files.expect('f7', 'a.txt', 1, 'd'.repeat(64))).toThrow(expect.objectContaining({ code: 'WRITE_FAILED', message: expect.stringMatching(/^cannot write into .*not-a-folder \(E[A-Z]+\)$/) }));
    expect(files.has('f7')).toBe(false);
  });

  it('abandons files half received: the handles close and no .part stays in the folder', () => {
    const files = new IncomingFiles(dir);
    files.expect('f3', 'a.bin', 8, 'c'.repeat(64));
    files.expect('f4', 'b.bin', 8, 'd'.repeat(64));
    files.chunk('f3', 0, Buffer.from('abcd').toString('base64'));
    expect(readdirSync(dir).filter((n) => n.endsWith('.part'))).toHaveLength(2);
    const open = openFds();
    files.clear();
    expect(readdirSync(dir)).toEqual([]);
    expect(openFds()).toBe(open - 2);
    expect(() => files.chunk('f3', 4, Buffer.from('efgh').toString('base64'))).toThrow(/unexpected file/);
    expect(() => files.done('f4')).toThrow(/unexpected file/);
    files.abandon('f3');
  });
});
