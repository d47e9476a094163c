import { Backoff } from './backoff';

describe('Backoff', () => {
  it('doubles up to the cap and resets', () => {
    const b = new Backoff(500, 4000, () => 1);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([500, 1000, 2000, 4000, 4000]);
    b.reset();
    expect(b.next()).toBe(500);
  });

  it('never waits less than half the step (jitter)', () => {
    const b = new Backoff(1000, 8000, () => 0);
    expect(b.next()).toBe(500);
  });
});
