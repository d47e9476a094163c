import { decide, evolve, initialSessionState, type SessionCommand, type SessionEvent, type SessionState } from '../../domain';
import type { AggregateSpec } from '../aggregate';

/** One session: the domain's session decider, journaled as `session:<id>`. */
export const SESSION: AggregateSpec<SessionState, SessionCommand, SessionEvent> = {
  kind: 'session',
  initial: initialSessionState,
  decide,
  evolve,
};
