import { Actor, ActorRef, isRepresentative, toRef } from '../common/actor';
import { Decision, accept, reject } from '../common/decision';
import { hasRight } from '../common/rights';

/**
 * Remote assistance requests (seed 001): a user files one for their own desktop, or an assistant with
 * request.create for another user's; it waits until an assistant launches it (Waiting for Connection),
 * becomes In Progress when the user's agent answers, and on session close goes Inactive, or is deleted
 * when it was a One-Time request.
 */
export type RequestStatus = 'none' | 'open' | 'waiting' | 'in-progress' | 'inactive' | 'closed';

export interface RequestState {
  requestId: string;
  seq: number;
  status: RequestStatus;
  /** The desktop (agent) the request is for, the user's name, and their user id when known (docs/realms.md). */
  owner: RequestOwner | null;
  description: string;
  /** Epoch ms the user is available from; null means any time (shown as *). */
  availableFrom: number | null;
  oneTime: boolean;
  assignee: { id: string; name: string } | null;
  scheduledAt: number | null;
  sessionId: string | null;
  createdBy: ActorRef | null;
  createdAt: number | null;
}

export interface RequestOwner { agentId: string; name: string; email: string | null; userId?: string }

export type RequestCommand =
  | { type: 'FileRequest'; owner: { agentId: string; name: string; email?: string | null; userId?: string }; description: string; availableFrom: number | null; oneTime: boolean }
  | { type: 'EditRequest'; assignee?: { id: string; name: string } | null; scheduledAt?: number | null; status?: 'open' | 'inactive' }
  | { type: 'LaunchRequest'; sessionId: string }
  // The server follows the session (actor: system); `by` is the person who answered or ended it (for the mails).
  | { type: 'SessionAnswered'; sessionId: string; by?: ActorRef }
  | { type: 'SessionClosed'; sessionId: string; accepted: boolean; by?: ActorRef }
  | { type: 'DeleteRequest' };

/** `by`: for changes the server makes as a session goes, the person in the session who caused it. */
interface Base { seq: number; requestId: string; actor: ActorRef; at: number; by?: ActorRef }
export type RequestChange = { assignee?: { id: string; name: string } | null; scheduledAt?: number | null; status?: RequestStatus };
export type RequestEvent =
  | (Base & { type: 'RequestFiled'; owner: RequestOwner; description: string; availableFrom: number | null; oneTime: boolean })
  // `previous`: the assignee before, when the assignee changed (they are told too).
  | (Base & { type: 'RequestEdited'; changes: RequestChange; previous?: { assignee: { id: string; name: string } | null } })
  | (Base & { type: 'RequestLaunched'; sessionId: string })
  | (Base & { type: 'RequestInProgress'; sessionId: string })
  | (Base & { type: 'RequestInactive'; sessionId: string | null })
  | (Base & { type: 'RequestClosed'; reason: 'one-time-done' | 'deleted' });

export function initialRequestState(requestId: string): RequestState {
  return { requestId, seq: 0, status: 'none', owner: null, description: '', availableFrom: null, oneTime: false, assignee: null, scheduledAt: null, sessionId: null, createdBy: null, createdAt: null };
}

/** The user whose desktop it is: the customer acting for that agent. */
const isOwner = (s: RequestState, a: Actor): boolean => a.kind === 'customer' && s.owner !== null && s.owner.agentId === a.id;
const live = (s: RequestState): boolean => s.status !== 'none' && s.status !== 'closed';

/**
 * Who may know of a request: its owner, and assistants with request.view (admins see all). They are told
 * of every change, its close too, so their lists drop it; a closed request is no longer listed (see requestListedFor).
 */
export function requestVisibleTo(s: RequestState, a: Actor): boolean {
  return s.status !== 'none' && (isOwner(s, a) || (isRepresentative(a.kind) && hasRight(a, 'request.view')));
}

/**
 * Whether a request is on the actor's list ("My remote assistance requests", the Requests board): one they may
 * see that is not closed. A deleted request, or a One-Time one whose session closed, is "deleted from the list".
 */
export function requestListedFor(s: RequestState, a: Actor): boolean {
  return live(s) && requestVisibleTo(s, a);
}

export function decideRequest(s: RequestState, c: RequestCommand, a: Actor, now: number): Decision<RequestEvent> {
  const base = { seq: s.seq + 1, requestId: s.requestId, actor: toRef(a), at: now };
  switch (c.type) {
    case 'FileRequest': {
      if (s.status !== 'none') return reject('DUPLICATE_ID');
      const forSelf = a.kind === 'customer' && a.id === c.owner.agentId;
      if (!forSelf && !(isRepresentative(a.kind) && hasRight(a, 'request.create'))) return reject('FORBIDDEN');
      return accept([{ ...base, type: 'RequestFiled', owner: { agentId: c.owner.agentId, name: c.owner.name, email: c.owner.email ?? null, ...(c.owner.userId ? { userId: c.owner.userId } : {}) }, description: c.description, availableFrom: c.availableFrom, oneTime: c.oneTime }]);
    }
    case 'EditRequest': {
      if (!live(s)) return reject('UNKNOWN_REQUEST');
      if (!(isRepresentative(a.kind) && hasRight(a, 'request.edit'))) return reject('FORBIDDEN');
      const changes: RequestChange = {};
      if (c.assignee !== undefined && JSON.stringify(c.assignee) !== JSON.stringify(s.assignee)) changes.assignee = c.assignee;
      if (c.scheduledAt !== undefined && c.scheduledAt !== s.scheduledAt) changes.scheduledAt = c.scheduledAt;
      if (c.status !== undefined && c.status !== s.status) {
        if (s.status === 'waiting' || s.status === 'in-progress') return reject('NOT_ACTIVE');
        changes.status = c.status;
      }
      if (Object.keys(changes).length === 0) return accept([]);
      return accept([{ ...base, type: 'RequestEdited', changes, ...(changes.assignee !== undefined ? { previous: { assignee: s.assignee } } : {}) }]);
    }
    case 'LaunchRequest': {
      if (!live(s)) return reject('UNKNOWN_REQUEST');
      if (!(isRepresentative(a.kind) && hasRight(a, 'request.view'))) return reject('FORBIDDEN');
      if (s.status === 'waiting' || s.status === 'in-progress') return reject('SESSION_EXISTS');
      return accept([{ ...base, type: 'RequestLaunched', sessionId: c.sessionId }]);
    }
    case 'SessionAnswered':
      if (a.kind !== 'system') return reject('FORBIDDEN');
      if (s.status !== 'waiting' || s.sessionId !== c.sessionId) return accept([]);
      return accept([{ ...base, ...(c.by ? { by: c.by } : {}), type: 'RequestInProgress', sessionId: c.sessionId }]);
    case 'SessionClosed': {
      if (a.kind !== 'system') return reject('FORBIDDEN');
      if ((s.status !== 'waiting' && s.status !== 'in-progress') || s.sessionId !== c.sessionId) return accept([]);
      // A launch nobody answered (declined, cancelled by the technician, the customer gone before answering)
      // goes back to waiting-for-launch; only a session that ran closes the request (seed 001).
      const by = c.by ? { by: c.by } : {};
      if (!c.accepted || s.status === 'waiting') return accept([{ ...base, ...by, type: 'RequestEdited', changes: { status: 'open' } }]);
      return accept([s.oneTime ? { ...base, ...by, type: 'RequestClosed', reason: 'one-time-done' } : { ...base, ...by, type: 'RequestInactive', sessionId: c.sessionId }]);
    }
    case 'DeleteRequest': {
      if (!live(s)) return reject('UNKNOWN_REQUEST');
      if (!isOwner(s, a) && !(isRepresentative(a.kind) && hasRight(a, 'request.delete'))) return reject('FORBIDDEN');
      return accept([{ ...base, type: 'RequestClosed', reason: 'deleted' }]);
    }
    default:
      return reject('UNKNOWN_COMMAND');
  }
}

/** Applies a request event. Total. */
export function evolveRequest(s: RequestState, e: RequestEvent): RequestState {
  const seq = typeof e?.seq === 'number' ? Math.max(s.seq, e.seq) : s.seq;
  switch (e?.type) {
    case 'RequestFiled':
      return { ...s, seq, status: 'open', owner: e.owner, description: e.description, availableFrom: e.availableFrom, oneTime: e.oneTime, createdBy: e.actor, createdAt: e.at };
    case 'RequestEdited':
      return { ...s, seq, ...(e.changes.assignee !== undefined ? { assignee: e.changes.assignee } : {}), ...(e.changes.scheduledAt !== undefined ? { scheduledAt: e.changes.scheduledAt } : {}), ...(e.changes.status ? { status: e.changes.status } : {}), ...(e.changes.status === 'open' ? { sessionId: null } : {}) };
    case 'RequestLaunched':
      return { ...s, seq, status: 'waiting', sessionId: e.sessionId };
    case 'RequestInProgress':
      return { ...s, seq, status: 'in-progress' };
    case 'RequestInactive':
      return { ...s, seq, status: 'inactive', sessionId: null };
    case 'RequestClosed':
      return { ...s, seq, status: 'closed', sessionId: null };
    default:
      return s;
  }
}
