import { decidePresence, evolvePresence, initialPresenceState, type PresenceCommand, type PresenceEvent, type PresenceState } from '../../domain';
import type { AggregateSpec } from '../aggregate';

/** Which agents are online (one stream for the whole cluster, `presence:all`). */
export function presenceAggregate(graceMs: number): AggregateSpec<PresenceState, PresenceCommand, PresenceEvent> {
  return {
    kind: 'presence',
    initial: initialPresenceState,
    decide: (s, c, a, now) => decidePresence(s, c, a, now, graceMs),
    evolve: evolvePresence,
  };
}
