/** The shapes of docs/protocol.md the pages read (a subset, kept loose where the pages do not care). */
export type Mode = 'hold' | 'observe' | 'interact';
export type Role = 'owner' | 'participant' | 'observer' | 'external' | 'customer' | 'invitee' | 'staff' | 'none';
export interface ActorRef { kind: string; id: string; name: string }
export interface Member { id: string; name: string; kind: string; role: 'owner' | 'participant' | 'observer' | 'external' }
export type QueueRef = { kind: 'team'; teamId: string } | { kind: 'personal'; userId: string };
export type InviteTarget = { kind: 'representative'; userId: string; name?: string } | { kind: 'team'; teamId: string } | { kind: 'external'; externalId?: string; name: string };
export type PendingRequest =
  | { requestId: string; kind: 'mode'; by: string; mode: Mode }
  | { requestId: string; kind: 'control'; by: string }
  | { requestId: string; kind: 'elevation'; by: string; method: 'prompt' | 'credentials'; scope: string }
  | { requestId: string; kind: 'input-block'; by: string };
export interface FileOffer { fileId: string; name: string; size: number; sha256: string; from: string; status: 'offered' | 'accepted' | 'refused' }

export interface SessionState {
  sessionId: string;
  seq: number;
  status: 'new' | 'queued' | 'pending' | 'active' | 'ended';
  mode: Mode;
  you: Role;
  ownerId: string | null;
  controllerId: string | null;
  members: Member[];
  customer: { id: string | null; name: string; connected: boolean; online: boolean } | null;
  screenVisible: boolean;
  screenPaused: boolean;
  elevated: boolean;
  chatOnly: boolean;
  jumpNotice: boolean;
  /** Click-to-chat elevated to the full client: waiting for the customer's agent to join (tandem-agent join). */
  awaitingAgent?: boolean;
  /** The server records the session. */
  recording?: boolean;
  /** Started by policy: only an admin may stop it. */
  recordingRequired?: boolean;
  /** Clipboard text may pass in interact (the customer can turn it off). */
  clipboard?: boolean;
  /** The customer's keyboard and mouse are held for this member (the one holding control). */
  inputBlock?: { by: string } | null;
  invitations: Array<{ inviteId: string; senderId: string; target: InviteTarget; sentAt: number }>;
  requests: PendingRequest[];
  files: FileOffer[];
  details: { origin: string | null; agentId: string | null; teams: string[]; queue: QueueRef | null } | null;
  ended: { reason: string; lockDesktop: boolean } | null;
}

/** One `session.event`: the base fields plus the details of its type (src/domain/session/session.events.ts). */
export interface SessionEvent {
  sessionId: string;
  seq: number;
  type: string;
  actor: ActorRef;
  at: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the details differ per type; describeEvent reads them by name.
  [detail: string]: any;
}

export interface OnlineAgent {
  agentId: string;
  hostname: string;
  osUser: string;
  os: string;
  version: string;
  displays: Array<{ index: number; name: string; x?: number; y?: number; width: number; height: number; primary?: boolean }>;
  teams: string[];
  online: boolean;
  since: number;
  offlineSince: number | null;
  status: 'online' | 'grace' | 'offline';
}

export interface QueuedSession {
  sessionId: string;
  status: string;
  agentId: string | null;
  queue: QueueRef;
  teams: string[];
  ownerId: string | null;
  customer: { id?: string; name: string } | string | null;
  mode: Mode;
  since: number;
  updatedAt: number;
}

export const MODE_LABEL: Record<Mode, string> = { hold: 'On hold', observe: 'Observe', interact: 'Interact' };

/**
 * What a running session shows for its mode: a chat-only (click-to-chat) session has no screen and so no
 * mode, and stays Chat only until the customer's agent joins, also once the full client was allowed.
 */
export function sessionModeLabel(s: Pick<SessionState, 'mode' | 'chatOnly' | 'awaitingAgent'>): string {
  return s.chatOnly || s.awaitingAgent ? 'Chat only' : MODE_LABEL[s.mode];
}

export const END_REASON: Record<string, string> = {
  owner: 'the technician ended it',
  customer: 'the customer closed it',
  declined: 'the customer declined',
  admin: 'an administrator ended it',
  'customer-lost': 'the customer’s computer went offline',
  cancelled: 'the request was cancelled',
};

export function queueText(q: QueueRef | null | undefined): string {
  if (!q) return 'a queue';
  return q.kind === 'team' ? `the ${q.teamId} team queue` : `${q.userId}’s personal queue`;
}
