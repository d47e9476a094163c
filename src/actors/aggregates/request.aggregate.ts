import { decideRequest, evolveRequest, initialRequestState, type RequestCommand, type RequestEvent, type RequestState } from '../../domain';
import type { AggregateSpec } from '../aggregate';

/** One remote assistance request, journaled as `request:<id>`. */
export const REQUEST: AggregateSpec<RequestState, RequestCommand, RequestEvent> = {
  kind: 'request',
  initial: initialRequestState,
  decide: decideRequest,
  evolve: evolveRequest,
};
