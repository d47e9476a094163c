import { Actor } from '../common/actor';
import { SessionCommand } from './session.commands';
import { SessionEvent } from './session.events';
import { Outcome, check, emit, firstFailure, notEnded, owner, started } from './session.guards';
import { SessionState } from './session.state';

type Cmd<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;

/**
 * The owner (or an admin) starts recording the session; the server starts it by policy (a system actor:
 * recording.policy.teams). The RecordingStarted event reaches every member and the customer, so the
 * customer is always told. A recording started by policy cannot be stopped by the owner.
 */
export function startRecording(s: SessionState, c: Cmd<'StartRecording'>, a: Actor): Outcome {
  const bySystem = a.kind === 'system';
  const failure = firstFailure(notEnded(s), started(s), () => (bySystem ? undefined : owner(s, a)()), check(!s.recording, 'ALREADY_RECORDING'));
  const reason = c.reason?.trim();
  return failure ?? emit({ type: 'RecordingStarted', by: bySystem ? 'policy' : a.kind === 'admin' ? 'admin' : 'owner', ...(reason ? { reason } : {}) });
}

/** The owner (or an admin) stops the recording; the server stops it when it reached its size limit. */
export function stopRecording(s: SessionState, _c: Cmd<'StopRecording'>, a: Actor): Outcome {
  const bySystem = a.kind === 'system';
  const failure = firstFailure(
    notEnded(s), () => (bySystem ? undefined : owner(s, a)()), check(s.recording, 'NOT_RECORDING'),
    check(bySystem || a.kind === 'admin' || !s.recordingRequired, 'RECORDING_REQUIRED'),
  );
  return failure ?? emit({ type: 'RecordingStopped', by: bySystem ? 'limit' : a.kind === 'admin' ? 'admin' : 'owner' });
}

/** recording.policy: the teams and Jump Groups whose sessions are recorded from the moment they become active. */
export interface RecordingPolicy {
  teams: readonly string[];
  jumpGroups: readonly string[];
}

/** Events that make a session active: a recording by policy starts with them. */
const ACTIVATING: ReadonlySet<SessionEvent['type']> = new Set(['AssistAccepted', 'JumpStarted', 'SessionTaken']);

/**
 * Whether these just-committed events make the session one that policy records, and why (the reason
 * of the system's StartRecording, which RecordingStarted carries to everyone, the customer included):
 * a session that just became active, not yet recorded, started through a Jump Client of a policy Jump
 * Group (an unattended session; a group's "ask" session is recorded once the customer allows it), or
 * of a policy team. null when policy does not record it.
 */
export function recordingByPolicy(s: SessionState, events: readonly SessionEvent[], policy: RecordingPolicy): string | null {
  if (s.status !== 'active' || s.recording || !events.some((e) => ACTIVATING.has(e.type))) return null;
  if (s.jumpGroupId !== null && policy.jumpGroups.includes(s.jumpGroupId)) return `policy: jump group ${s.jumpGroupId}`;
  const team = s.teams.find((t) => policy.teams.includes(t));
  return team ? `policy: team ${team}` : null;
}
