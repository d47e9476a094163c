import type { ClassConstructor } from 'class-transformer';
import {
  AgentHelloDto, AssistRespondDto, CodeEnterDto, FileRespondDto, ModeSetDto, RequestAnswerDto, ScreenStateDto,
} from './messages/agent.dto';
import { PingDto, SessionRef } from './messages/common';
import { AttachCodeDto } from './messages/attach.dto';
import { ButtonRefDto, JumpGroupDefineDto, JumpPinDto, JumpRefDto, JumpStartDto, SupportButtonDeployDto, SupportButtonListDto } from './messages/entry.dto';
import { MediaMonitorsDto, MediaRefreshDto, MediaStatsDto } from './messages/media.dto';
import { DirectoryUsersDto, RequestEditDto, RequestFileDto, RequestListDto, RequestRefDto } from './messages/request.dto';
import { ClipboardDto, ClipboardSetDto } from '../gateways/sessions/clipboard.dto';
import { InputBlockReleaseDto } from '../gateways/sessions/input-block.dto';
import { RecordingStartDto, RecordingStopDto } from '../gateways/sessions/recording.dto';
import { RtcAnswerDto, RtcCloseDto, RtcConfigDto, RtcIceDto, RtcOfferDto } from '../gateways/sessions/rtc.dto';
import {
  AdminActionDto, AnnotationDto, AssistRequestDto, ChatSendDto, ControlHandDto, ElevationRequestDto, EmptyDto, FileChunkDto, FileDoneDto, FileOfferDto, FileResultDto, InputDto, ShellDataDto, ShellExitDto, ShellOpenDto, ShellResizeDto,
  InviteCancelDto, InviteRespondDto, MemberRemoveDto, ModeRequestDto, PointerDto, QueueTakeDto, ResumeDto, SessionInviteDto,
  SessionJoinDto, SessionTransferDto,
} from './messages/console.dto';

/** Who may send an event: people on /ws/console, the customer (agent or customer panel), the agent process. */
export type Sender = 'technician' | 'customer' | 'agent';

export interface InboundEvent {
  dto: ClassConstructor<object>;
  senders: readonly Sender[];
  summary: string;
  /** Beyond BAD_JSON/UNKNOWN_EVENT/INVALID_DATA/RATE_LIMITED/INTERNAL, which every event may get. */
  errors: readonly string[];
}

const T: Sender[] = ['technician'];
const C: Sender[] = ['customer'];
const A: Sender[] = ['agent'];
const S = ['UNKNOWN_SESSION', 'NOT_MEMBER', 'SESSION_ENDED'];

/**
 * Every text event a client may send, with its DTO. The gateways dispatch from this table and
 * docs/protocol.md is checked against it (test/e2e/protocol-doc.e2e-spec.ts).
 */
export const INBOUND_EVENTS: Record<string, InboundEvent> = {
  'ping': { dto: PingDto, senders: ['technician', 'customer', 'agent'], summary: 'round-trip probe: acked with {t, serverTime}', errors: [] },
  'agent.hello': { dto: AgentHelloDto, senders: A, summary: 'agent announces itself (hostname, OS user, displays, version, Assist PIN); must be first. With attachCode it joins that click-to-chat session (`tandem-agent join`)', errors: ['PIN_IN_USE', 'ATTACH_CODE_UNKNOWN', 'ATTACH_CODE_USED', 'ATTACH_CODE_EXPIRED', 'NOT_AWAITING_AGENT', 'AGENT_BUSY', 'SESSION_ENDED', 'LOCKED_OUT'] },
  'customer.panel': { dto: EmptyDto, senders: A, summary: 'the agent asks for a customer panel link (a customer token for this desktop, opened in the customer\'s browser)', errors: [] },
  'code.enter': { dto: CodeEnterDto, senders: [...A, ...C], summary: 'the customer typed a technician\'s security code into the agent', errors: ['CODE_UNKNOWN', 'CODE_EXPIRED', 'CODE_USED', 'RATE_LIMITED', 'LOCKED_OUT'] },
  'screen.state': { dto: ScreenStateDto, senders: A, summary: 'capture became impossible (paused) or possible again', errors: S },
  'media.stats': { dto: MediaStatsDto, senders: A, summary: 'the agent\'s capture report every 2 s while it captures (fps, bit rate, capture and encode time, quality, rate, rung applied); only for its own session', errors: ['UNKNOWN_SESSION', 'FORBIDDEN'] },
  'assist.respond': { dto: AssistRespondDto, senders: C, summary: 'the customer allows or declines assistance', errors: [...S, 'NOT_CUSTOMER', 'NOT_PENDING'] },
  'mode.set': { dto: ModeSetDto, senders: C, summary: 'the customer chooses hold, observe or interact', errors: [...S, 'NOT_CUSTOMER', 'NOT_ACTIVE'] },
  'mode.respond': { dto: RequestAnswerDto, senders: C, summary: 'the customer allows or denies a technician\'s mode request', errors: [...S, 'NOT_CUSTOMER', 'UNKNOWN_REQUEST'] },
  'control.respond': { dto: RequestAnswerDto, senders: C, summary: 'the customer allows or denies a control request', errors: [...S, 'NOT_CUSTOMER', 'UNKNOWN_REQUEST'] },
  'elevation.respond': { dto: RequestAnswerDto, senders: [...C, ...A], summary: 'the customer (or the agent, after checking credentials) grants or denies elevation', errors: [...S, 'UNKNOWN_REQUEST'] },
  'file.respond': { dto: FileRespondDto, senders: [...C, ...T], summary: 'the receiver accepts or refuses an offered file (the customer a technician\'s, a member the customer\'s); an offer withdrawn because its sender left, was removed or was disconnected (FileFailed CANCELLED) takes no answer (FILE_FAILED)', errors: [...S, 'NOT_CUSTOMER', 'UNKNOWN_FILE', 'FILE_ANSWERED', 'FILE_FAILED'] },
  'online.list': { dto: EmptyDto, senders: T, summary: 'agents online that my teams may see; live changes follow as online.changed', errors: [] },
  'code.create': { dto: EmptyDto, senders: T, summary: 'make a security code (10 minutes, single use) for a customer to enter', errors: ['FORBIDDEN'] },
  'assist.request': { dto: AssistRequestDto, senders: T, summary: 'ask assistance on an agent chosen from the online list or by its Assist PIN', errors: ['UNKNOWN_AGENT', 'PIN_UNKNOWN', 'RATE_LIMITED', 'LOCKED_OUT', 'AGENT_BUSY', 'FORBIDDEN'] },
  'mode.request': { dto: ModeRequestDto, senders: T, summary: 'ask the customer for a mode', errors: [...S, 'NOT_ACTIVE', 'REQUEST_PENDING'] },
  'control.request': { dto: SessionRef, senders: T, summary: 'ask the customer for control', errors: [...S, 'NOT_ACTIVE', 'REQUEST_PENDING'] },
  'control.hand': { dto: ControlHandDto, senders: T, summary: 'the owner hands control to another member', errors: [...S, 'NOT_OWNER'] },
  'input': { dto: InputDto, senders: T, summary: 'remote keyboard/mouse; only in interact from the member holding control', errors: [...S, 'MODE_FORBIDS_INPUT', 'NOT_CONTROLLER'] },
  'pointer': { dto: PointerDto, senders: T, summary: 'show my pointer with my name (observe and interact)', errors: [...S, 'SCREEN_NOT_VISIBLE'] },
  'annotation': { dto: AnnotationDto, senders: T, summary: 'laser pointer / pen strokes, only while the screen is visible', errors: [...S, 'SCREEN_NOT_VISIBLE'] },
  'media.refresh': { dto: MediaRefreshDto, senders: T, summary: 'a viewer asks the agent for a full frame of a monitor (all it sends when omitted); only while the screen is visible to it', errors: [...S, 'SCREEN_NOT_VISIBLE'] },
  'media.monitors': { dto: MediaMonitorsDto, senders: T, summary: 'the monitors this viewer connection shows (every monitor when omitted): the relay sends it frames of those only', errors: [...S] },
  'rtc.config': { dto: RtcConfigDto, senders: T, summary: 'before a WebRTC offer: whether WebRTC is on, the ICE servers (media.rtc.iceServers) and this tab\'s viewer id', errors: [] },
  'rtc.offer': { dto: RtcOfferDto, senders: T, summary: 'a viewer\'s WebRTC offer (recvonly video) for a monitor, passed to the session\'s agent with the viewer id; acked with {viewerId}; only while the screen is visible to it', errors: [...S, 'NOT_ACTIVE', 'SCREEN_NOT_VISIBLE', 'CUSTOMER_OFFLINE', 'CHAT_ONLY', 'FORBIDDEN'] },
  'rtc.answer': { dto: RtcAnswerDto, senders: A, summary: 'the agent\'s WebRTC answer, passed to that viewer only while the screen is visible to it', errors: [...S, 'NOT_ACTIVE', 'SCREEN_NOT_VISIBLE', 'CUSTOMER_OFFLINE', 'CHAT_ONLY', 'FORBIDDEN'] },
  'rtc.ice': { dto: RtcIceDto, senders: [...T, ...A], summary: 'a trickled ICE candidate: a viewer\'s to the agent, the agent\'s (with viewerId) to that viewer; same checks as the offer', errors: [...S, 'NOT_ACTIVE', 'SCREEN_NOT_VISIBLE', 'CUSTOMER_OFFLINE', 'CHAT_ONLY', 'FORBIDDEN'] },
  'rtc.close': { dto: RtcCloseDto, senders: [...T, ...A], summary: 'hang up a WebRTC peer: a viewer its own (the agent gets rtc.close), the agent one viewer\'s (that viewer gets rtc.closed)', errors: ['UNKNOWN_SESSION', 'FORBIDDEN'] },
  'recording.start': { dto: RecordingStartDto, senders: T, summary: 'the owner (or an admin) records the session (docs/recording.md); everyone, the customer included, gets RecordingStarted', errors: [...S, 'NOT_OWNER', 'NOT_ACTIVE', 'ALREADY_RECORDING'] },
  'recording.stop': { dto: RecordingStopDto, senders: T, summary: 'the owner (or an admin) stops the recording; one started by policy only an admin stops', errors: [...S, 'NOT_OWNER', 'NOT_RECORDING', 'RECORDING_REQUIRED'] },
  'chat.send': { dto: ChatSendDto, senders: [...T, ...C], summary: 'a chat message to everyone in the session', errors: S },
  'file.offer': { dto: FileOfferDto, senders: [...T, ...C], summary: 'offer a file (name, size, SHA-256)', errors: [...S, 'NOT_PARTICIPANT', 'NOT_ACTIVE', 'FILE_TOO_LARGE'] },
  'clipboard': { dto: ClipboardDto, senders: [...T, ...C], summary: 'clipboard content for the other side (text, or a PNG image as base64 `data`): from the member holding control to the desktop, or from the desktop to that member; interact only; at most clipboard.maxBytes; the event ClipboardSent has type and size, never the content', errors: [...S, 'NOT_ACTIVE', 'MODE_FORBIDS_INPUT', 'NOT_CONTROLLER', 'CLIPBOARD_OFF', 'CLIPBOARD_TOO_LARGE'] },
  'clipboard.set': { dto: ClipboardSetDto, senders: C, summary: 'the customer turns clipboard sharing off or on for the session (ClipboardSet)', errors: [...S, 'NOT_CUSTOMER'] },
  'input-block.request': { dto: SessionRef, senders: T, summary: 'the member holding control in interact asks the customer to let their keyboard and mouse be held (InputBlockRequested; the agent gets request.pending kind input-block); acked with {requestId}', errors: [...S, 'NOT_ACTIVE', 'MODE_FORBIDS_INPUT', 'NOT_CONTROLLER', 'CUSTOMER_OFFLINE', 'INPUT_ALREADY_BLOCKED', 'REQUEST_PENDING', 'CHAT_ONLY'] },
  'input-block.respond': { dto: RequestAnswerDto, senders: C, summary: 'the customer agrees to or refuses a block (InputBlockAnswered, then InputBlocked); acked with {blocked}', errors: [...S, 'NOT_CUSTOMER', 'UNKNOWN_REQUEST'] },
  'input-block.release': { dto: InputBlockReleaseDto, senders: [...T, ...C], summary: 'let the customer\'s keyboard and mouse go (InputReleased): the customer at any time (the agent with reason emergency-key or unavailable), the member holding control or the owner; also withdraws an unanswered request', errors: [...S, 'NOT_CUSTOMER', 'NOT_CONTROLLER', 'FORBIDDEN'] },
  'file.chunk': { dto: FileChunkDto, senders: [...T, ...C], summary: 'bytes of a file its receiver accepted (base64, ≤ 512 KiB each), relayed to the receiver, never journaled', errors: [...S, 'UNKNOWN_FILE', 'FILE_NOT_ACCEPTED', 'FILE_FAILED', 'FILE_TOO_LARGE'] },
  'file.done': { dto: FileDoneDto, senders: [...T, ...C], summary: 'the sender sent the whole file; the receiver checks its size and SHA-256 and answers file.result', errors: [...S, 'UNKNOWN_FILE', 'FILE_NOT_ACCEPTED', 'FILE_FAILED'] },
  'file.result': { dto: FileResultDto, senders: [...C, ...T], summary: 'the receiver of an accepted file (the customer\'s desktop agent for a technician\'s file, a member for the customer\'s) says how it arrived: journaled as FileDelivered {fileId, name, savedAs} (savedAs: the name the desktop saved it under) or FileFailed {fileId, name, code} (HASH_MISMATCH, SIZE_MISMATCH, WRITE_FAILED; CANCELLED also comes from the server when the session ends, the customer is disconnected or the sender leaves or is removed — then also for offers not yet answered), which everyone in the session, the sender too, sees; once per file', errors: [...S, 'NOT_CUSTOMER', 'UNKNOWN_FILE', 'FILE_NOT_ACCEPTED', 'FILE_REPORTED'] },
  'session.invite': { dto: SessionInviteDto, senders: T, summary: 'invite a representative (logged in, or with extended availability: they are mailed), a team (any representative) or an external person', errors: [...S, 'NOT_OWNER', 'INVITE_EXISTS', 'ALREADY_MEMBER', 'NOT_AVAILABLE', 'UNKNOWN_USER', 'UNKNOWN_TEAM'] },
  'people.invitable': { dto: SessionRef, senders: T, summary: 'the owner: who may be invited now — representatives logged in on any node or with extended availability (availability online|extended, role, teams), not members, not already invited — and the teams for "any representative"', errors: [...S, 'NOT_OWNER', 'FORBIDDEN'] },
  'invite.respond': { dto: InviteRespondDto, senders: T, summary: 'accept or decline an invitation', errors: ['UNKNOWN_SESSION', 'UNKNOWN_INVITE', 'NOT_INVITED'] },
  'invite.cancel': { dto: InviteCancelDto, senders: T, summary: 'the owner cancels a live invitation', errors: [...S, 'NOT_OWNER', 'UNKNOWN_INVITE'] },
  'member.remove': { dto: MemberRemoveDto, senders: T, summary: 'the owner removes a member', errors: [...S, 'NOT_OWNER', 'UNKNOWN_MEMBER'] },
  'customer.disconnect': { dto: SessionRef, senders: T, summary: 'the owner disconnects the customer and stays in the session (notes, chat); the desktop is free again: its agent is not offered the session back and may join a new one (REM-10)', errors: [...S, 'NOT_OWNER'] },
  'session.transfer': { dto: SessionTransferDto, senders: T, summary: 'the owner transfers to a team queue or a representative\'s personal queue', errors: [...S, 'NOT_OWNER', 'UNKNOWN_TEAM', 'UNKNOWN_USER'] },
  'session.hold': { dto: SessionRef, senders: T, summary: 'the owner steps away: the session waits in the owner\'s personal queue, members stay', errors: [...S, 'NOT_OWNER'] },
  'queue.list': { dto: EmptyDto, senders: T, summary: 'sessions waiting in my team queues and my personal queue', errors: [] },
  'queue.take': { dto: QueueTakeDto, senders: T, summary: 'take a waiting session from a queue I may see; I become its owner', errors: ['UNKNOWN_SESSION', 'NOT_QUEUED', 'FORBIDDEN'] },
  'sessions.list': { dto: EmptyDto, senders: T, summary: 'a supervisor (session.watch): the running sessions of my teams, to watch with session.join; an admin: all; live changes follow as sessions.changed', errors: ['FORBIDDEN'] },
  'session.join': { dto: SessionJoinDto, senders: T, summary: 'a supervisor (or admin) joins a session of their teams as an observer', errors: ['UNKNOWN_SESSION', 'FORBIDDEN', 'ALREADY_MEMBER', 'SESSION_ENDED'] },
  'session.end': { dto: SessionRef, senders: [...T, ...C], summary: 'owner or customer: end for all; any other member: leave', errors: S },
  'session.leave': { dto: SessionRef, senders: T, summary: 'leave the session', errors: [...S, 'OWNER_MUST_END_OR_TRANSFER'] },
  'session.resume': { dto: ResumeDto, senders: [...T, ...C, ...A], summary: 'after a reconnect: the events after lastSeq in order, then live ones (an external representative only while still a member of the running session: else NOT_MEMBER or SESSION_ENDED)', errors: ['RESUME_INVALID', 'UNKNOWN_SESSION', 'NOT_MEMBER', 'SESSION_ENDED'] },
  'elevation.request': { dto: ElevationRequestDto, senders: T, summary: 'ask for an admin session by prompting the customer or with credentials (never stored or logged); a reason where policy requires one', errors: [...S, 'FORBIDDEN', 'ALREADY_ELEVATED', 'REASON_REQUIRED', 'CUSTOMER_OFFLINE'] },
  'elevation.end': { dto: SessionRef, senders: [...T, ...C], summary: 'a member or the customer drops the admin session', errors: [...S, 'NOT_ELEVATED'] },
  'attach.code': { dto: AttachCodeDto, senders: C, summary: 'after granting the full client in a click-to-chat session: a one-time attach code for `tandem-agent join --server URL --code CODE` (codes.attachCodeTtlMs), with the mode the customer chooses (observe when omitted); a new code replaces the last', errors: [...S, 'NOT_CUSTOMER', 'NOT_AWAITING_AGENT'] },
  'support-button.deploy': { dto: SupportButtonDeployDto, senders: T, summary: 'the session\'s owner (or an admin) deploys a Support Button on its agent while it is active: name, profile (one of supportButtons.profiles), queue, expiry', errors: [...S, 'FORBIDDEN', 'NOT_OWNER', 'NOT_ACTIVE', 'CUSTOMER_OFFLINE', 'INVALID_TARGET', 'BUTTON_EXPIRED', 'UNKNOWN_PROFILE', 'UNKNOWN_TEAM', 'UNKNOWN_USER'] },
  'support-button.remove': { dto: ButtonRefDto, senders: T, summary: 'remove (uninstall) a Support Button: who deployed it, a supervisor of its queue\'s team or an admin', errors: ['UNKNOWN_BUTTON', 'FORBIDDEN', 'NOT_DEPLOYER'] },
  'support-button.list': { dto: SupportButtonListDto, senders: T, summary: 'Support Buttons on the desktop of a session I may see (sessionId: its members, a supervisor of its teams, an admin), or all I deployed (an admin: all), with their expiry', errors: ['UNKNOWN_SESSION', 'INVALID_TARGET', 'FORBIDDEN', 'NOT_MEMBER'] },
  'support.start': { dto: ButtonRefDto, senders: [...A, ...C], summary: 'the customer starts a session through a Support Button: it waits in the button\'s queue', errors: ['UNKNOWN_BUTTON', 'BUTTON_EXPIRED', 'INVALID_TARGET', 'AGENT_BUSY'] },
  'jump-group.define': { dto: JumpGroupDefineDto, senders: T, summary: 'an admin defines a Jump Group: members (users, teams) and consent policy (notify or ask)', errors: ['FORBIDDEN'] },
  'jump-group.list': { dto: EmptyDto, senders: T, summary: 'the Jump Groups I may pin to and jump from (an admin: all): name, consent policy, members', errors: [] },
  'jump.pin': { dto: JumpPinDto, senders: T, summary: 'the session\'s owner (or an admin) pins its agent as a Jump Client, while it is active, to their personal list or a Jump Group', errors: [...S, 'FORBIDDEN', 'NOT_OWNER', 'NOT_ACTIVE', 'CUSTOMER_OFFLINE', 'UNKNOWN_JUMP_GROUP', 'INVALID_TARGET'] },
  'jump.unpin': { dto: JumpRefDto, senders: T, summary: 'unpin (uninstall) a Jump Client: a personal pin, its representative; a group pin, who pinned it or a supervisor in the group; an admin', errors: ['UNKNOWN_JUMP_CLIENT', 'FORBIDDEN', 'NOT_PINNER'] },
  'jump.list': { dto: EmptyDto, senders: T, summary: 'the Jump Clients I may start, with their agents\' status', errors: [] },
  'jump.start': { dto: JumpStartDto, senders: T, summary: 'start an unattended session through a Jump Client, under its consent policy', errors: ['UNKNOWN_JUMP_CLIENT', 'UNKNOWN_JUMP_GROUP', 'FORBIDDEN', 'UNKNOWN_AGENT', 'AGENT_BUSY', 'REASON_REQUIRED'] },
  'request.file': { dto: RequestFileDto, senders: [...T, ...C], summary: 'file a remote assistance request: a user for their own desktop, an assistant with request.create for another (agentId, and userId from a realm); availableFrom is an ISO time or `*` (the default) for any time, which lists and mails show as *', errors: ['FORBIDDEN', 'UNKNOWN_AGENT', 'INVALID_DATA', 'UNKNOWN_USER'] },
  'request.edit': { dto: RequestEditDto, senders: T, summary: 'change the assigned assistant, the scheduled time or the status (request.edit)', errors: ['FORBIDDEN', 'UNKNOWN_REQUEST', 'UNKNOWN_USER', 'NOT_ACTIVE'] },
  'request.launch': { dto: RequestRefDto, senders: T, summary: 'connect to the request\'s desktop: Waiting for Connection until the user answers (request.view)', errors: ['FORBIDDEN', 'UNKNOWN_REQUEST', 'SESSION_EXISTS', 'UNKNOWN_AGENT', 'AGENT_BUSY'] },
  'request.delete': { dto: RequestRefDto, senders: [...T, ...C], summary: 'close an open request (its owner, or request.delete)', errors: ['FORBIDDEN', 'UNKNOWN_REQUEST'] },
  'request.list': { dto: RequestListDto, senders: [...T, ...C], summary: 'my requests (a user) or every open request (request.view); realm: only those whose owner is in that user database', errors: ['UNKNOWN_REALM'] },
  'directory.users': { dto: DirectoryUsersDto, senders: T, summary: 'the users of one user database (realm), for filing a request for one of them (request.create)', errors: ['FORBIDDEN', 'UNKNOWN_REALM'] },
  'shell.open': { dto: ShellOpenDto, senders: T, summary: 'open a command shell on the agent\'s machine, in a pseudo-terminal of the given size (cols × rows, 2..500; 80 × 24 when omitted) (an audited admin action; elevated sessions whose customer is still connected; never an external representative)', errors: [...S, 'NOT_ELEVATED', 'NOT_PARTICIPANT', 'CUSTOMER_OFFLINE', 'FORBIDDEN'] },
  'shell.input': { dto: ShellDataDto, senders: T, summary: 'input for the remote shell: keystrokes or pasted text, as a terminal sends them (relayed to the agent while the session is elevated and its customer connected; never from an external representative; never journaled or logged)', errors: [...S, 'NOT_ELEVATED', 'NOT_PARTICIPANT', 'CUSTOMER_OFFLINE', 'FORBIDDEN'] },
  'shell.resize': { dto: ShellResizeDto, senders: T, summary: 'the technician\'s terminal changed size (cols × rows, 2..500): the shell\'s pseudo-terminal follows (relayed under the same rules as shell.input)', errors: [...S, 'NOT_ELEVATED', 'NOT_PARTICIPANT', 'CUSTOMER_OFFLINE', 'FORBIDDEN'] },
  'shell.output': { dto: ShellDataDto, senders: A, summary: 'the agent\'s shell output, relayed while the session is elevated to the members who may use a shell (never a watching supervisor or an external representative); its ack says it was relayed, which is the agent\'s flow control (see Command shell flow control)', errors: [...S, 'NOT_ELEVATED'] },
  'shell.exit': { dto: ShellExitDto, senders: A, summary: 'the agent\'s shell ended', errors: S },
  'admin.action': { dto: AdminActionDto, senders: T, summary: 'restart, process list, command shell, protected window: only while elevated and the customer is connected', errors: [...S, 'NOT_ELEVATED', 'CUSTOMER_OFFLINE'] },
};
