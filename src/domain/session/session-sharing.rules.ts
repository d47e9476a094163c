import { Actor, isRepresentative, toRef } from '../common/actor';
import { reject } from '../common/decision';
import { hasRight } from '../common/rights';
import { SessionCommand } from './session.commands';
import { SessionEventBody } from './session.events';
import { Outcome, active, check, emit, firstFailure, isMember, notEnded, owner, started } from './session.guards';
import { cancelFiles } from './session-chat.rules';
import { availabilityOf } from './session-invitable.rules';
import { Invitation, InviteTarget, SessionState } from './session.state';

type Cmd<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;

/** The person an invitation is for, or null for a team's "any representative" invitation. */
export function inviteePersonKey(target: InviteTarget): string | null {
  if (target.kind === 'representative') return `user:${target.userId}`;
  return target.kind === 'external' ? `external:${target.externalId}` : null;
}

/** True when the actor is the one this invitation is for. */
export function isInvitee(invitation: Invitation, a: { kind: Actor['kind']; id: string; teams?: string[] }): boolean {
  const t = invitation.target;
  if (t.kind === 'representative') return isRepresentative(a.kind) && a.id === t.userId;
  if (t.kind === 'team') return isRepresentative(a.kind) && (a.teams ?? []).includes(t.teamId);
  return a.kind === 'external' && a.id === t.externalId;
}

/** Revocations of every live invitation, e.g. when ownership moves or the session ends. */
export function revokeAll(s: SessionState, reason: 'sender-left' | 'transferred' | 'session-ended', senderId?: string): SessionEventBody[] {
  return Object.values(s.invitations)
    .filter((i) => senderId === undefined || i.senderId === senderId)
    .map((i) => ({ type: 'InvitationRevoked' as const, inviteId: i.inviteId, reason }));
}

/** Only the owner invites: a representative who is logged in or has extended availability, a team's queue ("any representative") or an external one-time representative. */
export function invite(s: SessionState, c: Cmd<'Invite'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), owner(s, a), check(hasRight(a, 'session.share'), 'FORBIDDEN'), active(s), check(s.invitations[c.inviteId] === undefined, 'DUPLICATE_ID'));
  if (failure) return failure;
  const t = c.target;
  if (t.kind === 'representative') {
    if (s.customer?.id === t.userId) return reject('INVALID_TARGET');
    if (isMember(s, t.userId)) return reject('ALREADY_MEMBER');
    // Invitable only when logged in or with extended availability (they get an email).
    if (availabilityOf(c.availability) === null) return reject('NOT_AVAILABLE');
  }
  if (t.kind === 'external' && isMember(s, t.externalId)) return reject('ALREADY_MEMBER');
  const key = inviteePersonKey(t);
  if (key !== null && Object.values(s.invitations).some((i) => inviteePersonKey(i.target) === key)) return reject('INVITE_EXISTS');
  return emit({ type: 'InvitationSent', inviteId: c.inviteId, target: t });
}

/** The owner cancels a live invitation. */
export function cancelInvite(s: SessionState, c: Cmd<'CancelInvite'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), owner(s, a), check(s.invitations[c.inviteId] !== undefined, 'UNKNOWN_INVITE'));
  return failure ?? emit({ type: 'InvitationCancelled', inviteId: c.inviteId });
}

/** The invitee accepts (and joins) or declines; either way the invitation dies. */
export function respondInvite(s: SessionState, c: Cmd<'RespondInvite'>, a: Actor): Outcome {
  const invitation = s.invitations[c.inviteId];
  const failure = firstFailure(notEnded(s), check(invitation !== undefined, 'UNKNOWN_INVITE'), () => (isInvitee(invitation, a) ? undefined : reject('NOT_INVITED').rejection));
  if (failure) return failure;
  if (!c.accept) return emit({ type: 'InvitationDeclined', inviteId: c.inviteId });
  if (isMember(s, a.id)) return reject('ALREADY_MEMBER');
  return emit({ type: 'InvitationAccepted', inviteId: c.inviteId, member: toRef(a), role: a.kind === 'external' ? 'external' : 'participant' });
}

/** The owner removes a member (the customer too: that disconnects the customer). The owner cannot remove themself. */
export function removeMember(s: SessionState, c: Cmd<'RemoveMember'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), owner(s, a));
  if (failure) return failure;
  if (s.customer !== null && c.memberId === s.customer.id) return disconnectCustomer(s, { type: 'DisconnectCustomer' }, a);
  if (c.memberId === s.ownerId) return reject('OWNER_MUST_END_OR_TRANSFER');
  if (!isMember(s, c.memberId)) return reject('UNKNOWN_MEMBER');
  return emit(...revokeAll(s, 'sender-left', c.memberId), ...cancelFiles(s, { fromId: c.memberId, offers: true }), { type: 'MemberRemoved', memberId: c.memberId });
}

/**
 * The owner disconnects the customer and stays in the session. An elevated session loses its elevation
 * first: nothing admin-only (a command shell above all) outlives the customer's part on that desktop.
 */
export function disconnectCustomer(s: SessionState, _c: Cmd<'DisconnectCustomer'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), owner(s, a), started(s), check(s.customer?.connected === true, 'UNKNOWN_MEMBER'));
  if (failure) return failure;
  const disconnected: SessionEventBody = { type: 'CustomerDisconnected', customerId: s.customer!.id };
  // Every file goes to or comes from the customer's desktop: none on its way can finish, no offer can be answered.
  return emit(...(s.elevated ? [{ type: 'ElevationEnded', reason: 'customer-disconnected' } as const] : []), ...cancelFiles(s, { offers: true }), disconnected);
}

/**
 * Whether the session still holds its desktop (REM-10): a live session whose customer was not disconnected.
 * Once the owner disconnected the customer the session stays open for the technicians, but the desktop is
 * free: the agent is not offered the session back and may be asked for (or start) a new one.
 */
export function holdsDesktop(s: SessionState): boolean {
  return s.status !== 'ended' && s.customer?.connected !== false;
}

/** The owner transfers to a team queue or a representative's personal queue and becomes an ordinary member; live invitations die. */
export function transfer(s: SessionState, c: Cmd<'Transfer'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), owner(s, a), check(hasRight(a, 'session.transfer'), 'FORBIDDEN'), active(s));
  if (failure) return failure;
  if (c.to.kind === 'personal' && c.to.userId === s.ownerId) return reject('INVALID_TARGET');
  return emit(...revokeAll(s, 'transferred'), { type: 'SessionTransferred', from: s.ownerId ?? a.id, to: c.to });
}
