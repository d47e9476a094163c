import { eachLimited, GapRun } from './bus-gap';

describe('GapRun', () => {
  afterEach(() => jest.useRealTimers());

  it('runs one catch-up at a time: a gap reported during a run runs it once more afterwards', async () => {
    let release!: () => void;
    const runs: number[] = [];
    const run = new GapRun(() => {
      runs.push(runs.length);
      return runs.length === 1 ? new Promise<number>((r) => (release = () => r(0))) : Promise.resolve(0);
    }, () => undefined);
    run.trigger();
    run.trigger();
    run.trigger();
    expect(runs).toEqual([0]);
    release();
    await run.settled();
    expect(runs).toEqual([0, 1]);
  });

  it('retries 1 s, 2 s, … later while reads fail, at most 5 times, then calls done; a throw counts as a failure', async () => {
    jest.useFakeTimers();
    const failed: unknown[] = [];
    let done = 0;
    let calls = 0;
    const run = new GapRun(async () => {
      calls++;
      if (calls === 1) throw new Error('store down');
      return 1;
    }, (err) => failed.push(err), () => done++);
    run.trigger();
    await run.settled();
    expect([calls, failed.length, done]).toEqual([1, 1, 0]);
    for (const [waitMs, expected] of [[1000, 2], [2000, 3], [3000, 4], [4000, 5], [5000, 6]] as const) {
      await jest.advanceTimersByTimeAsync(waitMs - 1);
      expect(calls).toBe(expected - 1);
      await jest.advanceTimersByTimeAsync(1);
      await run.settled();
      expect(calls).toBe(expected);
    }
    expect(done).toBe(1);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(calls).toBe(6);
  });

  it('runs nothing after close and cancels a pending retry', async () => {
    jest.useFakeTimers();
    let calls = 0;
    const run = new GapRun(async () => ++calls, () => undefined);
    run.trigger();
    await run.settled();
    await run.close();
    await jest.advanceTimersByTimeAsync(10_000);
    run.trigger();
    expect(calls).toBe(1);
  });
});

describe('eachLimited', () => {
  it('visits every item once with at most `inFlight` running at once', async () => {
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await eachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 1));
      seen.push(n);
      running--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(peak).toBe(3);
  });
});
