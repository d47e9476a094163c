import { END_REASON, MODE_LABEL, queueText, type InviteTarget, type Mode, type SessionEvent } from './protocol';

const ADMIN_ACTION: Record<string, string> = {
  restart: 'a restart', 'process-list': 'the process list', 'command-shell': 'a command shell', 'protected-window': 'control of a protected window',
};

const SHELL_CLOSED: Record<string, string> = {
  'elevation-ended': ' as the administrator rights ended', 'customer-disconnected': ' as the customer was disconnected', 'session-ended': ' as the session ended',
};

function targetText(t: InviteTarget | undefined, nameOf: (id: string) => string): string {
  if (!t) return 'someone';
  if (t.kind === 'representative') return t.name ?? nameOf(t.userId);
  if (t.kind === 'team') return `any representative of ${t.teamId}`;
  return `${t.name} (external, one-time)`;
}

const FILE_FAILURE_TEXT: Record<string, string> = {
  HASH_MISMATCH: 'it arrived damaged (SHA-256 mismatch)', SIZE_MISMATCH: 'it arrived incomplete (size mismatch)',
  WRITE_FAILED: 'it could not be written to disk', CANCELLED: 'the transfer was cancelled',
};

const INPUT_RELEASE: Record<string, string> = {
  technician: 'released by the technician', customer: 'released by the customer', 'emergency-key': 'the customer’s emergency keys',
  unavailable: 'the desktop could not block them', 'mode-change': 'the mode changed', hold: 'the session went on hold',
  'control-change': 'control changed hands', 'session-end': 'the session ended', 'agent-exit': 'the desktop went offline',
};

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/**
 * One line of the session timeline in plain words: who did what. `nameOf` turns member ids into names.
 * Unknown future event types still show, by their type name.
 */
export function describeEvent(e: SessionEvent, nameOf: (id: string) => string): string {
  const who = e.actor?.name || nameOf(e.actor?.id);
  const mode = (m: unknown): string => MODE_LABEL[m as Mode] ?? String(m);
  switch (e.type) {
    case 'AssistRequested': {
      const via = e.via === 'pin' ? 'by Assist PIN' : e.via === 'code' ? 'with a security code' : 'from the online list';
      return `${who} asked to ${e.action === 'control' ? 'control' : 'view'} ${e.customer?.name ?? 'the desktop'} (${via})`;
    }
    case 'SessionOpened': return `${e.customer?.name ?? who} opened a ${e.chatOnly ? 'chat' : 'support'} session in ${queueText(e.queue)}`;
    case 'JumpStarted': return `${who} jumped to ${e.customer?.name ?? 'the desktop'} (${e.consent === 'notify' ? 'customer notified' : 'waiting for the customer'})`;
    case 'AssistAccepted': return `${who} allowed the session`;
    case 'AssistDeclined': return `${who} declined the session`;
    case 'ModeChanged': return `${who} set the mode to ${mode(e.mode)} (was ${mode(e.previous)})`;
    case 'ModeRequested': return `${who} asked for ${mode(e.mode)} mode`;
    case 'ModeRequestAnswered': return `${who} ${e.allow ? 'allowed' : 'denied'} the mode request`;
    case 'ControlRequested': return `${who} asked for control`;
    case 'ControlRequestAnswered': return `${who} ${e.allow ? 'allowed' : 'denied'} the control request`;
    case 'ControlGranted': return `${nameOf(e.memberId)} now has control`;
    case 'ChatSent': return `${who}: “${e.text}”`;
    case 'FileOffered': return `${who} offered the file ${e.name} (${bytes(Number(e.size))})`;
    case 'ClipboardSent': return `${who} copied ${e.mime === 'image/png' ? `an image (${bytes(Number(e.size))})` : `${bytes(Number(e.size))} of text`} to the ${e.direction === 'to-customer' ? 'customer\'s' : 'technician\'s'} clipboard`;
    case 'ClipboardSet': return `${who} turned clipboard sharing ${e.enabled ? 'on' : 'off'}`;
    case 'InputBlockRequested': return `${who} asked to block the customer’s keyboard and mouse`;
    case 'InputBlockAnswered': return `${who} ${e.allow ? 'allowed' : 'refused'} blocking their keyboard and mouse`;
    case 'InputBlocked': return `The customer’s keyboard and mouse are blocked for ${nameOf(e.memberId as string)}`;
    case 'InputReleased': return `The customer’s keyboard and mouse work again (${INPUT_RELEASE[e.reason as string] ?? String(e.reason)})`;
    case 'RecordingStarted': return `${who} started recording the session${e.reason ? ` (${e.reason})` : ''}`;
    case 'RecordingStopped': return `recording stopped${e.by === 'limit' ? ' (size limit reached)' : ''}`;
    case 'FileAnswered': return `${who} ${e.accept ? 'accepted' : 'refused'} a file`;
    case 'FileDelivered': return e.savedAs ? `The file ${e.name} was saved on the customer’s desktop as ${e.savedAs}` : `${who} received the file ${e.name} (SHA-256 checked)`;
    case 'FileFailed': return `The file ${e.name} did not arrive: ${FILE_FAILURE_TEXT[e.code as string] ?? String(e.code)}`;
    case 'InvitationSent': return `${who} invited ${targetText(e.target, nameOf)}`;
    case 'InvitationCancelled': return `${who} cancelled an invitation`;
    case 'InvitationRevoked': return `An invitation lapsed (${e.reason === 'sender-left' ? 'its sender left' : e.reason === 'transferred' ? 'the session was transferred' : 'the session ended'})`;
    case 'InvitationAccepted': return `${e.member?.name ?? who} joined the session${e.role && e.role !== 'participant' ? ` as ${e.role}` : ''}`;
    case 'InvitationDeclined': return `${who} declined the invitation`;
    case 'MemberRemoved': return `${who} removed ${nameOf(e.memberId)}`;
    case 'MemberLeft': return `${nameOf(e.memberId)} left the session`;
    case 'SupervisorJoined': return `${e.member?.name ?? who} is watching (supervisor)`;
    case 'CustomerDisconnected': return `${who} disconnected the customer`;
    case 'CustomerConnectionChanged': return `The customer’s computer is ${e.online ? 'back online' : 'offline'}`;
    case 'SessionTransferred': return `${who} transferred the session to ${queueText(e.to)}`;
    case 'SessionTaken': return `${e.by?.name ?? who} took the session from ${queueText(e.queue)}`;
    case 'SessionHeld': return `${who} put the session on hold in ${queueText(e.queue)}`;
    case 'SessionEnded': return `The session ended: ${END_REASON[e.reason] ?? e.reason}${e.lockDesktop ? ' (desktop locked)' : ''}`;
    case 'ElevationRequested': return `${who} asked for ${e.scope === 'full-client' ? 'full-client' : 'administrator'} rights (${e.method === 'credentials' ? 'with credentials' : 'asking the customer'})`;
    case 'ElevationAnswered': return `${who} ${e.allow ? 'granted' : 'denied'} ${e.scope === 'full-client' ? 'full-client' : 'administrator'} rights`;
    case 'ElevationEnded': return e.reason === 'customer-disconnected' ? 'The administrator rights ended with the customer’s disconnection (command shells close)' : `${who} ended the administrator rights`;
    case 'AdminActionPerformed': return `${who} started ${ADMIN_ACTION[e.action] ?? e.action}`;
    case 'ShellOpened': return `${who} opened a command shell (its output is kept in the audit transcript)`;
    case 'ShellClosed': return `The command shell closed${SHELL_CLOSED[e.reason] ?? ''} (${String(e.bytes)} bytes of output in the transcript)`;
    case 'ScreenPaused': return `The screen is paused${e.reason ? `: ${e.reason}` : ' (protected screen)'}`;
    case 'ScreenResumed': return 'The screen is visible again';
    case 'AttachCodeIssued': return `${who} got a one-time code to share the screen (starts in ${String(e.mode)})`;
    case 'AgentAttached': return `The customer’s agent (${who}) joined: the screen is shared`;
    default: return `${who}: ${e.type}`;
  }
}

/** A short category for styling timeline rows. */
export function eventKind(type: string): 'chat' | 'mode' | 'people' | 'end' | 'admin' | 'other' {
  if (type === 'ChatSent') return 'chat';
  if (type.startsWith('Mode') || type.startsWith('Control') || type.startsWith('Screen')) return 'mode';
  if (type.startsWith('Invitation') || type.startsWith('Member') || type === 'SupervisorJoined' || type.startsWith('Customer')) return 'people';
  if (type === 'SessionEnded' || type === 'AssistDeclined') return 'end';
  if (type.startsWith('Elevation') || type.startsWith('Shell') || type === 'AdminActionPerformed') return 'admin';
  return 'other';
}
