import { decideRequest, evolveRequest, initialRequestState, type RequestCommand, type RequestEvent, type RequestState } from '../../domain';
import type { AggregateSpec } from '../aggregate';

/** The store's set of the requests not closed yet (the board lists them; the mail recovery walks them). */
export const OPEN_REQUESTS = 'requests:open';

/** One remote assistance request, journaled as `request:<id>`. */
export const REQUEST: AggregateSpec<RequestState, RequestCommand, RequestEvent> = {
  kind: 'request',
  initial: initialRequestState,
  decide: decideRequest,
  evolve: evolveRequest,
};
