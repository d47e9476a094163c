import { isRejection } from '../common/decision';
import { DEFAULT_GUESS_POLICY, GuessState, decideGuess, evolveGuess, guessAllowed, initialGuessState } from './guess-limiter';

const T = 1_000_000;
const step = (s: GuessState, success: boolean, now: number) => {
  const d = decideGuess(s, { type: 'RecordGuess', key: 't1', success }, now);
  return { s: isRejection(d) ? s : d.events.reduce((acc, e) => evolveGuess(acc, e), s), code: isRejection(d) ? d.rejection.code : d.events.map((e) => e.type).join() };
};

describe('PIN and code guess limiter', () => {
  test('GUESS-1 repeated failures lock the technician out (LOCKED_OUT) — "Guessing is rate-limited and locked out."', () => {
    let s = initialGuessState();
    for (let i = 0; i < DEFAULT_GUESS_POLICY.maxFailures - 1; i++) s = step(s, false, T + i * 1000).s;
    const last = step(s, false, T + 10_000);
    expect(last.code).toBe('GuessRecorded,GuessLockedOut');
    expect(step(last.s, true, T + 11_000).code).toBe('LOCKED_OUT');
    expect(step(last.s, true, T + 10_000 + DEFAULT_GUESS_POLICY.lockoutMs).code).toBe('GuessRecorded');
  });

  test('GUESS-2 too many attempts in the window are rate-limited (RATE_LIMITED) — "Each registered application also has an Assist PIN (4-6 digits)"', () => {
    let s = initialGuessState();
    for (let i = 0; i < DEFAULT_GUESS_POLICY.maxAttempts; i++) s = step(s, true, T + i).s;
    expect(step(s, true, T + 100).code).toBe('RATE_LIMITED');
    expect(guessAllowed(s, 't1', T + DEFAULT_GUESS_POLICY.rateWindowMs + 100)).toEqual({ ok: true });
  });

  test('GUESS-3 a success clears failures; failures outside the window do not count — "Guessing is rate-limited and locked out."', () => {
    let s = initialGuessState();
    for (let i = 0; i < 4; i++) s = step(s, false, T + i).s;
    s = step(s, true, T + 10).s;
    expect(s.records.t1.failures).toEqual([]);
    for (let i = 0; i < 4; i++) s = step(s, false, T + 20 + i).s;
    expect(step(s, false, T + 20 + DEFAULT_GUESS_POLICY.failureWindowMs + 10).code).toBe('GuessRecorded');
    expect(evolveGuess(s, { type: 'Nope' } as never)).toBe(s);
    expect(evolveGuess(s, null as never)).toBe(s);
  });
});
