import { Actor, isRepresentative } from '../common/actor';
import { ALLOWED, Authorization, Rejection, reject } from '../common/decision';
import { queueVisibleTo } from '../common/queue-ref';
import { isInvitee } from './session-sharing.rules';
import { Member, SessionState, controllerOf, isCustomerPresent } from './session.state';

/** True when frames may reach members now: active, a screen-sharing session, mode observe or interact, the customer present. */
export function screenVisible(state: SessionState): boolean {
  return state.status === 'active' && !state.chatOnly && state.mode !== 'hold' && isCustomerPresent(state);
}

/** The member ids that may receive screen frames right now ([] in hold, queued, pending, ended). Sorted. */
export function screenRecipients(state: SessionState): string[] {
  return screenVisible(state) ? Object.keys(state.members).sort() : [];
}

function liveMember(state: SessionState, actorId: string): Authorization {
  if (state.status === 'ended') return reject('SESSION_ENDED');
  if (state.status !== 'active') return reject('NOT_ACTIVE');
  if (state.members[actorId] === undefined) return reject('NOT_MEMBER');
  if (!isCustomerPresent(state)) return reject('CUSTOMER_OFFLINE');
  if (state.chatOnly) return reject('CHAT_ONLY');
  return ALLOWED;
}

/** Remote input (not journaled): interact mode, from the member holding control, in an active session. */
export function authorizeInput(state: SessionState, actorId: string): Authorization {
  const base = liveMember(state, actorId);
  if ('rejection' in base) return base;
  if (state.mode !== 'interact') return reject('MODE_FORBIDS_INPUT');
  return controllerOf(state) === actorId ? ALLOWED : reject('NOT_CONTROLLER');
}

/** Showing one's pointer with one's name (not journaled): observe or interact, any member. */
export function authorizePointer(state: SessionState, actorId: string): Authorization {
  const base = liveMember(state, actorId);
  if ('rejection' in base) return base;
  return state.mode === 'hold' ? reject('SCREEN_NOT_VISIBLE') : ALLOWED;
}

/** Laser pointer and pen (not journaled): only while the screen is visible. */
export function authorizeAnnotation(state: SessionState, actorId: string): Authorization {
  return authorizePointer(state, actorId);
}

/**
 * WebRTC signalling for a viewer (offer, answer, ICE, in either direction; not journaled): a member who may
 * see the screen now (active, screen-sharing, customer present, mode observe or interact).
 */
export function authorizeRtc(state: SessionState, memberId: string): Authorization {
  const base = liveMember(state, memberId);
  if ('rejection' in base) return base;
  return state.mode === 'hold' ? reject('SCREEN_NOT_VISIBLE') : ALLOWED;
}

/** Who may see a session: its members and customer, invitees, whoever may take it from its queue, supervisors of its teams, admins. */
export function sessionVisibleTo(state: SessionState, actor: Actor): boolean {
  if (state.status === 'new') return false;
  if (actor.kind === 'admin' || state.members[actor.id] !== undefined) return true;
  if (actor.kind === 'customer') return state.customer?.id === actor.id;
  if (Object.values(state.invitations).some((i) => isInvitee(i, actor))) return true;
  if (!isRepresentative(actor.kind)) return false;
  if (state.status === 'queued' && state.queue !== null && queueVisibleTo(state.queue, actor)) return true;
  return actor.kind === 'supervisor' && actor.teams.some((t) => state.teams.includes(t));
}

/**
 * The command shell (not journaled beyond its opening and closing): an active, elevated session whose
 * customer is still there, from a taking-part member who is not an external representative.
 */
export function authorizeShell(state: SessionState, actorId: string): Authorization {
  if (state.status === 'ended') return reject('SESSION_ENDED');
  if (state.status !== 'active') return reject('NOT_ACTIVE');
  const member = state.members[actorId];
  if (!member) return reject('NOT_MEMBER');
  if (member.role === 'observer') return reject('NOT_PARTICIPANT');
  if (!mayUseShell(member)) return reject('FORBIDDEN');
  if (!isCustomerPresent(state)) return reject('CUSTOMER_OFFLINE');
  return state.elevated ? ALLOWED : reject('NOT_ELEVATED');
}

/**
 * Who receives a command shell's output and exit: the members who may use a shell — owner and
 * participants, never a watching supervisor nor an external representative. Sorted. Unlike
 * authorizeShell it does not ask for elevation: the exit of a shell closed because elevation ended still reaches them.
 */
export function shellRecipients(state: SessionState): string[] {
  return Object.values(state.members).filter(mayUseShell).map((m) => m.id).sort();
}

/** Owner and participants use a command shell; never a watching supervisor nor an external representative. */
const mayUseShell = (m: Member): boolean => m.role !== 'observer' && m.role !== 'external' && m.kind !== 'external';

/** Whether a reconnecting connection may resume a session's stream, and whether it still takes part in it. */
export type ResumeAccess = { ok: true; takesPart: boolean } | { rejection: Rejection };

/**
 * Resuming after a reconnect (`session.resume`). Whoever takes part now resumes: a member, the connected
 * customer, the session's agent; anyone else resumes only up to the event that took them out
 * (`takesPart: false`). An external representative has no account to come back with: they resume only
 * while they are still a member of the running session, and once they are removed, have left or the
 * session has ended there is nothing to resume (their one-time link stays used).
 */
export function authorizeResume(state: SessionState, id: string, isExternal: boolean): ResumeAccess {
  const isMember = state.members[id] !== undefined;
  if (isExternal) {
    if (state.status === 'ended') return reject('SESSION_ENDED');
    return isMember ? { ok: true, takesPart: true } : reject('NOT_MEMBER');
  }
  const takesPart = isMember || (state.customer?.id === id && state.customer.connected) || state.agentId === id;
  return { ok: true, takesPart };
}
