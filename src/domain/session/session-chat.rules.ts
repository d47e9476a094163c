import { Actor } from '../common/actor';
import { ALLOWED, Authorization, reject } from '../common/decision';
import { MAX_FILE_BYTES, SessionCommand } from './session.commands';
import { Outcome, active, check, emit, firstFailure, isCustomerActor, isMember, memberOrCustomer, notEnded } from './session.guards';
import { SessionEventBody } from './session.events';
import { FileOffer, SessionState } from './session.state';

type Cmd<T extends SessionCommand['type']> = Extract<SessionCommand, { type: T }>;

const chatOpen = (s: SessionState) => check(s.status === 'active' || s.status === 'queued', 'NOT_ACTIVE');

/** Chat from any member and the customer, while the session is active or waiting in a queue. */
export function sendChat(s: SessionState, c: Cmd<'SendChat'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), memberOrCustomer(s, a), chatOpen(s), check(!s.messageIds.includes(c.messageId), 'DUPLICATE_ID'));
  return failure ?? emit({ type: 'ChatSent', messageId: c.messageId, text: c.text });
}

/** A file offer with name, size and checksum, from a taking-part member or the customer. */
export function offerFile(s: SessionState, c: Cmd<'OfferFile'>, a: Actor): Outcome {
  const observer = s.members[a.id]?.role === 'observer';
  const failure = firstFailure(
    notEnded(s), memberOrCustomer(s, a), check(!observer, 'NOT_PARTICIPANT'), active(s),
    check(s.files[c.fileId] === undefined, 'DUPLICATE_ID'), check(c.size >= 0 && c.size <= MAX_FILE_BYTES, 'FILE_TOO_LARGE'),
  );
  return failure ?? emit({ type: 'FileOffered', fileId: c.fileId, name: c.name, size: c.size, sha256: c.sha256 });
}

/** The other side answers: the customer answers a technician's offer, a member answers the customer's. */
export function respondFile(s: SessionState, c: Cmd<'RespondFile'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), memberOrCustomer(s, a));
  if (failure) return failure;
  const file = s.files[c.fileId];
  if (!file) return reject('UNKNOWN_FILE');
  // An offer withdrawn (its sender left or was removed, the customer was disconnected) takes no answer.
  if (file.status === 'failed') return reject('FILE_FAILED');
  if (file.status !== 'offered') return reject('FILE_ANSWERED');
  return notReceiver(s, file, a) ?? emit({ type: 'FileAnswered', fileId: c.fileId, accept: c.accept });
}

/** The other side of a file: a member for the customer's, the customer (seat or desktop agent) for a technician's. */
function notReceiver(s: SessionState, file: FileOffer, a: Actor): Outcome | undefined {
  if (fromCustomer(s, file)) return isMember(s, a.id) ? undefined : reject('NOT_MEMBER');
  return isCustomerActor(s, a) ? undefined : reject('NOT_CUSTOMER');
}

const fromCustomer = (s: SessionState, file: FileOffer): boolean => s.customer !== null && file.from === s.customer.id;

/**
 * The receiver reports how an accepted file arrived: the customer for a technician's file (their desktop
 * agent checked the SHA-256 and saved it, under `savedAs`), a member for the customer's. Once, while the
 * session lasts; the report is journaled with the file's name and the outcome, never its content.
 */
export function reportFile(s: SessionState, c: Cmd<'ReportFile'>, a: Actor): Outcome {
  const failure = firstFailure(notEnded(s), memberOrCustomer(s, a));
  if (failure) return failure;
  const file = s.files[c.fileId];
  if (!file) return reject('UNKNOWN_FILE');
  const refused = notReceiver(s, file, a);
  if (refused) return refused;
  if (file.status === 'delivered' || file.status === 'failed') return reject('FILE_REPORTED');
  if (file.status !== 'accepted') return reject('FILE_NOT_ACCEPTED');
  const r = c.result;
  return r.ok
    ? emit({ type: 'FileDelivered', fileId: file.fileId, name: file.name, ...(r.savedAs !== undefined && !fromCustomer(s, file) ? { savedAs: r.savedAs } : {}) })
    : emit({ type: 'FileFailed', fileId: file.fileId, name: file.name, code: r.code });
}

/**
 * Files that can no longer finish fail as CANCELLED, so everyone learns it. The session's end cancels those on
 * their way (an offer still unanswered ends with the session). When its sender can no longer send — the customer
 * disconnected (every file goes to or comes from the desktop: all of them), a member who left or was removed
 * (`fromId`: those it offered) — its offers not yet answered are withdrawn the same way, so none is accepted later.
 */
export function cancelFiles(s: SessionState, scope: { fromId?: string; offers: boolean }): SessionEventBody[] {
  const open = (f: FileOffer): boolean => f.status === 'accepted' || (scope.offers && f.status === 'offered');
  return Object.values(s.files)
    .filter((f) => open(f) && (scope.fromId === undefined || f.from === scope.fromId))
    .map((f) => ({ type: 'FileFailed', fileId: f.fileId, name: f.name, code: 'CANCELLED' }));
}

/** The actor still takes part: a member now, or the customer (its seat or its desktop agent) not disconnected. */
const stillIn = (s: SessionState, actorId: string): boolean =>
  isMember(s, actorId) || (s.customer !== null && s.customer.connected && (s.customer.id === actorId || s.agentId === actorId));

/**
 * May this actor send these bytes of a file now (not journaled)? Only the one who offered it, while it still
 * takes part, only after the receiver accepted it and before it reported a result or the file was cancelled
 * (its sender leaving cancels it: FILE_FAILED), only within its announced size, only while the session is not ended.
 */
export function authorizeFileChunk(s: SessionState, actorId: string, fileId: string, offset: number, length: number): Authorization {
  if (s.status === 'ended') return reject('SESSION_ENDED');
  const file = s.files[fileId];
  if (!file) return reject('UNKNOWN_FILE');
  if (file.from === actorId && file.status === 'failed') return reject('FILE_FAILED');
  // Bytes come from who takes part now, not from who once offered (a journal written before leaving cancelled files).
  if (!stillIn(s, actorId)) return reject('NOT_MEMBER');
  if (file.from !== actorId || file.status !== 'accepted') return reject('FILE_NOT_ACCEPTED');
  if (offset < 0 || length < 0 || offset + length > file.size) return reject('FILE_TOO_LARGE');
  return ALLOWED;
}

/** Who receives a file's bytes: the customer for a representative's file, the members for the customer's. */
export function fileReceivers(s: SessionState, fileId: string): { customer: boolean; memberIds: string[] } {
  const file = s.files[fileId];
  if (!file) return { customer: false, memberIds: [] };
  const fromCustomer = s.customer !== null && file.from === s.customer.id;
  return fromCustomer ? { customer: false, memberIds: Object.keys(s.members).sort() } : { customer: true, memberIds: [] };
}
