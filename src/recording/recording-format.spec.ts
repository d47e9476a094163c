import { decodeRecording, encodeHeader, encodeJsonRecord, encodeRecord, HEADER_FIXED, RECORD_HEADER, recordJson, RecordKind } from './recording-format';
import { LocalDirectoryStore } from './local-directory-store';
import { RecordingWriter } from './recording-writer';
import { MemoryRecordingStore } from './memory-recording-store';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

describe('recording format', () => {
  test('REC-FMT-1 a header and records of each kind round-trip, in order, with their times', () => {
    const frame = new Uint8Array([0x54, 1, 2, 3, 4]);
    const bytes = concat(
      encodeHeader({ sessionId: 's_1', startedAt: 1000 }),
      encodeJsonRecord(RecordKind.Marker, 1000, { kind: 'start', node: 'n1' }),
      encodeRecord(RecordKind.Media, 1001.5, frame),
      encodeJsonRecord(RecordKind.Event, 1002, { type: 'ModeChanged', mode: 'observe' }),
      encodeJsonRecord(RecordKind.Live, 1003, { event: 'annotation.remote', data: { sessionId: 's_1' } }),
    );
    const parsed = decodeRecording(bytes);
    if (!parsed.ok) throw new Error(parsed.message);
    expect(parsed.header).toEqual({ sessionId: 's_1', startedAt: 1000 });
    expect(parsed.truncated).toBe(false);
    expect(parsed.records.map((r) => [r.kind, r.time])).toEqual([[4, 1000], [1, 1001.5], [2, 1002], [3, 1003]]);
    expect([...parsed.records[1].payload]).toEqual([...frame]);
    expect(recordJson(parsed.records[2])).toEqual({ type: 'ModeChanged', mode: 'observe' });
    expect(recordJson({ kind: 2, time: 0, payload: new Uint8Array([0xff]) })).toBeUndefined();
  });

  test('REC-FMT-2 a file cut in its last record is read up to its last whole record; bad files are refused, never thrown', () => {
    const whole = concat(encodeHeader({ sessionId: 's', startedAt: 1 }), encodeRecord(RecordKind.Media, 2, new Uint8Array(10)), encodeRecord(RecordKind.Media, 3, new Uint8Array(10)));
    for (const cut of [whole.length - 1, whole.length - 15]) {
      const p = decodeRecording(whole.subarray(0, cut));
      expect(p.ok && [p.records.length, p.truncated]).toEqual([1, true]);
    }
    const unknownKind = concat(whole, encodeRecord(9 as never, 4, new Uint8Array(1)));
    const u = decodeRecording(unknownKind);
    expect(u.ok && u.records.length).toBe(2);
    expect(decodeRecording(new Uint8Array(3))).toMatchObject({ ok: false });
    expect(decodeRecording(new Uint8Array(64))).toMatchObject({ ok: false, message: 'not a recording (bad magic)' });
    const badVersion = whole.slice(); badVersion[4] = 9;
    expect(decodeRecording(badVersion)).toMatchObject({ ok: false });
    const badJson = whole.slice(); badJson[HEADER_FIXED] = 0x21;
    expect(decodeRecording(badJson)).toMatchObject({ ok: false, message: 'bad header JSON' });
    const longJson = whole.slice(0, HEADER_FIXED); new DataView(longJson.buffer).setUint32(8, 999, true);
    expect(decodeRecording(longJson)).toMatchObject({ ok: false, message: 'truncated header' });
    expect(decodeRecording(concat(encodeHeader({ sessionId: 1 } as never)))).toMatchObject({ ok: false, message: 'bad header fields' });
    expect(RECORD_HEADER).toBe(13);
  });
});

describe('recording writer', () => {
  const opts = (maxBytes: number, onFull = jest.fn()) => ({ maxBytes, now: () => 5000, onFull, onError: (err: unknown) => { throw err; } });

  test('REC-WRITE-1 records are written in order after one header; a second writer continues the same file (failover) with its counts', async () => {
    const store = new MemoryRecordingStore();
    const w = new RecordingWriter('s1', store, opts(1 << 20));
    void w.open();
    for (let i = 0; i < 3; i++) w.add(RecordKind.Media, new Uint8Array(1000).fill(i));
    w.add(RecordKind.Event, new TextEncoder().encode('{"type":"X"}'));
    await w.close();
    await w.close();
    expect(w.add(RecordKind.Media, new Uint8Array(1))).toBe(false);
    const again = new RecordingWriter('s1', store, opts(1 << 20));
    await again.open();
    again.add(RecordKind.Media, new Uint8Array(300 * 1024).fill(7));
    await again.close();
    const p = decodeRecording(store.files.get('s1')!);
    if (!p.ok) throw new Error(p.message);
    expect(p.records.map((r) => r.kind)).toEqual([1, 1, 1, 2, 1]);
    expect(p.records.map((r) => r.payload[0])).toEqual([0, 1, 2, 0x7b, 7]);
    expect(store.metas.get('s1')).toMatchObject({ frames: 4, events: 1, bytes: store.files.get('s1')!.length, full: false });
  });

  test('REC-WRITE-2 the record that would pass maxBytes is refused, onFull is called once, nothing more is written', async () => {
    const store = new MemoryRecordingStore();
    const onFull = jest.fn();
    const w = new RecordingWriter('s2', store, opts(70_000, onFull));
    void w.open();
    let accepted = 0;
    for (let i = 0; i < 10; i++) if (w.add(RecordKind.Media, new Uint8Array(10_000))) accepted++;
    await w.close();
    expect(accepted).toBe(6);
    expect(onFull).toHaveBeenCalledTimes(1);
    expect(w.full).toBe(true);
    expect(store.files.get('s2')!.length).toBeLessThanOrEqual(70_000);
    expect(store.metas.get('s2')!.full).toBe(true);
  });

  test('REC-STORE-1 the local directory store appends, lists with metadata, streams, deletes, and refuses ids that are not ids', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-'));
    try {
      const store = new LocalDirectoryStore(join(dir, 'nested'));
      expect(await store.list()).toEqual([]);
      expect(await store.open('s:3')).toBeNull();
      const w = new RecordingWriter('s:3', store, opts(1 << 20));
      void w.open();
      w.add(RecordKind.Media, new Uint8Array(100));
      await w.close();
      const [meta] = await store.list();
      expect(meta).toMatchObject({ sessionId: 's:3', frames: 1, bytes: (await store.size('s:3'))! });
      const chunks: Buffer[] = [];
      for await (const c of (await store.open('s:3'))!) chunks.push(c as Buffer);
      expect(decodeRecording(Buffer.concat(chunks))).toMatchObject({ ok: true, header: { sessionId: 's:3' } });
      await store.append('orphan', Buffer.from('x'));
      expect((await store.list()).find((m) => m.sessionId === 'orphan')).toMatchObject({ bytes: 1, startedAt: 0 });
      await store.delete('s:3');
      expect(await store.size('s:3')).toBeNull();
      await expect(store.append('../etc', Buffer.from('x'))).rejects.toThrow('bad session id');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
