import { PROBE_EVERY_MS, ViewerMeter } from './viewer-meter';

describe('ViewerMeter', () => {
  it('measures the round trip of a probe, and counts only what was sent before it as delivered', () => {
    const m = new ViewerMeter();
    m.sent(1000, false);
    m.sent(100, true);
    const p = m.probe(0)!;
    expect(p).toBeDefined();
    // Nothing else is probed while one is out.
    expect(m.probe(PROBE_EVERY_MS * 3)).toBeUndefined();
    m.sent(5000, true);
    expect(m.link(400)).toMatchObject({ rttMs: 400, inFlightBytes: 6100 });
    expect(m.pong(p, 250)).toBe(true);
    expect(m.link(300)).toMatchObject({ rttMs: 250, baseRttMs: 250, inFlightBytes: 5000 });
  });

  it('ignores pongs that are not its probe (the heartbeat\'s, an old one)', () => {
    const m = new ViewerMeter();
    const p = m.probe(0)!;
    expect(m.pong(Buffer.alloc(0), 10)).toBe(false);
    const other = Buffer.from(p);
    other.writeUInt32LE(99, 2);
    expect(m.pong(other, 10)).toBe(false);
    expect(m.pong(p, 20)).toBe(true);
    expect(m.pong(p, 30)).toBe(false);
  });

  it('gives the delivered frame rate and bit rate over windows of a second', () => {
    const m = new ViewerMeter();
    let now = 0;
    // 10 frames of 4000 bytes a second, each probe answered after 50 ms.
    for (let s = 0; s < 40; s++) {
      m.sent(4000, true);
      if (s % 5 === 0) {
        const p = m.probe(now);
        if (p) m.pong(p, now + 50);
      }
      now += 100;
    }
    const link = m.link(now);
    expect(link.fps).toBeCloseTo(10, 0);
    expect(link.bitsPerSecond).toBeGreaterThan(300_000);
    expect(link.bitsPerSecond).toBeLessThan(340_000);
    expect(link.baseRttMs).toBe(50);
  });

  it('reports a stalled viewer by the age of its unanswered probe, and no delivery', () => {
    const m = new ViewerMeter();
    m.pong(m.probe(0)!, 10);
    m.sent(1e6, true);
    m.probe(1000);
    expect(m.link(9000)).toMatchObject({ rttMs: 8000, fps: 0, bitsPerSecond: 0, inFlightBytes: 1e6 });
  });
});
