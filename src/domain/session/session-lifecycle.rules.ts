import { Actor } from '../common/actor';
import { reject } from '../common/decision';
import { SessionCommand } from './session.commands';
import { SessionEventBody } from './session.events';
import { Outcome, active, emit, firstFailure, isCustomerActor, isMember, notEnded, owner, started } from './session.guards';
import { cancelFiles } from './session-chat.rules';
import { revokeAll } from './session-sharing.rules';
import { EndReason, SessionState } from './session.state';

type Cmd<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;

/** Everyone gets `SessionEnded`; live invitations die first so their invitees learn it, files on their way too so their senders do. */
function endForAll(s: SessionState, reason: EndReason, lockDesktop: boolean): Outcome {
  const ended: SessionEventBody = { type: 'SessionEnded', reason, lockDesktop, releaseClient: true };
  return emit(...revokeAll(s, 'session-ended'), ...cancelFiles(s, { offers: false }), ended);
}

/** The owner steps away: the session waits in the owner's personal queue; the other members stay in. */
export function hold(s: SessionState, _c: Cmd<'Hold'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), owner(s, a), active(s));
  if (failure) return failure;
  return emit({ type: 'SessionHeld', queue: { kind: 'personal', userId: s.ownerId ?? a.id } });
}

/**
 * End: the owner's (or an admin's) ends it for all, the customer's ends it for all (and locks the desktop
 * if the session is elevated), the system's ends it after the customer was lost; any other member's End means Leave.
 */
export function end(s: SessionState, c: Cmd<'End'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), started(s));
  if (failure) return failure;
  if (isCustomerActor(s, a)) return s.customer!.connected ? endForAll(s, 'customer', s.elevated) : reject('NOT_MEMBER');
  if (a.kind === 'system') return endForAll(s, 'customer-lost', false);
  if (s.ownerId === a.id) return endForAll(s, 'owner', false);
  if (isMember(s, a.id)) return leave(s, { type: 'Leave' }, a);
  if (a.kind === 'admin') return endForAll(s, 'admin', false);
  return reject('NOT_MEMBER');
}

/** A member leaves; the owner must end, hold or transfer instead. */
export function leave(s: SessionState, _c: Cmd<'Leave'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s));
  if (failure) return failure;
  if (s.ownerId === a.id) return reject('OWNER_MUST_END_OR_TRANSFER');
  if (!isMember(s, a.id)) return reject('NOT_MEMBER');
  return emit(...revokeAll(s, 'sender-left', a.id), ...cancelFiles(s, { fromId: a.id, offers: true }), { type: 'MemberLeft', memberId: a.id });
}

/** An admin ends any session. */
export function forceEnd(s: SessionState, _c: Cmd<'ForceEnd'>, a: Actor): Outcome {
  if (a.kind !== 'admin') return reject('FORBIDDEN');
  const failure = firstFailure(notEnded(s), started(s));
  return failure ?? endForAll(s, 'admin', false);
}
