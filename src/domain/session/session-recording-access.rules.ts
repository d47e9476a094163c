import { Actor } from '../common/actor';
import { Rejection, reject } from '../common/decision';
import { hasRight } from '../common/rights';
import { SessionState } from './session.state';

/** What is done with a recording's file: played in a browser, or exported (downloaded) as the file. Both hand its content out. */
export type RecordingAccessPurpose = 'play' | 'export';

export interface RecordingAccessRequest {
  purpose: RecordingAccessPurpose;
  /** The reason or ticket number the caller gave, if any. */
  reason?: string;
  /** policy.reasonRequired.recordingExport: every access to a recording's content needs a reason. */
  reasonRequired: boolean;
}

/** Allowed, with the trimmed reason to write into the audit entry (never the recording's content). */
export type RecordingAccessDecision = { ok: true; reason?: string } | { rejection: Rejection };

/**
 * Who may play or export a session's recording (docs/recording.md, rows REC-ACCESS-* in rules.md):
 * admins any recording (also one whose session the journal no longer knows: `state` null); the
 * session's owner and members; supervisors of one of the session's teams (with `session.watch`,
 * the right that lets them watch it live). Customers, external representatives and other staff
 * never. Where policy requires it, a reason or ticket number, which the audit entry keeps.
 */
export function authorizeRecordingAccess(state: SessionState | null, actor: Actor, req: RecordingAccessRequest): RecordingAccessDecision {
  const mayAccess = actor.kind === 'admin' || (state !== null && mayAccessSession(state, actor));
  if (!mayAccess) return reject(actor.kind === 'technician' || actor.kind === 'supervisor' ? 'NOT_MEMBER' : 'FORBIDDEN');
  const reason = req.reason?.trim().slice(0, 200);
  if (req.reasonRequired && !reason) return reject('REASON_REQUIRED');
  return reason ? { ok: true, reason } : { ok: true };
}

function mayAccessSession(state: SessionState, actor: Actor): boolean {
  if (actor.kind !== 'technician' && actor.kind !== 'supervisor') return false;
  if (state.ownerId === actor.id || state.members[actor.id] !== undefined) return true;
  return actor.kind === 'supervisor' && hasRight(actor, 'session.watch') && actor.teams.some((t) => state.teams.includes(t));
}
