import { colourOf, RemoteOverlay, type OverlaySurface } from './overlay';

type Drawn = Parameters<OverlaySurface['overlay']>;

describe('RemoteOverlay', () => {
  let now = 1000;
  let drawn: Drawn[] = [];
  const surface: OverlaySurface = { overlay: (...args) => { drawn.push(args); } };
  const make = (): RemoteOverlay => new RemoteOverlay(surface, () => ({ width: 1001, height: 501 }), () => 0, () => undefined, () => now);
  beforeEach(() => {
    jest.useFakeTimers();
    now = 1000;
    drawn = [];
  });
  afterEach(() => jest.useRealTimers());

  it('draws pointers in monitor pixels with the member colour and name, at most once a frame', () => {
    const o = make();
    o.pointer('alice', 'Alice Tech', 0, 0.5, 0.5, true);
    o.pointer('alice', 'Alice Tech', 0, 0.1, 0.2, true);
    expect(drawn).toEqual([]);
    jest.advanceTimersByTime(40);
    expect(drawn).toEqual([[0, [{ x: 100, y: 100, label: 'Alice Tech', rgb: colourOf('alice') }], []]]);
  });

  it('keeps pen strokes until their author clears them, lets laser strokes fade, and hides all on clear()', () => {
    const o = make();
    o.annotation('bob', 'pen', 0, [0, 0, 1, 1]);
    o.annotation('bob', 'laser', 0, [0.5, 0, 0.5, 1]);
    jest.advanceTimersByTime(40);
    expect(drawn.at(-1)![2]).toEqual([
      { points: [0, 0, 1000, 500], rgb: colourOf('bob'), width: 3 },
      { points: [500, 0, 500, 500], rgb: 0xff2020, width: 5 },
    ]);
    now += 2000;
    jest.advanceTimersByTime(300);
    expect(drawn.at(-1)![2]).toEqual([{ points: [0, 0, 1000, 500], rgb: colourOf('bob'), width: 3 }]);
    o.annotation('alice', 'clear', 0, []);
    jest.advanceTimersByTime(40);
    expect(drawn.at(-1)![2]).toHaveLength(1); // only bob's own clear removes bob's pen
    o.annotation('bob', 'clear', 0, []);
    jest.advanceTimersByTime(40);
    expect(drawn.at(-1)).toEqual([0, [], []]);
    o.pointer('carl', 'Carl', 0, 0, 0, true);
    o.clear();
    expect(drawn.at(-1)).toEqual([0, [], []]);
  });

  it('shows only the captured monitor, drops idle pointers, and hides a pointer made invisible', () => {
    const o = make();
    o.pointer('a', 'A', 1, 0.5, 0.5, true);
    o.pointer('b', 'B', 0, 0.5, 0.5, true);
    jest.advanceTimersByTime(40);
    expect(drawn.at(-1)![1].map((p) => p.label)).toEqual(['B']);
    o.pointer('b', 'B', 0, 0, 0, false);
    jest.advanceTimersByTime(40);
    expect(drawn.at(-1)![1]).toEqual([]);
    o.pointer('c', 'C', 0, 0, 0, true);
    jest.advanceTimersByTime(40);
    now += 20_000;
    jest.advanceTimersByTime(6000);
    expect(drawn.at(-1)![1]).toEqual([]);
  });
});
