import { InputBlockFollower, type InputBlocker, type SelfRelease } from './input-block-follower';

function setup(opts: { failBlock?: boolean; noAccess?: boolean } = {}) {
  const calls: string[] = [];
  const released: Array<[string, SelfRelease]> = [];
  const notices: string[] = [];
  let ended: ((reason: 'emergency-key' | 'display-lost') => void) | undefined;
  let opened = 0;
  const blocker: InputBlocker = {
    block: () => { calls.push('block'); if (opts.failBlock) throw new Error('GRAB_FAILED'); return { devices: ['kbd', 'mouse'] }; },
    release: () => { calls.push('release'); },
    stop: () => { calls.push('stop'); },
  };
  const follower = new InputBlockFollower({
    access: opts.noAccess ? undefined : { open: (onEnded) => { opened++; ended = onEnded; return blocker; } },
    notice: (t) => notices.push(t), log: () => undefined, released: (s, r) => released.push([s, r]),
  });
  return { follower, calls, released, notices, end: (r: 'emergency-key' | 'display-lost') => ended!(r), opened: () => opened };
}

describe('InputBlockFollower', () => {
  it('holds and lets go as the state says, once each however often the state repeats it', () => {
    const { follower, calls, notices, opened } = setup();
    follower.apply(true, 's1');
    follower.apply(true, 's1');
    expect(follower.blocked).toBe(true);
    follower.apply(false, 's1');
    follower.apply(false, 's1');
    expect(follower.blocked).toBe(false);
    expect(calls).toEqual(['block', 'release']);
    expect(opened()).toBe(1);
    expect(notices[0]).toContain('press Esc three times');
  });

  it('reports the emergency keys and does not hold again until the state said released', () => {
    const { follower, calls, released, end } = setup();
    follower.apply(true, 's1');
    end('emergency-key');
    expect(follower.blocked).toBe(false);
    expect(released).toEqual([['s1', 'emergency-key']]);
    follower.apply(true, 's1'); // a state sent before the report still says blocked
    expect(calls).toEqual(['block']);
    follower.apply(false, 's1');
    follower.apply(true, 's1'); // blocked again later, by a new agreement
    expect(calls).toEqual(['block', 'block']);
  });

  it('says unavailable when nothing can be held, or the agent cannot block at all', () => {
    const failing = setup({ failBlock: true });
    failing.follower.apply(true, 's1');
    failing.follower.apply(true, 's1');
    expect(failing.follower.blocked).toBe(false);
    expect(failing.released).toEqual([['s1', 'unavailable']]);
    const none = setup({ noAccess: true });
    none.follower.apply(true, 's2');
    expect(none.released).toEqual([['s2', 'unavailable']]);
  });

  it('lets go and closes the blocker on stop', () => {
    const { follower, calls } = setup();
    follower.apply(true, 's1');
    follower.stop();
    expect(calls).toEqual(['block', 'release', 'stop']);
    expect(follower.blocked).toBe(false);
  });
});
