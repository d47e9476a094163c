import { ActorRef } from '../common/actor';
import { SessionEvent } from './session.events';
import { Member, MemberRole, SessionState, initialSessionState } from './session.state';

const withoutKey = <T>(record: Record<string, T>, key: string): Record<string, T> => {
  const { [key]: _gone, ...rest } = record;
  return rest;
};

const union = (a: string[], b: string[]): string[] => [...new Set([...a, ...b])];

const asMember = (ref: ActorRef, role: MemberRole): Member => ({ id: ref.id, kind: ref.kind, name: ref.name, role });

/** Drops everything a departing member held: control, pending requests. */
function dropMember(state: SessionState, memberId: string, removed: boolean): SessionState {
  const requests = Object.fromEntries(Object.entries(state.requests).filter(([, r]) => r.by !== memberId));
  return {
    ...state,
    members: withoutKey(state.members, memberId),
    requests,
    controllerId: state.controllerId === memberId ? null : state.controllerId,
    ownerId: state.ownerId === memberId ? null : state.ownerId,
    removedIds: removed ? union(state.removedIds, [memberId]) : state.removedIds,
  };
}

/** Adds a member, or changes the role of one already in. A re-joining member is no longer "removed". */
function addMember(state: SessionState, member: Member): SessionState {
  return { ...state, members: { ...state.members, [member.id]: member }, removedIds: state.removedIds.filter((id) => id !== member.id) };
}

function applyEvent(s: SessionState, e: SessionEvent): SessionState {
  switch (e.type) {
    case 'AssistRequested':
      return addMember({ ...s, status: 'pending', origin: e.via, agentId: e.agentId, ownerId: e.owner.id, customer: { ...e.customer, connected: true, online: true }, requestedAction: e.action, teams: union(s.teams, e.teams), mode: 'hold' }, asMember(e.owner, 'owner'));
    case 'SessionOpened':
      return { ...s, status: 'queued', origin: e.origin, agentId: e.agentId, customer: { ...e.customer, connected: true, online: true }, queue: e.queue, chatOnly: e.chatOnly, teams: e.queue.kind === 'team' ? union(s.teams, [e.queue.teamId]) : s.teams, mode: 'hold' };
    case 'JumpStarted':
      return addMember({ ...s, status: e.consent === 'notify' ? 'active' : 'pending', origin: 'jump', agentId: e.agentId, ownerId: e.owner.id, customer: { ...e.customer, connected: true, online: true }, jumpNotice: e.consent === 'notify', teams: union(s.teams, e.teams), mode: 'hold', jumpGroupId: e.jumpGroupId ?? null }, asMember(e.owner, 'owner'));
    case 'AssistAccepted':
      return { ...s, status: 'active' };
    case 'AssistDeclined':
      return s;
    case 'ModeChanged':
      return { ...s, mode: e.mode };
    case 'ModeRequested':
      return { ...s, requests: { ...s.requests, [e.requestId]: { requestId: e.requestId, kind: 'mode', by: e.actor.id, mode: e.mode } } };
    case 'ControlRequested':
      return { ...s, requests: { ...s.requests, [e.requestId]: { requestId: e.requestId, kind: 'control', by: e.actor.id } } };
    case 'ElevationRequested':
      return { ...s, requests: { ...s.requests, [e.requestId]: { requestId: e.requestId, kind: 'elevation', by: e.actor.id, method: e.method, scope: e.scope } } };
    case 'ModeRequestAnswered':
    case 'ControlRequestAnswered':
      return { ...s, requests: withoutKey(s.requests, e.requestId) };
    case 'ElevationAnswered': {
      const next = { ...s, requests: withoutKey(s.requests, e.requestId) };
      if (!e.allow) return next;
      return e.scope === 'admin' ? { ...next, elevated: true } : { ...next, chatOnly: false };
    }
    case 'ControlGranted':
      return s.members[e.memberId] ? { ...s, controllerId: e.memberId === s.ownerId ? null : e.memberId } : s;
    case 'ChatSent':
      return { ...s, messageIds: [...s.messageIds, e.messageId] };
    case 'FileOffered':
      return { ...s, files: { ...s.files, [e.fileId]: { fileId: e.fileId, name: e.name, size: e.size, sha256: e.sha256, from: e.actor.id, status: 'offered' } } };
    case 'FileAnswered': {
      const file = s.files[e.fileId];
      return file ? { ...s, files: { ...s.files, [e.fileId]: { ...file, status: e.accept ? 'accepted' : 'refused' } } } : s;
    }
    case 'FileDelivered': {
      const file = s.files[e.fileId];
      return file ? { ...s, files: { ...s.files, [e.fileId]: { ...file, status: 'delivered', ...(e.savedAs !== undefined ? { savedAs: e.savedAs } : {}) } } } : s;
    }
    case 'FileFailed': {
      const file = s.files[e.fileId];
      return file ? { ...s, files: { ...s.files, [e.fileId]: { ...file, status: 'failed', failure: e.code } } } : s;
    }
    case 'InvitationSent':
      return { ...s, invitations: { ...s.invitations, [e.inviteId]: { inviteId: e.inviteId, senderId: e.actor.id, target: e.target, sentAt: e.at } } };
    case 'InvitationCancelled':
    case 'InvitationRevoked':
    case 'InvitationDeclined':
      return { ...s, invitations: withoutKey(s.invitations, e.inviteId) };
    case 'InvitationAccepted':
      return addMember({ ...s, invitations: withoutKey(s.invitations, e.inviteId) }, asMember(e.member, e.role));
    case 'SupervisorJoined':
      return addMember(s, asMember(e.member, 'observer'));
    case 'MemberRemoved':
      return dropMember(s, e.memberId, true);
    case 'MemberLeft':
      return dropMember(s, e.memberId, false);
    case 'CustomerDisconnected':
      return s.customer ? { ...s, customer: { ...s.customer, connected: false }, requests: {}, controllerId: s.controllerId } : s;
    case 'CustomerConnectionChanged':
      return s.customer ? { ...s, customer: { ...s.customer, online: e.online } } : s;
    case 'SessionTransferred': {
      const old = s.members[e.from];
      const members = old ? { ...s.members, [e.from]: { ...old, role: 'participant' as const } } : s.members;
      const invitations = Object.fromEntries(Object.entries(s.invitations).filter(([, i]) => i.senderId !== e.from));
      return { ...s, members, invitations, ownerId: null, controllerId: null, status: 'queued', queue: e.to, teams: e.to.kind === 'team' ? union(s.teams, [e.to.teamId]) : s.teams };
    }
    case 'SessionTaken': {
      const existing = s.members[e.by.id];
      const demoted = s.ownerId && s.ownerId !== e.by.id && s.members[s.ownerId] ? { [s.ownerId]: { ...s.members[s.ownerId], role: 'participant' as const } } : {};
      const members = { ...s.members, ...demoted, [e.by.id]: existing ? { ...existing, role: 'owner' as const } : asMember(e.by, 'owner') };
      return { ...s, members, ownerId: e.by.id, controllerId: s.ownerId === e.by.id ? s.controllerId : null, status: 'active', queue: null, teams: union(s.teams, e.teams), removedIds: s.removedIds.filter((id) => id !== e.by.id) };
    }
    case 'SessionHeld':
      return { ...s, status: 'queued', queue: e.queue };
    case 'SessionEnded':
      return { ...s, status: 'ended', invitations: {}, requests: {}, elevated: false, controllerId: null, inputBlock: null, endReason: e.reason, lockDesktop: e.lockDesktop, queue: null, recording: false, attachCode: s.attachCode?.used ? s.attachCode : null };
    case 'ElevationEnded':
      return { ...s, elevated: false };
    case 'AdminActionPerformed':
      return s;
    case 'ShellOpened':
      return { ...s, shells: { ...(s.shells ?? {}), [e.shellId]: e.transcript } };
    case 'ShellClosed':
      return { ...s, shells: withoutKey(s.shells ?? {}, e.shellId) };
    case 'ScreenPaused':
      return { ...s, screenPaused: true };
    case 'ScreenResumed':
      return { ...s, screenPaused: false };
    case 'ClipboardSent':
      return s;
    case 'ClipboardSet':
      return { ...s, clipboard: e.enabled };
    case 'RecordingStarted':
      return { ...s, recording: true, recordingRequired: e.by === 'policy' };
    case 'RecordingStopped':
      return { ...s, recording: false, recordingRequired: false };
    case 'AttachCodeIssued':
      return { ...s, attachCode: { codeHash: e.codeHash, mode: e.mode, expiresAt: e.expiresAt, used: false } };
    case 'AgentAttached':
      return { ...s, agentId: e.agentId, chatOnly: false, attachCode: s.attachCode ? { ...s.attachCode, used: true } : null, customer: s.customer ? { ...s.customer, online: true } : null };
    case 'InputBlockRequested':
      return { ...s, requests: { ...s.requests, [e.requestId]: { requestId: e.requestId, kind: 'input-block', by: e.actor.id } } };
    case 'InputBlockAnswered':
      return { ...s, requests: withoutKey(s.requests, e.requestId) };
    case 'InputBlocked':
      return { ...s, inputBlock: { by: e.memberId } };
    case 'InputReleased':
      return { ...s, inputBlock: null, requests: Object.fromEntries(Object.entries(s.requests).filter(([, r]) => r.kind !== 'input-block')) };
    default:
      return s;
  }
}

/**
 * Applies one event. Total: it never throws; an unknown or malformed event leaves the state unchanged
 * (only `seq` advances when the event carries a newer one).
 */
export function evolve(state: SessionState, event: SessionEvent): SessionState {
  try {
    if (!event || typeof event !== 'object') return state;
    const next = applyEvent(state, event);
    const seq = typeof event.seq === 'number' && Number.isFinite(event.seq) && event.seq > state.seq ? event.seq : state.seq;
    return next === state && seq === state.seq ? state : { ...next, seq };
  } catch {
    return state;
  }
}

/** The state after the events: a fold of evolve from the initial state. */
export function replay(events: SessionEvent[], sessionId?: string): SessionState {
  const id = sessionId ?? events[0]?.sessionId ?? '';
  return events.reduce(evolve, initialSessionState(id));
}
