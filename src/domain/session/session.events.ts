import { ActorRef } from '../common/actor';
import { QueueRef } from '../common/queue-ref';
import { AdminActionKind } from './session.commands';
import { ElevationEndReason, ElevationScope, EndReason, FileFailure, InviteTarget, MemberRole, Mode, RequestedAction, ShellCloseReason } from './session.state';

/** What every session event carries. */
export interface EventBase {
  seq: number;
  sessionId: string;
  actor: ActorRef;
  at: number;
}

/** Who started a recording: the owner (or an admin) on request, or the server by policy (recording.policy.teams). */
export type RecordingStartedBy = 'owner' | 'admin' | 'policy';
/** Who stopped it: the owner, an admin, or the server when the recording reached recording.maxBytes. */
export type RecordingStoppedBy = 'owner' | 'admin' | 'limit';

/**
 * Why the customer's input was let go: asked by the technician or the customer, the customer's
 * emergency keys on the desktop, the agent unable to hold it, or a change that ends the block by rule.
 */
export type InputReleaseReason =
  | 'technician' | 'customer' | 'emergency-key' | 'unavailable'
  | 'mode-change' | 'hold' | 'control-change' | 'session-end' | 'agent-exit';

export type InvitationRevokeReason = 'sender-left' | 'transferred' | 'session-ended';

/** Every session event. Events never carry credentials. */
export type SessionEvent =
  | (EventBase & { type: 'AssistRequested'; agentId: string; customer: { id: string; name: string }; via: 'selection' | 'pin' | 'code'; action: RequestedAction; owner: ActorRef; teams: string[] })
  | (EventBase & { type: 'SessionOpened'; origin: 'support-button' | 'click-to-chat'; agentId: string | null; customer: { id: string; name: string }; queue: QueueRef; chatOnly: boolean; buttonId: string | null })
  | (EventBase & { type: 'JumpStarted'; jumpClientId: string; agentId: string; consent: 'notify' | 'ask'; owner: ActorRef; customer: { id: string; name: string }; teams: string[]; reason?: string; jumpGroupId?: string })
  | (EventBase & { type: 'AssistAccepted' })
  | (EventBase & { type: 'AssistDeclined' })
  | (EventBase & { type: 'ModeChanged'; mode: Mode; previous: Mode })
  | (EventBase & { type: 'ModeRequested'; requestId: string; mode: Mode })
  | (EventBase & { type: 'ModeRequestAnswered'; requestId: string; allow: boolean })
  | (EventBase & { type: 'ControlRequested'; requestId: string })
  | (EventBase & { type: 'ControlRequestAnswered'; requestId: string; allow: boolean })
  | (EventBase & { type: 'ControlGranted'; memberId: string })
  | (EventBase & { type: 'ChatSent'; messageId: string; text: string })
  | (EventBase & { type: 'FileOffered'; fileId: string; name: string; size: number; sha256: string })
  | (EventBase & { type: 'FileAnswered'; fileId: string; accept: boolean })
  /** The receiver checked the file and kept it; `savedAs`: the name the customer's desktop gave it in Downloads. Never the content. */
  | (EventBase & { type: 'FileDelivered'; fileId: string; name: string; savedAs?: string })
  /** The file did not arrive intact (the receiver's report), or stopped arriving (CANCELLED). */
  | (EventBase & { type: 'FileFailed'; fileId: string; name: string; code: FileFailure })
  | (EventBase & { type: 'InvitationSent'; inviteId: string; target: InviteTarget })
  | (EventBase & { type: 'InvitationCancelled'; inviteId: string })
  | (EventBase & { type: 'InvitationRevoked'; inviteId: string; reason: InvitationRevokeReason })
  | (EventBase & { type: 'InvitationAccepted'; inviteId: string; member: ActorRef; role: MemberRole })
  | (EventBase & { type: 'InvitationDeclined'; inviteId: string })
  | (EventBase & { type: 'MemberRemoved'; memberId: string })
  | (EventBase & { type: 'MemberLeft'; memberId: string })
  | (EventBase & { type: 'SupervisorJoined'; member: ActorRef })
  | (EventBase & { type: 'CustomerDisconnected'; customerId: string })
  | (EventBase & { type: 'CustomerConnectionChanged'; online: boolean })
  | (EventBase & { type: 'SessionTransferred'; from: string; to: QueueRef })
  | (EventBase & { type: 'SessionTaken'; by: ActorRef; queue: QueueRef; teams: string[] })
  | (EventBase & { type: 'SessionHeld'; queue: QueueRef })
  | (EventBase & { type: 'SessionEnded'; reason: EndReason; lockDesktop: boolean; releaseClient: boolean })
  | (EventBase & { type: 'ElevationRequested'; requestId: string; method: 'prompt' | 'credentials'; scope: ElevationScope; reason?: string })
  | (EventBase & { type: 'ElevationAnswered'; requestId: string; allow: boolean; scope: ElevationScope })
  | (EventBase & { type: 'ElevationEnded'; reason?: ElevationEndReason })
  | (EventBase & { type: 'AdminActionPerformed'; action: AdminActionKind })
  | (EventBase & { type: 'ShellOpened'; shellId: string; transcript: string })
  /**
   * `truncated`: the transcript reached its cap (`shell.transcriptMaxBytes`), `omittedBytes` of output after it are not kept;
   * `gaps`: `omittedBytes` of output were left out while the disk was behind (each gap is marked in the file).
   */
  | (EventBase & { type: 'ShellClosed'; shellId: string; transcript: string; bytes: number; reason: ShellCloseReason; truncated?: { omittedBytes: number }; gaps?: { omittedBytes: number } })
  | (EventBase & { type: 'ScreenPaused'; reason: string | null })
  | (EventBase & { type: 'ScreenResumed' })
  | (EventBase & { type: 'ClipboardSent'; direction: 'to-customer' | 'to-technician'; to: string; mime: string; size: number })
  | (EventBase & { type: 'ClipboardSet'; enabled: boolean })
  | (EventBase & { type: 'RecordingStarted'; by: RecordingStartedBy; reason?: string })
  | (EventBase & { type: 'RecordingStopped'; by: RecordingStoppedBy })
  | (EventBase & { type: 'AttachCodeIssued'; codeHash: string; mode: Mode; expiresAt: number })
  | (EventBase & { type: 'AgentAttached'; agentId: string; mode: Mode })
  | (EventBase & { type: 'InputBlockRequested'; requestId: string })
  | (EventBase & { type: 'InputBlockAnswered'; requestId: string; allow: boolean })
  | (EventBase & { type: 'InputBlocked'; memberId: string })
  | (EventBase & { type: 'InputReleased'; reason: InputReleaseReason; requestId?: string });

export type SessionEventType = SessionEvent['type'];

/** An event before decide stamps seq, sessionId, actor and at. */
export type SessionEventBody = SessionEvent extends infer E ? (E extends SessionEvent ? Omit<E, keyof EventBase> : never) : never;
