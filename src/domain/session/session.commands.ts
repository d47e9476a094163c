import { QueueRef } from '../common/queue-ref';
import { JumpClient, JumpGroup, SupportButton } from '../entry-points/entry-points.state';
import { InviteeAvailability } from './session-invitable.rules';
import { ElevationScope, FileResult, InviteTarget, Mode, RequestedAction, ShellCloseReason } from './session.state';

/** Admin-only actions on the remote computer; refused unless the session is elevated. */
export type AdminActionKind = 'restart' | 'process-list' | 'command-shell' | 'protected-window';

/**
 * Every command a session accepts. Ids (inviteId, requestId, messageId, fileId) come in the command;
 * `credentials` may come in RequestElevation but never leaves decide.
 */
export type SessionCommand =
  | { type: 'RequestAssist'; agentId: string; customer: { id: string; name: string }; via: 'selection' | 'pin' | 'code'; action: RequestedAction }
  | { type: 'OpenSession'; agentId?: string; via: { kind: 'support-button'; button: SupportButton } | { kind: 'click-to-chat'; queue: QueueRef } }
  | { type: 'StartJump'; jumpClient: JumpClient; group?: JumpGroup; customer?: { id: string; name: string }; reason?: string; reasonRequired?: boolean }
  | { type: 'RespondAssist'; allow: boolean; mode?: Mode }
  | { type: 'SetMode'; mode: Mode }
  | { type: 'RequestMode'; requestId: string; mode: Mode }
  | { type: 'RespondModeRequest'; requestId: string; allow: boolean }
  | { type: 'RequestControl'; requestId: string }
  | { type: 'RespondControl'; requestId: string; allow: boolean }
  | { type: 'HandControl'; memberId: string }
  | { type: 'SendChat'; messageId: string; text: string }
  | { type: 'OfferFile'; fileId: string; name: string; size: number; sha256: string }
  /** `maxBytes`: the configured limit (clipboard.maxBytes); never above MAX_CLIPBOARD_BYTES. */
  | { type: 'SendClipboard'; mime: 'text/plain' | 'image/png'; size: number; maxBytes?: number }
  | { type: 'SetClipboard'; enabled: boolean }
  | { type: 'RespondFile'; fileId: string; accept: boolean }
  /** The receiver of an accepted file says whether it arrived intact (and, the customer's desktop, under which name it saved it). */
  | { type: 'ReportFile'; fileId: string; result: FileResult }
  /** `availability`: of the representative invited (a team or an external person needs none); without it a representative is not invitable. */
  | { type: 'Invite'; inviteId: string; target: InviteTarget; availability?: InviteeAvailability }
  | { type: 'CancelInvite'; inviteId: string }
  | { type: 'RespondInvite'; inviteId: string; accept: boolean }
  | { type: 'RemoveMember'; memberId: string }
  | { type: 'DisconnectCustomer' }
  | { type: 'Transfer'; to: QueueRef }
  | { type: 'TakeFromQueue' }
  | { type: 'Watch' }
  | { type: 'Hold' }
  | { type: 'End' }
  | { type: 'Leave' }
  | { type: 'ForceEnd' }
  | { type: 'RequestElevation'; requestId: string; method: 'prompt' | 'credentials'; scope?: ElevationScope; credentials?: { username: string; password: string }; reason?: string; reasonRequired?: boolean }
  | { type: 'RespondElevation'; requestId: string; allow: boolean }
  | { type: 'EndElevation' }
  | { type: 'AdminAction'; action: AdminActionKind }
  /** A command shell opens (an admin action); `transcript`: where the server keeps its output, never its input. */
  | { type: 'OpenShell'; shellId: string; transcript: string }
  /** The server records that a shell ended and how many bytes of output its transcript holds. */
  | { type: 'CloseShell'; shellId: string; bytes: number; reason: ShellCloseReason; truncated?: { omittedBytes: number }; gaps?: { omittedBytes: number } }
  | { type: 'ReportScreen'; paused: boolean; reason?: string }
  | { type: 'CustomerConnection'; online: boolean }
  | { type: 'StartRecording'; reason?: string }
  | { type: 'StopRecording' }
  | { type: 'IssueAttachCode'; codeHash: string; mode: Mode; ttlMs: number }
  | { type: 'AttachAgent'; codeHash: string; agentId: string }
  | { type: 'RequestInputBlock'; requestId: string }
  | { type: 'RespondInputBlock'; requestId: string; allow: boolean }
  | { type: 'ReleaseInputBlock'; reason?: 'emergency-key' | 'unavailable' };

export type SessionCommandType = SessionCommand['type'];

/** The largest file a session accepts (2 GiB). */
export const MAX_FILE_BYTES = 2 * 1024 * 1024 * 1024;
/** The largest clipboard content (text or image) the domain accepts; config may set a lower limit. */
export const MAX_CLIPBOARD_BYTES = 16 * 1024 * 1024;
