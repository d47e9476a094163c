import fc from 'fast-check';
import { mkdtempSync, rmSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalDirectoryStore } from './local-directory-store';
import { MemoryRecordingStore } from './memory-recording-store';
import { decodeRecording, RecordKind, type RecordKindValue } from './recording-format';
import { RecordingWriter } from './recording-writer';

const opts = () => ({ maxBytes: 1 << 24, now: () => 5000, onFull: () => undefined, onError: (err: unknown) => { throw err; } });

/** Writes records of the given payload sizes (each filled with its index) and returns the file. */
async function written(store: MemoryRecordingStore, sizes: number[], metaAfter: number): Promise<Buffer> {
  const w = new RecordingWriter('s', store, opts());
  void w.open();
  for (let i = 0; i < sizes.length; i++) {
    w.add(i % 3 === 0 ? RecordKind.Event : RecordKind.Media, new Uint8Array(sizes[i]).fill(i));
    // The metadata is written at some point of the recording (as the recorder's flush tick does), not necessarily at the end.
    if (i === metaAfter) { await w.flush(); await w.close(); return finish(store, sizes, i + 1); }
  }
  await w.close();
  return store.files.get('s')!;
}

/** The rest of the records after the metadata was written, by a writer that never writes its metadata (it dies). */
async function finish(store: MemoryRecordingStore, sizes: number[], from: number): Promise<Buffer> {
  const header = store.files.get('s')!;
  const rest: Buffer[] = [];
  const probe = new MemoryRecordingStore();
  const w = new RecordingWriter('p', probe, opts());
  void w.open();
  for (let i = from; i < sizes.length; i++) w.add(i % 3 === 0 ? RecordKind.Event : RecordKind.Media, new Uint8Array(sizes[i]).fill(i));
  await w.close();
  const parsed = decodeRecording(probe.files.get('p')!);
  if (!parsed.ok) throw new Error(parsed.message);
  // Only the records (not p's header) continue s.
  const firstRecord = probe.files.get('p')!.length - parsed.records.reduce((n, r) => n + 13 + r.payload.length, 0);
  rest.push(probe.files.get('p')!.subarray(firstRecord));
  store.files.set('s', Buffer.concat([header, ...rest]));
  return store.files.get('s')!;
}

describe('recording writer: torn tail', () => {
  test('REC-TORN-1 a file cut at any offset is continued after its last whole record, and reads back without a cut record', async () => {
    await fc.assert(fc.asyncProperty(
      fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 12 }),
      fc.nat(), fc.nat(), fc.boolean(),
      async (sizes, metaPick, cutPick, withMeta) => {
        const store = new MemoryRecordingStore();
        const whole = await written(store, sizes, withMeta ? metaPick % sizes.length : -1);
        if (!withMeta) store.metas.clear();
        const cut = cutPick % (whole.length + 1);
        store.files.set('s', Buffer.from(whole.subarray(0, cut)));
        // Every record that fits wholly before the cut survives; the torn one and what follows are gone.
        const full = decodeRecording(whole);
        if (!full.ok) throw new Error(full.message);
        const prefix = decodeRecording(whole.subarray(0, cut));
        const kept = prefix.ok ? prefix.records.map((r) => [r.kind, r.payload.length, r.payload[0]]) : [];
        const next = new RecordingWriter('s', store, opts());
        await next.open();
        next.add(RecordKind.Marker, new TextEncoder().encode('{"kind":"resume","node":"n2"}'));
        next.add(RecordKind.Media, new Uint8Array(5).fill(99));
        await next.close();
        const after = decodeRecording(store.files.get('s')!);
        if (!after.ok) throw new Error(after.message);
        expect(after.truncated).toBe(false);
        expect(after.header.sessionId).toBe('s');
        expect(after.records.map((r) => [r.kind, r.payload.length, r.payload[0]])).toEqual([...kept, [RecordKind.Marker as RecordKindValue, 29, 0x7b], [RecordKind.Media, 5, 99]]);
        expect(next.tornBytes).toBe(prefix.ok ? cut - (store.files.get('s')!.length - 13 * 2 - 34) : cut);
        expect(store.metas.get('s')!.bytes).toBe(store.files.get('s')!.length);
      },
    ), { numRuns: 300 });
  });

  test('REC-TORN-2 the local directory store truncates a real file cut mid-record at several offsets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rec-torn-'));
    try {
      const store = new LocalDirectoryStore(dir);
      const w = new RecordingWriter('s:torn', store, opts());
      void w.open();
      for (let i = 0; i < 4; i++) w.add(RecordKind.Media, new Uint8Array(1000).fill(i + 1));
      await w.close();
      let size = (await store.size('s:torn'))!;
      for (const into of [1, 12, 13, 500, 1012]) {
        // Append a fifth record, then cut it `into` bytes after its start, as a node dying mid-write would.
        const extra = new RecordingWriter('s:torn', store, opts());
        await extra.open();
        extra.add(RecordKind.Media, new Uint8Array(1000).fill(0xee));
        await extra.close();
        truncateSync(join(dir, 's%3Atorn.trec'), size + into);
        const cont = new RecordingWriter('s:torn', store, opts());
        await cont.open();
        expect(cont.tornBytes).toBe(into);
        cont.add(RecordKind.Event, new TextEncoder().encode(`{"n":${into}}`));
        await cont.close();
        size = (await store.size('s:torn'))!;
      }
      const p = decodeRecording(Buffer.from(await store.read('s:torn', 0, size)));
      if (!p.ok) throw new Error(p.message);
      expect(p.truncated).toBe(false);
      expect(p.records.map((r) => r.kind)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('REC-TORN-3 a file cut inside its header is started again with a new header', async () => {
    const store = new MemoryRecordingStore();
    store.files.set('h', Buffer.from('TREC\x01\x00'));
    const w = new RecordingWriter('h', store, opts());
    await w.open();
    w.add(RecordKind.Media, new Uint8Array(3));
    await w.close();
    const p = decodeRecording(store.files.get('h')!);
    expect(p.ok && [p.header.sessionId, p.records.length, p.truncated]).toEqual(['h', 1, false]);
  });
});

/** A store whose appends wait while it is blocked: a disk slower than the screen. */
class SlowStore extends MemoryRecordingStore {
  isBlocked = false;
  private waiting: Array<() => void> = [];
  override async append(id: string, chunk: Buffer): Promise<void> {
    if (this.isBlocked) await new Promise<void>((resolve) => this.waiting.push(resolve));
    await super.append(id, chunk);
  }
  /** Lets every waiting append (and the next ones) through. */
  release(): void {
    this.isBlocked = false;
    for (const go of this.waiting.splice(0)) go();
  }
}

describe('recording writer: bounded queue', () => {
  test('REC-QUEUE-1 over maxQueueBytes frames are dropped, never events; once drained a gap marker and a refresh request follow', async () => {
    const store = new SlowStore();
    const gaps: number[] = [];
    const w = new RecordingWriter('q', store, { ...opts(), maxQueueBytes: 100_000, node: 'n1', onGap: (n) => gaps.push(n) });
    await w.open();
    store.isBlocked = true;
    const frame = (i: number) => new Uint8Array(10_000).fill(i);
    let accepted = 0;
    // The store takes nothing while 30 frames (300 KB) and 5 events arrive: the queue never passes the bound by more than one record.
    for (let i = 0; i < 30; i++) {
      if (w.add(RecordKind.Media, frame(i))) accepted++;
      if (i % 6 === 0) expect(w.add(RecordKind.Event, new TextEncoder().encode(`{"i":${i}}`))).toBe(true);
      void w.flush();
      expect(w.queuedBytes).toBeLessThanOrEqual(100_000 + 13 + 20);
    }
    expect(accepted).toBe(9);
    expect(w.droppedFrames).toBe(21);
    expect(gaps).toEqual([]);
    // The disk catches up: the next frame is recorded after a gap marker, and the owner is asked for a full frame once.
    store.release();
    await w.flush();
    expect(w.queuedBytes).toBe(0);
    expect(w.add(RecordKind.Media, frame(77))).toBe(true);
    expect(w.add(RecordKind.Media, frame(78))).toBe(true);
    expect(gaps).toEqual([21]);
    await w.close();
    const p = decodeRecording(store.files.get('q')!);
    if (!p.ok) throw new Error(p.message);
    const kinds = p.records.map((r) => r.kind);
    expect(kinds.filter((k) => k === RecordKind.Event)).toHaveLength(5);
    expect(kinds.filter((k) => k === RecordKind.Media)).toHaveLength(11);
    const gapAt = kinds.indexOf(RecordKind.Marker);
    expect(JSON.parse(new TextDecoder().decode(p.records[gapAt].payload))).toEqual({ kind: 'gap', node: 'n1', dropped: 21, since: 5000 });
    expect(p.records[gapAt + 1].payload[0]).toBe(77);
    expect(store.metas.get('q')).toMatchObject({ frames: 11, events: 5 });
  });

  test('REC-QUEUE-2 dropping goes on until the queue drained to half the bound (no flapping), and a fast store never drops', async () => {
    const store = new SlowStore();
    const w = new RecordingWriter('h', store, { ...opts(), maxQueueBytes: 50_000 });
    await w.open();
    store.isBlocked = true;
    for (let i = 0; i < 6; i++) { w.add(RecordKind.Media, new Uint8Array(10_000)); void w.flush(); }
    expect(w.droppedFrames).toBe(2);
    expect(w.queuedBytes).toBeGreaterThan(25_000);
    expect(w.add(RecordKind.Media, new Uint8Array(10))).toBe(false);
    store.release();
    await w.flush();
    expect(w.add(RecordKind.Media, new Uint8Array(10))).toBe(true);
    const fast = new RecordingWriter('f', new MemoryRecordingStore(), { ...opts(), maxQueueBytes: 65_536 });
    await fast.open();
    for (let i = 0; i < 200; i++) { expect(fast.add(RecordKind.Media, new Uint8Array(10_000))).toBe(true); await fast.flush(); }
    expect(fast.droppedFrames).toBe(0);
    await fast.close();
  });
});
