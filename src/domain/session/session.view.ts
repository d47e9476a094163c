import { ActorRef, isRepresentative } from '../common/actor';
import { QueueRef } from '../common/queue-ref';
import { awaitingAgent } from './session-attach.rules';
import { isInvitee } from './session-sharing.rules';
import { screenRecipients } from './session.authorize';
import type { SessionEvent } from './session.events';
import { EndReason, FileOffer, InviteTarget, MemberRole, Mode, PendingRequest, SessionOrigin, SessionStatus, SessionState, controllerOf } from './session.state';

export type ViewerRole = MemberRole | 'customer' | 'invitee' | 'staff' | 'none';

export interface MemberView { id: string; name: string; kind: ActorRef['kind']; role: MemberRole }
export interface InvitationView { inviteId: string; senderId: string; target: InviteTarget; sentAt: number }

/** The redacted snapshot sent as `session.state` to one viewer. Never holds credentials. */
export interface SessionView {
  sessionId: string;
  seq: number;
  status: SessionStatus;
  mode: Mode;
  you: ViewerRole;
  ownerId: string | null;
  controllerId: string | null;
  members: MemberView[];
  customer: { id: string | null; name: string; connected: boolean; online: boolean } | null;
  screenVisible: boolean;
  screenPaused: boolean;
  elevated: boolean;
  chatOnly: boolean;
  jumpNotice: boolean;
  /** A click-to-chat session elevated to the full client, waiting for the customer's agent to join. */
  awaitingAgent: boolean;
  /** The server records the session (everyone in it, the customer included, is told). */
  recording: boolean;
  /** Started by policy: only an admin may stop it (RECORDING_REQUIRED for the owner). */
  recordingRequired: boolean;
  /** Clipboard text may pass in interact (the customer can turn it off). */
  clipboard: boolean;
  /** The customer's keyboard and mouse are held for this member (the one holding control). */
  inputBlock: { by: string } | null;
  invitations: InvitationView[];
  requests: PendingRequest[];
  files: FileOffer[];
  /** Staff-only details; null for the customer, invitees and external representatives. */
  details: { origin: SessionOrigin | null; agentId: string | null; teams: string[]; queue: QueueRef | null } | null;
  ended: { reason: EndReason; lockDesktop: boolean } | null;
}

function roleOf(state: SessionState, viewer: ActorRef): ViewerRole {
  const m = state.members[viewer.id];
  if (m) return m.role;
  if (viewer.kind === 'customer' && (state.customer?.id === viewer.id || (state.agentId !== null && state.agentId === viewer.id))) return 'customer';
  if (Object.values(state.invitations).some((i) => isInvitee(i, viewer))) return 'invitee';
  return isRepresentative(viewer.kind) ? 'staff' : 'none';
}

/**
 * What one viewer may see. Staff (members, supervisors, admins) see everything but credentials, which the
 * state never holds. An invitee sees only its own invitation; the customer sees who is in and the pending
 * requests it must answer; an external representative sees no ids of the desktop and no invitations.
 */
export function viewFor(state: SessionState, viewer: ActorRef): SessionView {
  const you = roleOf(state, viewer);
  const staff = you === 'owner' || you === 'participant' || you === 'observer' || you === 'staff';
  const invitations = Object.values(state.invitations)
    .filter((i) => staff || (you === 'invitee' && isInvitee(i, viewer)))
    .map((i) => ({ inviteId: i.inviteId, senderId: i.senderId, target: i.target, sentAt: i.sentAt }));
  const seesSession = staff || you === 'customer' || you === 'external';
  const c = state.customer;
  return {
    sessionId: state.sessionId,
    seq: state.seq,
    status: state.status,
    mode: state.mode,
    you,
    ownerId: state.ownerId,
    controllerId: controllerOf(state),
    members: seesSession ? Object.values(state.members).map((m) => ({ id: m.id, name: m.name, kind: m.kind, role: m.role })) : [],
    customer: c && seesSession ? { id: staff || you === 'customer' ? c.id : null, name: c.name, connected: c.connected, online: c.online } : null,
    screenVisible: screenRecipients(state).includes(viewer.id),
    screenPaused: state.screenPaused,
    elevated: state.elevated,
    chatOnly: state.chatOnly,
    jumpNotice: state.jumpNotice,
    awaitingAgent: awaitingAgent(state),
    recording: state.recording,
    recordingRequired: state.recording && state.recordingRequired,
    clipboard: state.clipboard,
    inputBlock: state.inputBlock && seesSession ? { by: state.inputBlock.by } : null,
    invitations,
    requests: staff || you === 'customer' ? Object.values(state.requests) : [],
    files: seesSession ? Object.values(state.files) : [],
    details: staff ? { origin: state.origin, agentId: state.agentId, teams: [...state.teams], queue: state.queue } : null,
    ended: state.status === 'ended' && state.endReason ? { reason: state.endReason, lockDesktop: state.lockDesktop } : null,
  };
}

const STAFF_ROLES: readonly ViewerRole[] = ['owner', 'participant', 'observer', 'staff'];

/** The role a viewer has in a session (owner, participant, observer, customer, invitee, staff, none). */
export function viewerRole(state: SessionState, viewer: ActorRef): ViewerRole {
  return roleOf(state, viewer);
}

/**
 * One journaled event as `session.event` shows it to a viewer: staff see it whole; the customer and
 * external representatives see it without the internal team and queue routing.
 */
export function eventFor(state: SessionState, event: SessionEvent, viewer: ActorRef): SessionEvent {
  // An attach code's hash stays in the journal only: nobody is shown it.
  const { codeHash: _hash, ...shown } = event as SessionEvent & { codeHash?: unknown };
  const e = (event.type === 'AttachCodeIssued' ? shown : event) as SessionEvent;
  if (STAFF_ROLES.includes(roleOf(state, viewer))) return e;
  const { teams: _teams, queue: _queue, ...rest } = e as SessionEvent & { teams?: unknown; queue?: unknown };
  return rest as SessionEvent;
}
