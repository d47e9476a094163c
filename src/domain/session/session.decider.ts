import { Actor, toRef } from '../common/actor';
import { Decision, reject } from '../common/decision';
import { SessionCommand } from './session.commands';
import { SessionEvent } from './session.events';
import { Outcome } from './session.guards';
import { SessionState } from './session.state';
import { sendChat, offerFile, reportFile, respondFile } from './session-chat.rules';
import { adminAction, closeShell, endElevation, openShell, requestElevation, respondElevation } from './session-elevation.rules';
import { end, forceEnd, hold, leave } from './session-lifecycle.rules';
import { customerConnection, handControl, reportScreen, requestControl, requestMode, respondControl, respondModeRequest, setMode } from './session-mode.rules';
import { attachAgent, issueAttachCode } from './session-attach.rules';
import { sendClipboard, setClipboard } from './session-clipboard.rules';
import { releaseInputBlock, requestInputBlock, respondInputBlock, withInputRelease } from './session-input-block.rules';
import { startRecording, stopRecording } from './session-recording.rules';
import { cancelInvite, disconnectCustomer, invite, removeMember, respondInvite, transfer } from './session-sharing.rules';
import { openSession, requestAssist, respondAssist, startJump, takeFromQueue, watch } from './session-start.rules';

function route(s: SessionState, c: SessionCommand, a: Actor, now: number): Outcome {
  switch (c.type) {
    case 'RequestAssist': return requestAssist(s, c, a);
    case 'OpenSession': return openSession(s, c, a, now);
    case 'StartJump': return startJump(s, c, a);
    case 'RespondAssist': return respondAssist(s, c, a);
    case 'SetMode': return setMode(s, c, a);
    case 'RequestMode': return requestMode(s, c, a);
    case 'RespondModeRequest': return respondModeRequest(s, c, a);
    case 'RequestControl': return requestControl(s, c, a);
    case 'RespondControl': return respondControl(s, c, a);
    case 'HandControl': return handControl(s, c, a);
    case 'SendChat': return sendChat(s, c, a);
    case 'OfferFile': return offerFile(s, c, a);
    case 'RespondFile': return respondFile(s, c, a);
    case 'ReportFile': return reportFile(s, c, a);
    case 'Invite': return invite(s, c, a);
    case 'CancelInvite': return cancelInvite(s, c, a);
    case 'RespondInvite': return respondInvite(s, c, a);
    case 'RemoveMember': return removeMember(s, c, a);
    case 'DisconnectCustomer': return disconnectCustomer(s, c, a);
    case 'Transfer': return transfer(s, c, a);
    case 'TakeFromQueue': return takeFromQueue(s, c, a);
    case 'Watch': return watch(s, c, a);
    case 'Hold': return hold(s, c, a);
    case 'End': return end(s, c, a);
    case 'Leave': return leave(s, c, a);
    case 'ForceEnd': return forceEnd(s, c, a);
    case 'RequestElevation': return requestElevation(s, c, a);
    case 'RespondElevation': return respondElevation(s, c, a);
    case 'EndElevation': return endElevation(s, c, a);
    case 'AdminAction': return adminAction(s, c, a);
    case 'OpenShell': return openShell(s, c, a);
    case 'CloseShell': return closeShell(s, c, a);
    case 'ReportScreen': return reportScreen(s, c, a);
    case 'CustomerConnection': return customerConnection(s, c, a);
    case 'SendClipboard': return sendClipboard(s, c, a);
    case 'SetClipboard': return setClipboard(s, c, a);
    case 'StartRecording': return startRecording(s, c, a);
    case 'StopRecording': return stopRecording(s, c, a);
    case 'IssueAttachCode': return issueAttachCode(s, c, a, now);
    case 'AttachAgent': return attachAgent(s, c, a, now);
    case 'RequestInputBlock': return requestInputBlock(s, c, a);
    case 'RespondInputBlock': return respondInputBlock(s, c, a);
    case 'ReleaseInputBlock': return releaseInputBlock(s, c, a);
    default: return reject('UNKNOWN_COMMAND');
  }
}

/**
 * Decides a command against the session's state: the events to append (stamped with gapless seq
 * state.seq + 1, + 2 …, the session id, the actor and `at = now`) or a rejection. Pure and deterministic.
 */
export function decide(state: SessionState, command: SessionCommand, actor: Actor, now: number): Decision<SessionEvent> {
  const outcome = route(state, command, actor, now);
  if ('rejection' in outcome) return outcome;
  const ref = toRef(actor);
  return {
    events: withInputRelease(state, outcome.events, ref, now).map((body, i) => ({ ...body, seq: state.seq + i + 1, sessionId: state.sessionId, actor: ref, at: now }) as SessionEvent),
  };
}
