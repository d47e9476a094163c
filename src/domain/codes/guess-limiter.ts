import { Decision, accept, reject } from '../common/decision';

/** Thresholds for guessing PINs and security codes, per technician (or per agent for codes). */
export interface GuessPolicy {
  /** Attempts (right or wrong) allowed per rate window. */
  maxAttempts: number;
  rateWindowMs: number;
  /** Failures within the failure window that start a lockout. */
  maxFailures: number;
  failureWindowMs: number;
  lockoutMs: number;
}

export const DEFAULT_GUESS_POLICY: GuessPolicy = {
  maxAttempts: 10, rateWindowMs: 60 * 1000, maxFailures: 5, failureWindowMs: 10 * 60 * 1000, lockoutMs: 15 * 60 * 1000,
};

export interface GuessRecord { attempts: number[]; failures: number[]; lockedUntil: number }
export interface GuessState { records: Record<string, GuessRecord> }

export type GuessCommand = { type: 'RecordGuess'; key: string; success: boolean };
export type GuessEvent =
  | { type: 'GuessRecorded'; key: string; success: boolean; at: number }
  | { type: 'GuessLockedOut'; key: string; until: number; at: number };

export function initialGuessState(): GuessState {
  return { records: {} };
}

const EMPTY: GuessRecord = { attempts: [], failures: [], lockedUntil: 0 };

/** May this key guess now? LOCKED_OUT during a lockout, RATE_LIMITED when too many attempts in the window. */
export function guessAllowed(state: GuessState, key: string, now: number, policy: GuessPolicy = DEFAULT_GUESS_POLICY): { ok: true } | ReturnType<typeof reject> {
  const record = state.records[key] ?? EMPTY;
  if (now < record.lockedUntil) return reject('LOCKED_OUT');
  if (record.attempts.filter((t) => t > now - policy.rateWindowMs).length >= policy.maxAttempts) return reject('RATE_LIMITED');
  return { ok: true };
}

/**
 * Records one guess and its outcome. Refused (and not recorded) while locked out or rate-limited, so the
 * caller must not reveal whether the guess was right. Enough failures in the window start a lockout.
 * A success clears the failures.
 */
export function decideGuess(state: GuessState, command: GuessCommand, now: number, policy: GuessPolicy = DEFAULT_GUESS_POLICY): Decision<GuessEvent> {
  const allowed = guessAllowed(state, command.key, now, policy);
  if ('rejection' in allowed) return allowed;
  const recorded: GuessEvent = { type: 'GuessRecorded', key: command.key, success: command.success, at: now };
  if (command.success) return accept([recorded]);
  const record = state.records[command.key] ?? EMPTY;
  const failures = record.failures.filter((t) => t > now - policy.failureWindowMs).length + 1;
  return failures >= policy.maxFailures ? accept([recorded, { type: 'GuessLockedOut', key: command.key, until: now + policy.lockoutMs, at: now }]) : accept([recorded]);
}

/** Applies a guess event, keeping only timestamps inside a day so records stay small. Total. */
export function evolveGuess(state: GuessState, event: GuessEvent, policy: GuessPolicy = DEFAULT_GUESS_POLICY): GuessState {
  if (!event || typeof event !== 'object' || typeof event.key !== 'string') return state;
  const record = state.records[event.key] ?? EMPTY;
  const horizon = event.at - Math.max(policy.rateWindowMs, policy.failureWindowMs);
  const keep = (ts: number[]) => ts.filter((t) => t > horizon);
  let next: GuessRecord;
  if (event.type === 'GuessRecorded') {
    next = { attempts: [...keep(record.attempts), event.at], failures: event.success ? [] : [...keep(record.failures), event.at], lockedUntil: record.lockedUntil };
  } else if (event.type === 'GuessLockedOut') {
    next = { ...record, failures: [], lockedUntil: event.until };
  } else {
    return state;
  }
  return { records: { ...state.records, [event.key]: next } };
}
