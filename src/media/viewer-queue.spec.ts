import { ViewerQueue, type QueuedFrame } from './viewer-queue';

const tile = (seq: number, x: number, size = 100, sessionId = 's1'): QueuedFrame => ({
  data: new Uint8Array(size), sessionId, monitor: 0, frameSeq: seq, key: `${sessionId}|0|t|${x},0,64,64`,
});
const eof = (seq: number, sessionId = 's1'): QueuedFrame => ({ data: new Uint8Array(10), sessionId, monitor: 0, frameSeq: seq, key: `${sessionId}|0|e` });

describe('ViewerQueue', () => {
  it('queues in order and counts bytes', () => {
    const q = new ViewerQueue(1000);
    expect(q.offer(tile(1, 0), 0)).toBe('queued');
    expect(q.offer(tile(1, 64), 0)).toBe('queued');
    expect(q.bytes).toBe(200);
    expect(q.shift()?.key).toContain('|0,0,');
    expect(q.shift()?.key).toContain('|64,0,');
    expect(q.shift()).toBeUndefined();
    expect(q.bytes).toBe(0);
  });

  it('keeps superseded tiles while there is room (a fast viewer gets every frame)', () => {
    const q = new ViewerQueue(1000);
    q.offer(tile(1, 0), 0);
    q.offer(tile(2, 0), 0);
    expect(q.length).toBe(2);
    expect(q.supersededCount).toBe(0);
  });

  it('drops the older tile at the same position first when over the bound', () => {
    const q = new ViewerQueue(250);
    q.offer(tile(1, 0), 0);
    q.offer(tile(1, 64), 0);
    expect(q.offer(tile(2, 0), 0)).toBe('queued');
    expect(q.supersededCount).toBe(1);
    expect(q.bytes).toBe(200);
    expect([q.shift(), q.shift()].map((f) => [f?.frameSeq, f?.key])).toEqual([[1, 's1|0|t|64,0,64,64'], [2, 's1|0|t|0,0,64,64']]);
  });

  it('drops other superseded frames before refusing, never a frame that is still the newest of its position', () => {
    const q = new ViewerQueue(300);
    q.offer(tile(1, 0), 0);
    q.offer(eof(1), 0);
    q.offer(tile(2, 0), 0); // supersedes tile 1 (still queued: there was room)
    q.offer(eof(2), 0); // supersedes eof 1
    expect(q.bytes).toBe(220);
    // A new position does not fit: the superseded tile 1 and eof 1 go, then it fits.
    expect(q.offer(tile(3, 64), 0)).toBe('queued');
    expect(q.supersededCount).toBe(2);
    expect(q.bytes).toBe(210);
    // Nothing superseded is left: the next new position is refused.
    expect(q.offer(tile(3, 128, 200), 0)).toBe('full');
    expect(q.bytes).toBe(210);
  });

  it('counts the socket against the same bound', () => {
    const q = new ViewerQueue(1000);
    expect(q.offer(tile(1, 0, 300), 600)).toBe('queued');
    expect(q.offer(tile(1, 64, 300), 600)).toBe('full');
    expect(q.offer(tile(1, 64, 300), 300)).toBe('queued');
  });

  it('purges one session without touching another', () => {
    const q = new ViewerQueue(10000);
    q.offer(tile(1, 0, 100, 'a'), 0);
    q.offer(tile(1, 0, 100, 'b'), 0);
    q.offer(tile(2, 64, 100, 'a'), 0);
    expect(q.purge((f) => f.sessionId === 'a')).toBe(200);
    expect(q.bytes).toBe(100);
    expect(q.shift()?.sessionId).toBe('b');
    expect(q.shift()).toBeUndefined();
  });

  it('stays bounded in bytes and in slots whatever arrives while nothing is sent', () => {
    const q = new ViewerQueue(4096);
    let refused = 0;
    let most = 0;
    for (let i = 0; i < 100_000; i++) {
      // Half the frames repeat 8 positions (superseded), half are new positions (refused once full).
      const frame = i % 2 === 0 ? tile(i, (i % 16) * 64) : tile(i, 2048 + (i % 5000) * 64);
      if (q.offer(frame, 0) === 'full') refused++;
      most = Math.max(most, q.bytes);
    }
    expect(most).toBeLessThanOrEqual(4096);
    expect(refused).toBeGreaterThan(0);
    expect(q.supersededCount).toBeGreaterThan(0);
    // Internal arrays stay within a constant factor of what is live.
    const internals = q as unknown as { slots: unknown[]; superseded: unknown[]; newest: Map<string, unknown> };
    expect(internals.slots.length).toBeLessThanOrEqual(q.length * 2 + 64);
    expect(internals.superseded.length).toBeLessThanOrEqual(q.length * 2 + 64);
    expect(internals.newest.size).toBeLessThanOrEqual(q.length);
  });

  it('releases a superseded frame\'s bytes (no reference kept to dropped data)', () => {
    const q = new ViewerQueue(150);
    const old = tile(1, 0);
    q.offer(old, 0);
    q.offer(tile(2, 0), 0);
    const internals = q as unknown as { slots: { frame: QueuedFrame | null }[] };
    expect(internals.slots.some((s) => s.frame === old)).toBe(false);
  });
});

describe('ViewerQueue (eager, for a congested viewer)', () => {
  it('keeps only the newest frame of each key even without pressure', () => {
    const q = new ViewerQueue(1_000_000);
    q.isEager = true;
    const f = (seq: number, key: string) => ({ data: new Uint8Array(100), sessionId: 's', monitor: 0, frameSeq: seq, key });
    q.offer(f(1, 'a'), 0);
    q.offer(f(1, 'b'), 0);
    q.offer(f(2, 'a'), 0);
    q.offer(f(3, 'a'), 0);
    expect(q.length).toBe(2);
    expect(q.supersededCount).toBe(2);
    expect([q.shift()!.frameSeq, q.shift()!.frameSeq]).toEqual([1, 3]);
  });
});
