import { Actor, ActorRef } from '../common/actor';
import { reject } from '../common/decision';
import { SessionCommand } from './session.commands';
import { InputReleaseReason, SessionEvent, SessionEventBody } from './session.events';
import { evolve } from './session.evolve';
import { Outcome, actsAsOwner, active, check, customer, customerPresent, emit, firstFailure, isCustomerActor, member, notEnded, participant, requestIdFree } from './session.guards';
import { PendingRequest, SessionState, controllerOf, isCustomerPresent } from './session.state';

type Cmd<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;

const pendingBlock = (s: SessionState): Extract<PendingRequest, { kind: 'input-block' }> | undefined =>
  Object.values(s.requests).find((r): r is Extract<PendingRequest, { kind: 'input-block' }> => r.kind === 'input-block');

/** A block (or the request for one) stands only in an active interact session, for the member holding control, with the agent online. */
export function blockMayStand(s: SessionState, by: string): boolean {
  return s.status === 'active' && s.mode === 'interact' && controllerOf(s) === by && s.members[by] !== undefined && isCustomerPresent(s);
}

/** The member holding control in interact asks the customer to let their keyboard and mouse be held. */
export function requestInputBlock(s: SessionState, c: Cmd<'RequestInputBlock'>, a: Actor): Outcome {
  const failure = firstFailure(
    notEnded(s), participant(s, a), active(s), check(!s.chatOnly, 'CHAT_ONLY'),
    check(s.mode === 'interact', 'MODE_FORBIDS_INPUT'),
    check(controllerOf(s) === a.id, 'NOT_CONTROLLER'),
    customerPresent(s),
    check(s.inputBlock === null, 'INPUT_ALREADY_BLOCKED'),
    requestIdFree(s, c.requestId),
    check(pendingBlock(s) === undefined, 'REQUEST_PENDING'),
  );
  return failure ?? emit({ type: 'InputBlockRequested', requestId: c.requestId });
}

/** The customer agrees (the input is held at once for the requester) or refuses. */
export function respondInputBlock(s: SessionState, c: Cmd<'RespondInputBlock'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), customer(s, a));
  if (failure) return failure;
  const request = s.requests[c.requestId];
  if (!request || request.kind !== 'input-block') return reject('UNKNOWN_REQUEST');
  const answer: SessionEventBody = { type: 'InputBlockAnswered', requestId: c.requestId, allow: c.allow };
  return c.allow && blockMayStand(s, request.by) ? emit(answer, { type: 'InputBlocked', memberId: request.by }) : emit(answer);
}

/**
 * Lets the input go: the customer (panel or agent; the agent says `emergency-key` after the customer's
 * emergency keys, `unavailable` when it cannot hold the devices), or the member holding control / the
 * owner. It also withdraws a request not answered yet. Nothing held, nothing asked: no events.
 */
export function releaseInputBlock(s: SessionState, c: Cmd<'ReleaseInputBlock'>, a: Actor): Outcome {
  const byCustomer = isCustomerActor(s, a);
  const failure = firstFailure(
    notEnded(s),
    byCustomer ? customer(s, a) : member(s, a),
    check(byCustomer || controllerOf(s) === a.id || actsAsOwner(s, a), 'NOT_CONTROLLER'),
    check(byCustomer || c.reason === undefined, 'FORBIDDEN'),
  );
  if (failure) return failure;
  const request = pendingBlock(s);
  if (!s.inputBlock && !request) return emit();
  const reason: InputReleaseReason = byCustomer ? c.reason ?? 'customer' : 'technician';
  return emit({ type: 'InputReleased', reason, ...(!s.inputBlock && request ? { requestId: request.requestId } : {}) });
}

function reasonFor(e: SessionEventBody): InputReleaseReason {
  switch (e.type) {
    case 'ModeChanged': return 'mode-change';
    case 'SessionHeld': return 'hold';
    case 'SessionEnded': case 'CustomerDisconnected': return 'session-end';
    case 'CustomerConnectionChanged': return 'agent-exit';
    default: return 'control-change';
  }
}

/**
 * Adds the release a decision implies: when one of `events` leaves a block (or a pending request for
 * one) unable to stand (mode change, hold, end, the agent going offline, control changing hands), an
 * `InputReleased` with that reason goes right before it, in the same decision.
 */
export function withInputRelease(s: SessionState, events: SessionEventBody[], actor: ActorRef, now: number): SessionEventBody[] {
  if ((!s.inputBlock && !pendingBlock(s)) || events.some((e) => e.type === 'InputReleased')) return events;
  let state = s;
  for (let i = 0; i < events.length; i++) {
    const holder = state.inputBlock?.by ?? pendingBlock(state)?.by;
    const next = evolve(state, { ...events[i], seq: state.seq + 1, sessionId: state.sessionId, actor, at: now } as SessionEvent);
    if (holder !== undefined && !blockMayStand(next, holder)) {
      const request = state.inputBlock ? undefined : pendingBlock(state);
      const release: SessionEventBody = { type: 'InputReleased', reason: reasonFor(events[i]), ...(request ? { requestId: request.requestId } : {}) };
      return [...events.slice(0, i), release, ...events.slice(i)];
    }
    state = next;
  }
  return events;
}
