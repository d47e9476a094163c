import { Actor } from '../common/actor';
import { reject } from '../common/decision';
import { hasRight } from '../common/rights';
import { SessionCommand } from './session.commands';
import { Outcome, active, check, customerOrSystem, customerPresent, emit, firstFailure, memberOrCustomer, notEnded, participant, requestIdFree } from './session.guards';
import { SessionState, ShellCloseReason } from './session.state';

type Cmd<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;

/**
 * A technician asks for elevation by prompting the customer or by supplying credentials. The credentials
 * go to the agent out of band; they never enter an event, a view or a rejection. In a click-to-chat
 * session the only elevation is to the full client (screen sharing).
 */
export function requestElevation(s: SessionState, c: Cmd<'RequestElevation'>, a: Actor): Outcome {
  const scope = c.scope ?? (s.chatOnly ? 'full-client' : 'admin');
  const failure = firstFailure(
    notEnded(s), participant(s, a), check(hasRight(a, 'session.elevate'), 'FORBIDDEN'), active(s),
    check(s.customer?.connected !== false, 'CUSTOMER_OFFLINE'),
    check(scope === 'full-client' || !s.chatOnly, 'CHAT_ONLY'),
    check(scope === 'admin' ? !s.elevated : s.chatOnly, 'ALREADY_ELEVATED'),
    requestIdFree(s, c.requestId),
    check(!Object.values(s.requests).some((r) => r.kind === 'elevation'), 'REQUEST_PENDING'),
    check(c.method === 'prompt' || (!!c.credentials?.username && !!c.credentials?.password), 'CREDENTIALS_REQUIRED'),
    check(!c.reasonRequired || !!c.reason?.trim(), 'REASON_REQUIRED'),
  );
  return failure ?? emit({ type: 'ElevationRequested', requestId: c.requestId, method: c.method, scope, ...(c.reason?.trim() ? { reason: c.reason.trim() } : {}) });
}

/** The customer (prompted) or the agent (having checked the credentials) grants or denies elevation. */
export function respondElevation(s: SessionState, c: Cmd<'RespondElevation'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), customerOrSystem(s, a));
  if (failure) return failure;
  const request = s.requests[c.requestId];
  if (!request || request.kind !== 'elevation') return reject('UNKNOWN_REQUEST');
  return emit({ type: 'ElevationAnswered', requestId: c.requestId, allow: c.allow, scope: request.scope });
}

/** A member or the customer drops the admin session. */
export function endElevation(s: SessionState, _c: Cmd<'EndElevation'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), () => (a.kind === 'system' ? undefined : memberOrCustomer(s, a)()), check(s.elevated, 'NOT_ELEVATED'));
  return failure ?? emit({ type: 'ElevationEnded' });
}

/**
 * Restart, process list / task manager, command shell and protected windows need an elevated session
 * whose customer is still there (not disconnected by the owner, desktop online); never from an external representative.
 */
export function adminAction(s: SessionState, c: Cmd<'AdminAction'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), participant(s, a), check(a.kind !== 'external', 'FORBIDDEN'), active(s), customerPresent(s), check(s.elevated, 'NOT_ELEVATED'));
  return failure ?? emit({ type: 'AdminActionPerformed', action: c.action });
}

/** A command shell is an admin action; the audit keeps a reference to its output transcript (the journal never holds what is typed). */
export function openShell(s: SessionState, c: Cmd<'OpenShell'>, a: Actor): Outcome {
  const allowed = adminAction(s, { type: 'AdminAction', action: 'command-shell' }, a);
  if ('rejection' in allowed) return allowed;
  if ((s.shells ?? {})[c.shellId] !== undefined) return reject('DUPLICATE_ID');
  return emit(...allowed.events, { type: 'ShellOpened', shellId: c.shellId, transcript: c.transcript });
}

/** The server closes the record of a shell that ended (also after the session ended: the audit is completed). */
export function closeShell(s: SessionState, c: Cmd<'CloseShell'>, a: Actor): Outcome {
  if (a.kind !== 'system') return reject('FORBIDDEN');
  const transcript = (s.shells ?? {})[c.shellId];
  if (transcript === undefined) return reject('UNKNOWN_SHELL');
  const truncated = c.truncated && c.truncated.omittedBytes > 0 ? { truncated: { omittedBytes: c.truncated.omittedBytes } } : {};
  const gaps = c.gaps && c.gaps.omittedBytes > 0 ? { gaps: { omittedBytes: c.gaps.omittedBytes } } : {};
  return emit({ type: 'ShellClosed', shellId: c.shellId, transcript, bytes: c.bytes, reason: c.reason, ...truncated, ...gaps });
}

/** Why an exited shell closed, read from the state the exit arrives in: the session's end, the customer's disconnection, elevation's end, or its own exit. */
export function shellCloseReason(s: SessionState): ShellCloseReason {
  if (s.status === 'ended') return 'session-ended';
  if (s.customer?.connected === false) return 'customer-disconnected';
  return s.elevated ? 'exit' : 'elevation-ended';
}
