import { ActorKind } from '../common/actor';
import { QueueRef } from '../common/queue-ref';

export type SessionStatus = 'new' | 'queued' | 'pending' | 'active' | 'ended';
export type Mode = 'hold' | 'observe' | 'interact';
export type RequestedAction = 'view' | 'control';
export type SessionOrigin = 'selection' | 'pin' | 'code' | 'support-button' | 'click-to-chat' | 'jump';

/** owner: the one owner; participant: an invited or former-owner representative; observer: a supervisor watching; external: a one-time representative. */
export type MemberRole = 'owner' | 'participant' | 'observer' | 'external';

export interface Member {
  id: string;
  kind: ActorKind;
  name: string;
  role: MemberRole;
}

export type InviteTarget =
  | { kind: 'representative'; userId: string; name?: string }
  | { kind: 'team'; teamId: string }
  | { kind: 'external'; externalId: string; name: string };

export interface Invitation {
  inviteId: string;
  senderId: string;
  target: InviteTarget;
  sentAt: number;
}

export type PendingRequest =
  | { requestId: string; kind: 'mode'; by: string; mode: Mode }
  | { requestId: string; kind: 'control'; by: string }
  | { requestId: string; kind: 'elevation'; by: string; method: 'prompt' | 'credentials'; scope: ElevationScope }
  | { requestId: string; kind: 'input-block'; by: string };

export type ElevationScope = 'admin' | 'full-client';

export interface FileOffer {
  fileId: string;
  name: string;
  size: number;
  sha256: string;
  from: string;
  /** `delivered`, `failed`: the receiver's report (or the session's end, `CANCELLED`) settled it. */
  status: 'offered' | 'accepted' | 'refused' | 'delivered' | 'failed';
  /** The name the customer's desktop saved a technician's file under (delivered only). */
  savedAs?: string;
  /** Why it failed (failed only). */
  failure?: FileFailure;
}

/**
 * Why an accepted file did not arrive: its bytes do not hash to the offer's SHA-256, their count is not its
 * size, the receiver could not write it, or the transfer stopped first (the session ended, the customer was
 * disconnected, its sender left).
 */
export type FileFailure = 'HASH_MISMATCH' | 'SIZE_MISMATCH' | 'WRITE_FAILED' | 'CANCELLED';

/** What the receiver of a file reports once it checked it: saved (as what, at the desktop), or failed and why. */
export type FileResult = { ok: true; savedAs?: string } | { ok: false; code: FileFailure };

export interface CustomerSeat {
  id: string;
  name: string;
  /** False once the owner disconnected the customer: the customer has no more rights in the session. */
  connected: boolean;
  /** The agent's connection; false while it is away (grace period). */
  online: boolean;
}

export type EndReason = 'owner' | 'customer' | 'declined' | 'admin' | 'customer-lost' | 'cancelled';

/** The state of one session, rebuilt by folding its events with evolve. */
export interface SessionState {
  sessionId: string;
  seq: number;
  status: SessionStatus;
  origin: SessionOrigin | null;
  agentId: string | null;
  ownerId: string | null;
  members: Record<string, Member>;
  customer: CustomerSeat | null;
  teams: string[];
  queue: QueueRef | null;
  mode: Mode;
  requestedAction: RequestedAction;
  /** The member holding control when it is not the owner; null means the owner holds it. */
  controllerId: string | null;
  invitations: Record<string, Invitation>;
  requests: Record<string, PendingRequest>;
  elevated: boolean;
  chatOnly: boolean;
  screenPaused: boolean;
  jumpNotice: boolean;
  files: Record<string, FileOffer>;
  messageIds: string[];
  removedIds: string[];
  endReason: EndReason | null;
  lockDesktop: boolean;
  /** The customer lets clipboard text pass in interact (ClipboardSet); on until they turn it off. */
  clipboard: boolean;
  /** The server records the session's screen and events (docs/recording.md). */
  recording: boolean;
  /** Started by policy (recording.policy.teams): the owner may not stop it, only an admin. */
  recordingRequired: boolean;
  /** The live one-time code (its hash) a click-to-chat customer's agent joins with; used once. */
  attachCode: AttachCode | null;
  /** The Jump Group whose pinned Jump Client started the session (recording.policy.jumpGroups); null otherwise. */
  jumpGroupId: string | null;
  /** The customer's physical keyboard and mouse are held for `by`, the member holding control (InputBlocked). */
  inputBlock: { by: string } | null;
  /** Open command shells: shellId → the reference of its output transcript. */
  shells: Record<string, string>;
}

/** A click-to-chat session's attach code: only its hash, the mode the customer chose, its expiry. */
export interface AttachCode {
  codeHash: string;
  mode: Mode;
  expiresAt: number;
  used: boolean;
}

/** The state before the first event: nothing started. */
export function initialSessionState(sessionId: string): SessionState {
  return {
    sessionId, seq: 0, status: 'new', origin: null, agentId: null, ownerId: null, members: {}, customer: null, teams: [],
    queue: null, mode: 'hold', requestedAction: 'view', controllerId: null, invitations: {}, requests: {}, elevated: false,
    chatOnly: false, screenPaused: false, jumpNotice: false, files: {}, messageIds: [], removedIds: [], endReason: null, lockDesktop: false,
    recording: false, recordingRequired: false, clipboard: true, attachCode: null, inputBlock: null,
    jumpGroupId: null, shells: {},
  };
}

/** The member holding control right now: the handed-to member, else the owner. */
export function controllerOf(state: SessionState): string | null {
  return state.controllerId ?? state.ownerId;
}

/** The customer still takes part (not disconnected by the owner) and their desktop is online. */
export function isCustomerPresent(state: SessionState): boolean {
  return state.customer !== null && state.customer.connected && state.customer.online;
}

/** Why elevation ended when no one asked for it: the owner disconnected the customer (absent: a member or the customer ended it). */
export type ElevationEndReason = 'customer-disconnected';

/** Why a command shell closed: it exited, or elevation, the customer's part or the session ended. */
export type ShellCloseReason = 'exit' | 'elevation-ended' | 'customer-disconnected' | 'session-ended';
