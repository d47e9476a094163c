import { decideEntryPoints, evolveEntryPoints, initialEntryPointsState, type EntryPointsCommand, type EntryPointsEvent, type EntryPointsState } from '../../domain';
import type { AggregateSpec } from '../aggregate';

/** Support buttons, jump groups and jump clients of the whole installation (`entry:all`). */
export const ENTRY_POINTS: AggregateSpec<EntryPointsState, EntryPointsCommand, EntryPointsEvent> = {
  kind: 'entry',
  initial: initialEntryPointsState,
  decide: decideEntryPoints,
  evolve: evolveEntryPoints,
};
