import { Actor, toRef } from '../common/actor';
import { ALLOWED, Authorization, reject } from '../common/decision';
import { queueVisibleTo } from '../common/queue-ref';
import { hasRight } from '../common/rights';
import { mayStartJump, supportButtonUsable } from '../entry-points/entry-points.decider';
import { SessionCommand } from './session.commands';
import { Outcome, check, customer, emit, firstFailure, isMember, notEnded, representative, started } from './session.guards';
import { revokeAll } from './session-sharing.rules';
import { SessionState } from './session.state';

type Cmd<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;

const fresh = (s: SessionState) => check(s.status === 'new', 'SESSION_EXISTS');

/** A technician asks assistance for an agent (chosen from the online list, by PIN or through a security code) and becomes owner; pending until the customer answers. */
export function requestAssist(s: SessionState, c: Cmd<'RequestAssist'>, a: Actor): Outcome {
  const failure = firstFailure(fresh(s), representative(a), check(hasRight(a, 'session.assist'), 'FORBIDDEN'));
  if (failure) return failure;
  return emit({ type: 'AssistRequested', agentId: c.agentId, customer: { id: c.customer.id, name: c.customer.name }, via: c.via, action: c.action, owner: toRef(a), teams: [...a.teams] });
}

/** A customer opens a session into a queue through a Support Button (until it expires) or click-to-chat (chat only). */
export function openSession(s: SessionState, c: Cmd<'OpenSession'>, a: Actor, now: number): Outcome {
  const failure = firstFailure(fresh(s), check(a.kind === 'customer', 'NOT_CUSTOMER'));
  if (failure) return failure;
  const me = { id: a.id, name: a.name };
  if (c.via.kind === 'click-to-chat') {
    return emit({ type: 'SessionOpened', origin: 'click-to-chat', agentId: c.agentId ?? null, customer: me, queue: c.via.queue, chatOnly: true, buttonId: null });
  }
  const button = c.via.button;
  if (!supportButtonUsable(button, now)) return reject('BUTTON_EXPIRED');
  if (c.agentId !== undefined && c.agentId !== button.agentId) return reject('INVALID_TARGET');
  return emit({ type: 'SessionOpened', origin: 'support-button', agentId: button.agentId, customer: me, queue: button.queue, chatOnly: false, buttonId: button.buttonId });
}

/** A member of a Jump Group (or the owner of a personal pin) starts an unattended session under the consent policy. */
export function startJump(s: SessionState, c: Cmd<'StartJump'>, a: Actor): Outcome {
  const failure = firstFailure(fresh(s), representative(a), check(!c.reasonRequired || !!c.reason?.trim(), 'REASON_REQUIRED'));
  if (failure) return failure;
  const allowed = mayStartJump(c.jumpClient, c.group, a);
  if ('rejection' in allowed) return allowed;
  const cust = c.customer ?? { id: `agent:${c.jumpClient.agentId}`, name: '' };
  return emit({ type: 'JumpStarted', jumpClientId: c.jumpClient.jumpClientId, agentId: c.jumpClient.agentId, consent: allowed.consent, owner: toRef(a), customer: { id: cust.id, name: cust.name }, teams: [...a.teams], ...(c.reason?.trim() ? { reason: c.reason.trim() } : {}),
    ...(c.jumpClient.location.kind === 'group' ? { jumpGroupId: c.jumpClient.location.groupId } : {}) });
}

/** The customer allows or declines; allowing starts in hold unless the customer picks a mode at once. */
export function respondAssist(s: SessionState, c: Cmd<'RespondAssist'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), customer(s, a), check(s.status === 'pending', 'NOT_PENDING'));
  if (failure) return failure;
  if (!c.allow) return emit({ type: 'AssistDeclined' }, { type: 'SessionEnded', reason: 'declined', lockDesktop: false, releaseClient: true });
  if (c.mode && c.mode !== s.mode && !s.chatOnly) return emit({ type: 'AssistAccepted' }, { type: 'ModeChanged', mode: c.mode, previous: s.mode });
  return emit({ type: 'AssistAccepted' });
}

/**
 * A representative who may see the queue takes the waiting session and becomes its owner. Taking a held
 * session over from its owner moves ownership as a transfer does, so the old owner's live invitations die
 * the same way (`transferred`); the owner taking their own session back keeps them.
 */
export function takeFromQueue(s: SessionState, _c: Cmd<'TakeFromQueue'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), representative(a), check(s.status === 'queued' && s.queue !== null, 'NOT_QUEUED'));
  if (failure) return failure;
  if (!queueVisibleTo(s.queue!, a)) return reject('NOT_QUEUE_MEMBER');
  const takenOver = s.ownerId !== null && s.ownerId !== a.id;
  return emit(...(takenOver ? revokeAll(s, 'transferred') : []), { type: 'SessionTaken', by: toRef(a), queue: s.queue!, teams: [...a.teams] });
}

/** Who sees a running session in their list of team sessions and may join it: a supervisor (session.watch) of one of its teams; an admin, all. */
export function mayWatchSession(teams: readonly string[], a: Actor): boolean {
  return a.kind === 'admin' || (a.kind === 'supervisor' && hasRight(a, 'session.watch') && a.teams.some((t) => teams.includes(t)));
}

/** Who may ask for the running sessions of their teams at all: supervisors with session.watch, and admins. */
export function mayListTeamSessions(a: Actor): Authorization {
  return a.kind === 'admin' || (a.kind === 'supervisor' && hasRight(a, 'session.watch')) ? ALLOWED : reject('FORBIDDEN');
}

/** A supervisor watches any session of their teams (as an observer member); an admin any session. */
export function watch(s: SessionState, _c: Cmd<'Watch'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), started(s));
  if (failure) return failure;
  if (!mayWatchSession(s.teams, a)) return reject('FORBIDDEN');
  if (isMember(s, a.id)) return reject('ALREADY_MEMBER');
  return emit({ type: 'SupervisorJoined', member: toRef(a) });
}
