import { Actor } from '../common/actor';
import { SessionCommand } from './session.commands';
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
