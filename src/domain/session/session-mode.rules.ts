import { Actor } from '../common/actor';
import { reject } from '../common/decision';
import { SessionCommand } from './session.commands';
import { SessionEventBody } from './session.events';
import { Outcome, active, check, customer, customerOrSystem, emit, firstFailure, notEnded, owner, participant, requestIdFree, started } from './session.guards';
import { SessionState, controllerOf } from './session.state';

type Cmd<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;

const pendingOfKind = (s: SessionState, kind: 'mode' | 'control' | 'elevation') => check(!Object.values(s.requests).some((r) => r.kind === kind), 'REQUEST_PENDING');
const screenSession = (s: SessionState) => check(!s.chatOnly, 'CHAT_ONLY');

/** Only the customer sets hold, observe or interact. */
export function setMode(s: SessionState, c: Cmd<'SetMode'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), customer(s, a), active(s), check(c.mode === 'hold' || !s.chatOnly, 'CHAT_ONLY'));
  if (failure) return failure;
  return c.mode === s.mode ? emit() : emit({ type: 'ModeChanged', mode: c.mode, previous: s.mode });
}

/** A technician may ask the customer for a mode. */
export function requestMode(s: SessionState, c: Cmd<'RequestMode'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), participant(s, a), active(s), check(c.mode === 'hold' || !s.chatOnly, 'CHAT_ONLY'), requestIdFree(s, c.requestId), pendingOfKind(s, 'mode'));
  if (failure) return failure;
  return c.mode === s.mode ? emit() : emit({ type: 'ModeRequested', requestId: c.requestId, mode: c.mode });
}

/** The customer allows or denies a mode request. */
export function respondModeRequest(s: SessionState, c: Cmd<'RespondModeRequest'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), customer(s, a));
  if (failure) return failure;
  const request = s.requests[c.requestId];
  if (!request || request.kind !== 'mode') return reject('UNKNOWN_REQUEST');
  const answer: SessionEventBody = { type: 'ModeRequestAnswered', requestId: c.requestId, allow: c.allow };
  return c.allow && request.mode !== s.mode ? emit(answer, { type: 'ModeChanged', mode: request.mode, previous: s.mode }) : emit(answer);
}

/** A technician asks the customer for control (interact mode with the requester holding control). */
export function requestControl(s: SessionState, c: Cmd<'RequestControl'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), participant(s, a), active(s), screenSession(s), requestIdFree(s, c.requestId), pendingOfKind(s, 'control'));
  if (failure) return failure;
  if (s.mode === 'interact' && controllerOf(s) === a.id) return emit();
  return emit({ type: 'ControlRequested', requestId: c.requestId });
}

/** The customer allows or denies control; allowing switches to interact and gives control to the requester. */
export function respondControl(s: SessionState, c: Cmd<'RespondControl'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), customer(s, a));
  if (failure) return failure;
  const request = s.requests[c.requestId];
  if (!request || request.kind !== 'control') return reject('UNKNOWN_REQUEST');
  const events: SessionEventBody[] = [{ type: 'ControlRequestAnswered', requestId: c.requestId, allow: c.allow }];
  if (c.allow && s.mode !== 'interact') events.push({ type: 'ModeChanged', mode: 'interact', previous: s.mode });
  if (c.allow && controllerOf(s) !== request.by) events.push({ type: 'ControlGranted', memberId: request.by });
  return emit(...events);
}

/** The owner hands control to another taking-part member (or back to themself). */
export function handControl(s: SessionState, c: Cmd<'HandControl'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), owner(s, a), active(s));
  if (failure) return failure;
  const target = s.members[c.memberId];
  if (!target) return reject('UNKNOWN_MEMBER');
  if (target.role === 'observer') return reject('NOT_PARTICIPANT');
  return controllerOf(s) === c.memberId ? emit() : emit({ type: 'ControlGranted', memberId: c.memberId });
}

/** The agent reports that capture became impossible (a secure desktop: shown as paused) or possible again. */
export function reportScreen(s: SessionState, c: Cmd<'ReportScreen'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), started(s), customerOrSystem(s, a));
  if (failure) return failure;
  if (c.paused === s.screenPaused) return emit();
  return c.paused ? emit({ type: 'ScreenPaused', reason: c.reason ?? null }) : emit({ type: 'ScreenResumed' });
}

/** The agent's connection went away or came back (the grace period is the presence aggregate's business). */
export function customerConnection(s: SessionState, c: Cmd<'CustomerConnection'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), started(s), customerOrSystem(s, a));
  if (failure) return failure;
  return s.customer!.online === c.online ? emit() : emit({ type: 'CustomerConnectionChanged', online: c.online });
}
