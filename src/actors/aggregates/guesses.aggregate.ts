import { type Actor, decideGuess, evolveGuess, type GuessCommand, type GuessEvent, type GuessState, initialGuessState } from '../../domain';
import type { AggregateSpec } from '../aggregate';

/** Guess counting for PINs and security codes (`guesses:all`), so lockouts hold on every node. */
export const GUESSES: AggregateSpec<GuessState, GuessCommand, GuessEvent> = {
  kind: 'guesses',
  initial: initialGuessState,
  decide: (s: GuessState, c: GuessCommand, _a: Actor, now: number) => decideGuess(s, c, now),
  evolve: (s, e) => evolveGuess(s, e),
};
