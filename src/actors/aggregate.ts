import type { Actor } from '../domain';
import type { Decision } from '../domain';

/**
 * How an actor runs one kind of stream: the domain's decide/evolve for it, and how to start. The actor
 * never decides anything itself; it only asks `decide` and folds with `evolve`.
 */
export interface AggregateSpec<S, C, E> {
  /** Stream name prefix, e.g. `session`; the stream of id X is `session:X`. */
  readonly kind: string;
  initial(id: string): S;
  decide(state: S, command: C, actor: Actor, now: number): Decision<E>;
  evolve(state: S, event: E): S;
}
