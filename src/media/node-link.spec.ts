import { decodeBatch } from './media-wire';
import { NodeLink } from './node-link';

/** A link whose publishes stay pending until the test settles them, with the end of turn run by hand. */
function harness(maxBytes = 1000, maxBatchBytes = 400) {
  const published: Array<{ batch: Buffer; resolve: () => void; reject: (e: Error) => void }> = [];
  const deferred: Array<() => void> = [];
  const drained: string[][] = [];
  const link = new NodeLink({
    sender: 'a', maxBytes, maxBatchBytes,
    publish: (batch) => new Promise<void>((resolve, reject) => published.push({ batch, resolve, reject })),
    onDrained: (streams) => drained.push([...streams].sort()),
    defer: (fn) => deferred.push(fn),
  });
  const endTurn = (): void => {
    for (const fn of deferred.splice(0)) fn();
  };
  const ack = async (i: number, ok = true): Promise<void> => {
    if (ok) published[i].resolve();
    else published[i].reject(new Error('store unavailable'));
    await new Promise((r) => setImmediate(r));
  };
  return { link, published, drained, endTurn, ack };
}

const bytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill);

describe('NodeLink', () => {
  it('batches the frames of one turn into one publish, numbered from 1, in order', async () => {
    const h = harness();
    expect(h.link.offer('s|0', 5, bytes(10, 1))).toBe(true);
    expect(h.link.offer('s|0', 5, bytes(20, 2))).toBe(true);
    expect(h.published).toHaveLength(0);
    h.endTurn();
    expect(h.published).toHaveLength(1);
    const batch = decodeBatch(h.published[0].batch)!;
    expect(batch).toMatchObject({ sender: 'a', seq: 1 });
    expect(batch.entries.map((e) => [e.audienceSeq, e.bytes.length, e.bytes[0]])).toEqual([[5, 10, 1], [5, 20, 2]]);
    h.link.offer('s|0', 6, bytes(10));
    h.endTurn();
    expect(decodeBatch(h.published[1].batch)!.seq).toBe(2);
    expect(h.link.backlogBytes).toBe(40);
    await h.ack(0);
    await h.ack(1);
    expect(h.link.backlogBytes).toBe(0);
    expect(h.link.snapshot()).toMatchObject({ batches: 2, frames: 3, droppedFrames: 0 });
  });

  it('publishes at once when a batch reaches its size', () => {
    const h = harness(10_000, 100);
    h.link.offer('s|0', 1, bytes(60));
    expect(h.published).toHaveLength(0);
    h.link.offer('s|0', 1, bytes(60));
    expect(h.published).toHaveLength(1);
    h.endTurn();
    expect(h.published).toHaveLength(1);
  });

  it('never holds more than the bound; drops the stream that does not fit until the backlog drains under half, then asks for its refresh once', async () => {
    const h = harness(1000, 400);
    for (let i = 0; i < 3; i++) h.link.offer('s|0', 1, bytes(300)); // 900: two batches (600 sent at once, 300 pending)
    expect(h.link.offer('s|0', 1, bytes(300))).toBe(false);
    // Another stream still gets through while there is room…
    expect(h.link.offer('t|0', 1, bytes(100))).toBe(true);
    expect(h.link.backlogBytes).toBe(1000);
    // …but the lagging stream stays dropped, even when a smaller frame would fit, until under half.
    h.endTurn();
    expect(h.published).toHaveLength(2);
    await h.ack(1);
    expect(h.link.backlogBytes).toBe(600);
    expect(h.link.offer('s|0', 1, bytes(10))).toBe(false);
    expect(h.drained).toEqual([]);
    await h.ack(0);
    expect(h.link.backlogBytes).toBe(0);
    expect(h.drained).toEqual([['s|0']]);
    expect(h.link.offer('s|0', 1, bytes(300))).toBe(true);
    expect(h.link.snapshot()).toMatchObject({ droppedFrames: 2, peakBacklogBytes: 1000 });
    expect(h.link.takeDropped()).toBe(true);
    expect(h.link.takeDropped()).toBe(false);
  });

  it('lets one frame larger than the bound pass alone, not beside others', async () => {
    const h = harness(1000, 400);
    expect(h.link.offer('s|0', 1, bytes(5000))).toBe(true);
    expect(h.link.offer('t|0', 1, bytes(1))).toBe(false);
    await h.ack(0);
    expect(h.drained).toEqual([['t|0']]);
  });

  it('counts a refused publish as dropped frames of its streams, refreshed after', async () => {
    const h = harness(1000, 400);
    h.link.offer('s|0', 1, bytes(10));
    h.link.offer('s|1', 1, bytes(10));
    h.endTurn();
    await h.ack(0, false);
    expect(h.drained).toEqual([['s|0', 's|1']]);
    expect(h.link.snapshot()).toMatchObject({ failedBatches: 1, backlogBytes: 0 });
    expect(h.link.takeDropped()).toBe(true);
  });

  it('sends nothing once closed, and asks for no refresh after', async () => {
    const h = harness(100, 1000);
    h.link.offer('s|0', 1, bytes(100));
    expect(h.link.offer('s|1', 1, bytes(10))).toBe(false);
    h.endTurn();
    h.link.close();
    await h.ack(0);
    expect(h.drained).toEqual([]);
    expect(h.link.offer('s|0', 1, bytes(1))).toBe(false);
    h.endTurn();
    expect(h.published).toHaveLength(1);
  });
});
